package pdf417

import (
	"image"
	"image/color"
	"math"
	"testing"
)

// rotateGray turns src by deg degrees about its centre (nearest
// neighbour, white outside).
func rotateGray(src *image.Gray, deg float64) *image.Gray {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	s, c := math.Sin(deg*math.Pi/180), math.Cos(deg*math.Pi/180)
	W := int(math.Abs(float64(w)*c)+math.Abs(float64(h)*s)) + 2
	H := int(math.Abs(float64(w)*s)+math.Abs(float64(h)*c)) + 2
	out := image.NewGray(image.Rect(0, 0, W, H))
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			dx, dy := float64(x)-float64(W)/2, float64(y)-float64(H)/2
			sx := c*dx + s*dy + float64(w)/2
			sy := -s*dx + c*dy + float64(h)/2
			v := uint8(255)
			if sx >= 0 && sy >= 0 && int(sx) < w && int(sy) < h {
				v = src.GrayAt(int(sx), int(sy)).Y
			}
			out.SetGray(x, y, color.Gray{v})
		}
	}
	return out
}

// TestDecodeTurned reads symbols turned by a few degrees (sheared scan
// lines follow the rows) and by about 90° and 180°; at 30° it finds
// nothing, and never a wrong text.
func TestDecodeTurned(t *testing.T) {
	for _, s := range loadSamples(t) {
		switch s.file {
		case "text_band.png", "level5_cols12.png", "scaled3.png", "compact_band.png", "compact_level4_cols6.png":
		default:
			continue
		}
		for _, tc := range []struct {
			deg float64
			ok  bool
		}{{3, true}, {-3, true}, {7, true}, {-7, true}, {12, true}, {-12, true}, {95, true}, {184, true}, {30, false}} {
			img := rotateGray(withQuietZone(loadImage(t, s.file), 20), tc.deg)
			res, err := decodeImage(img)
			switch {
			case err == nil && res.GetText() != s.text:
				t.Errorf("%s turned %v°: wrong read %q", s.file, tc.deg, res.GetText())
			case tc.ok && err != nil:
				t.Errorf("%s turned %v°: %v", s.file, tc.deg, err)
			case !tc.ok && err == nil:
				t.Logf("%s turned %v°: read (beyond what is claimed)", s.file, tc.deg)
			}
		}
	}
}

// TestDecodeInverted reads light bars on a dark ground (a band printed
// in negative), full and compact.
func TestDecodeInverted(t *testing.T) {
	for _, s := range loadSamples(t) {
		switch s.file {
		case "text_band.png", "compact_band.png", "rot90.png":
		default:
			continue
		}
		img := withQuietZone(loadImage(t, s.file), 10)
		for i, p := range img.Pix {
			img.Pix[i] = 255 - p
		}
		res, err := decodeImage(img)
		if err != nil || res.GetText() != s.text {
			t.Errorf("%s inverted: %v %v", s.file, res, err)
		}
	}
}
