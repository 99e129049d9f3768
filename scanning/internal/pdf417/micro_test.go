package pdf417

import (
	"path/filepath"
	"testing"

	"github.com/makiuchi-d/gozxing"
)

func matrixOf(t *testing.T, file string, margin int) *gozxing.BitMatrix {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(withQuietZone(loadImage(t, file), margin))
	if err != nil {
		t.Fatal(err)
	}
	m, err := bmp.GetBlackMatrix()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestMicroPDF417SeenNotRead: a MicroPDF417 is recognised and never read
// (this package does not decode it, and must not misread it as PDF417).
func TestMicroPDF417SeenNotRead(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(testdataDir, "micro", "*.png"))
	if len(files) < 6 {
		t.Fatalf("%d MicroPDF417 renders (scanning/testdata/pdf417/gen.sh)", len(files))
	}
	for _, f := range files {
		m := matrixOf(t, filepath.Join("micro", filepath.Base(f)), 10)
		if !LooksLikeMicroPDF417(m) {
			t.Errorf("%s: not seen as MicroPDF417", filepath.Base(f))
		}
		if res, err := DecodeMatrix(m); err == nil {
			t.Errorf("%s: read %q", filepath.Base(f), res.GetText())
		}
	}
}

// TestMicroDetectorNeedsAStackedSymbol: a plain white image and a
// one-dimensional pattern (the same bars on every line) are not seen as a
// MicroPDF417.
func TestMicroDetectorNeedsAStackedSymbol(t *testing.T) {
	white, _ := gozxing.NewBitMatrix(300, 200)
	if LooksLikeMicroPDF417(white) {
		t.Error("white image seen as MicroPDF417")
	}
	// One row of a MicroPDF417 repeated on every line: a RAP and symbol
	// characters, but one cluster only.
	one := matrixOf(t, "micro/micro_mrn.png", 10)
	h := one.GetHeight()
	stripes, _ := gozxing.NewBitMatrix(one.GetWidth(), h)
	y := h / 2
	for x := 0; x < one.GetWidth(); x++ {
		if one.Get(x, y) {
			stripes.SetRegion(x, 0, 1, h)
		}
	}
	if LooksLikeMicroPDF417(stripes) {
		t.Error("one row repeated (a one-dimensional pattern) seen as MicroPDF417")
	}
}
