package scanning

import (
	"errors"
	"fmt"
	"image"
	"testing"
)

// benchSymbols are the zint fixtures the decode benchmark places in frames.
var benchSymbols = []struct{ format, file string }{
	{"DATA_MATRIX", "zint/dm_square_m4.png"},
	{"CODE_128", "zint/gs1_128_m2.png"},
	{"QR_CODE", "zint/qr_gs1_m4.png"},
	{"EAN_13", "zint/ean13_m2.png"},
	{"UPC_A", "zint/upca_m2.png"},
	{"ITF", "zint/itf14_m2.png"},
	{"NONE", ""},
}

// frame puts a symbol on a shaded background of a camera frame's size,
// right of centre; w == 0 returns the symbol image itself.
func frame(sym image.Image, w, h int) image.Image {
	if w == 0 {
		return sym
	}
	g := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := 170 + 50*x/w - 30*y/h
			// A few darker boxes, like other print on a pack.
			if (x/97+y/61)%7 == 0 {
				v -= 60
			}
			g.Pix[y*g.Stride+x] = uint8(v)
		}
	}
	if sym != nil {
		b := sym.Bounds()
		x0, y0 := min(w/2, w-b.Dx()-8), (h-b.Dy())/2
		l := toLuminance(sym)
		for y := 0; y < b.Dy() && y0+y < h; y++ {
			for x := 0; x < b.Dx() && x0+x < w; x++ {
				g.Pix[(y0+y)*g.Stride+x0+x] = l.pix[y*l.w+x]
			}
		}
	}
	return g
}

// BenchmarkDecode measures Decode per format and image size: the bare
// symbol as zint drew it, and the symbol in VGA, 720p and 1080p frames.
// NONE is a frame without a barcode, the slowest case (every attempt runs).
func BenchmarkDecode(b *testing.B) {
	sizes := []struct {
		name string
		w, h int
	}{{"symbol", 0, 0}, {"640x480", 640, 480}, {"1280x720", 1280, 720}, {"1920x1080", 1920, 1080}}
	for _, s := range benchSymbols {
		var sym image.Image
		if s.file != "" {
			sym = loadPNG(b, s.file)
		}
		for _, sz := range sizes {
			if sym == nil && sz.w == 0 || sym != nil && sz.w > 0 && sym.Bounds().Dx()+16 > sz.w {
				continue
			}
			img := frame(sym, sz.w, sz.h)
			b.Run(fmt.Sprintf("%s/%s", s.format, sz.name), func(b *testing.B) {
				r, err := Decode(img, DecodeOptions{})
				if s.file == "" {
					if !errors.Is(err, ErrNoBarcode) {
						b.Fatalf("read %+v, %v in a frame without barcode", r, err)
					}
				} else if err != nil || r.Format != s.format {
					b.Fatalf("got %+v, %v", r, err)
				}
				b.ResetTimer()
				for b.Loop() {
					Decode(img, DecodeOptions{})
				}
			})
		}
	}
}

func BenchmarkParse(b *testing.B) {
	for _, in := range []string{
		"]d201003123456789061727013110LOT123A\x1d21SN0001",
		"(01)00312345678906(17)270131(10)LOT123A(21)SN0001",
		"0312345678906",
		"MRN:00123456|DOE^JANE|DOB:19800101",
	} {
		b.Run(in[:min(len(in), 12)], func(b *testing.B) {
			opts := testOptions()
			for b.Loop() {
				Parse(in, opts)
			}
		})
	}
}
