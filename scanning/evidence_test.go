package scanning

import (
	"bytes"
	"context"
	"errors"
	"image"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// stripes is a 640×480 frame of vertical stripes of random widths: edges
// like bars everywhere, no symbol, no module texture.
func stripes() image.Image {
	g := image.NewGray(image.Rect(0, 0, 640, 480))
	rng := rand.New(rand.NewPCG(7, 7))
	v := uint8(230)
	for x := 0; x < 640; {
		w := 1 + rng.IntN(9)
		for ; w > 0 && x < 640; w, x = w-1, x+1 {
			for y := 0; y < 480; y++ {
				g.Pix[y*g.Stride+x] = v
			}
		}
		v = 255 - v + 20
	}
	return g
}

// TestEvidenceDecidesWhichFallbacksRun: the first attempts run on every
// frame; after them the evidence map ends the search on a frame with
// nothing barcode-like, skips the 2D fallbacks where there is no module
// texture, and sends the symbol search where there is.
func TestEvidenceDecidesWhichFallbacksRun(t *testing.T) {
	clutter := func() image.Image {
		data, err := os.ReadFile(filepath.Join("testdata", "clutter", "none_pack_21.jpg"))
		if err != nil {
			t.Fatal(err)
		}
		img, _, err := image.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		return img
	}
	first := []string{"2d", "pdf417", "1d"}
	for _, tc := range []struct {
		name    string
		img     image.Image
		want    []string // steps that must run
		notWant []string // steps that must not
	}{
		{"empty shaded frame stops after the first attempts", frame(nil, 640, 480),
			first, []string{"regions", "symbols", "aligned", "2d-inv", "1d-inv", "tiles", "turned-1d"}},
		{"stripes without module texture skip the 2D fallbacks", stripes(),
			append(first, "aligned", "1d-inv", "turned-1d"), []string{"regions", "symbols", "2d-inv", "2d-global", "scale-2d", "tiles"}},
		{"print on a cluttered pack is searched for symbols", clutter(),
			append(first, "symbols", "2d-inv", "turned-1d"), []string{"tiles", "up2s-r45-2d", "r45-2d"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ran []string
			d := &decoder{ctx: context.Background(), tally: newTally(), rowReaders: newRowReaders(),
				attempt: func(l string) { ran = append(ran, l) }}
			r, found, err := d.run(toLuminance(tc.img))
			if err != nil || found {
				t.Fatalf("read %+v, %v in a frame without barcode", r, err)
			}
			if err := d.notFound(); !errors.Is(err, ErrNoBarcode) {
				t.Fatalf("notFound = %v", err)
			}
			for _, l := range tc.want {
				if !slices.Contains(ran, l) {
					t.Errorf("step %q did not run; ran %v", l, slices.Compact(ran))
				}
			}
			for _, l := range tc.notWant {
				if slices.Contains(ran, l) {
					t.Errorf("step %q ran; ran %v", l, slices.Compact(ran))
				}
			}
		})
	}
}

// TestBudgetEndsTheSearch: once the budget is spent no attempt starts and
// the answer is ErrNoBarcode, not the context's error; a negative budget
// searches to the end.
func TestBudgetEndsTheSearch(t *testing.T) {
	sym := loadPNG(t, "zint/dm_square_m4.png")
	img := frame(sym, 640, 480)
	if _, err := Decode(img, DecodeOptions{Budget: time.Nanosecond}); !errors.Is(err, ErrNoBarcode) {
		t.Fatalf("spent budget: got %v, want ErrNoBarcode", err)
	}
	r, err := Decode(img, DecodeOptions{Budget: -1})
	if err != nil || r.Format != "DATA_MATRIX" {
		t.Fatalf("no budget: got %+v, %v", r, err)
	}
}

// TestGridAngle: the module grid's direction, modulo a quarter turn, from
// a DataMatrix turned by known angles.
func TestGridAngle(t *testing.T) {
	sym := toLuminance(loadPNG(t, "zint/dm_square_m4.png")).pad(20, 255)
	for _, deg := range []float64{0, 12, 25, -30, 44, 70, 118} {
		l := sym.rotated(deg)
		got := gridAngle(l, l.bounds())
		// rotated turns counter-clockwise in the picture; gridAngle
		// measures in image coordinates (y down): the opposite sign.
		want := -deg
		for want < -45 {
			want += 90
		}
		for want >= 45 {
			want -= 90
		}
		diff := got - want
		for diff < -45 {
			diff += 90
		}
		for diff >= 45 {
			diff -= 90
		}
		if diff < -2 || diff > 2 {
			t.Errorf("turned %g°: grid angle %.1f°, want %.1f°", deg, got, want)
		}
	}
}
