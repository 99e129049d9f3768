package pdf417

import (
	"bufio"
	"image"
	"image/color"
	"image/draw"
	_ "image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
)

// sample is one line of testdata/pdf417/manifest.tsv (written by its
// gen.sh from zint renders).
type sample struct{ file, text, notes string }

const testdataDir = "../../testdata/pdf417"

func loadSamples(t testing.TB) []sample {
	t.Helper()
	f, err := os.Open(filepath.Join(testdataDir, "manifest.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []sample
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "#") || sc.Text() == "" {
			continue
		}
		c := strings.Split(sc.Text(), "\t")
		if len(c) != 3 {
			t.Fatalf("manifest line %q: want 3 columns", sc.Text())
		}
		out = append(out, sample{c[0], strings.ReplaceAll(c[1], "<GS>", "\x1d"), c[2]})
	}
	if len(out) < 10 {
		t.Fatalf("manifest has %d samples", len(out))
	}
	return out
}

func loadImage(t testing.TB, file string) image.Image {
	t.Helper()
	f, err := os.Open(filepath.Join(testdataDir, file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// withQuietZone draws img at scale on a white canvas with a margin, as a
// symbol sits on a label.
func withQuietZone(img image.Image, margin int) *image.Gray {
	b := img.Bounds()
	out := image.NewGray(image.Rect(0, 0, b.Dx()+2*margin, b.Dy()+2*margin))
	draw.Draw(out, out.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.Draw(out, b.Sub(b.Min).Add(image.Pt(margin, margin)), img, b.Min, draw.Src)
	return out
}

func decodeImage(img image.Image) (*gozxing.Result, error) {
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return nil, err
	}
	return NewReader().DecodeWithoutHints(bmp)
}

func TestDecodeZintSymbols(t *testing.T) {
	for _, s := range loadSamples(t) {
		t.Run(strings.TrimSuffix(s.file, ".png"), func(t *testing.T) {
			img := withQuietZone(loadImage(t, s.file), 10)
			res, err := decodeImage(img)
			if err != nil {
				t.Fatalf("%s: %v", s.notes, err)
			}
			if res.GetText() != s.text {
				t.Fatalf("%s: read %q, want %q", s.notes, res.GetText(), s.text)
			}
			if res.GetBarcodeFormat() != gozxing.BarcodeFormat_PDF_417 {
				t.Fatalf("format %v", res.GetBarcodeFormat())
			}
		})
	}
}
