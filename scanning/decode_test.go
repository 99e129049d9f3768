package scanning

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
)

func loadPNG(t testing.TB, name string) image.Image {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "images", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestDecodeFillsTheParsedCode(t *testing.T) {
	r, err := Decode(loadPNG(t, "zint/dm_square_m4.png"), DecodeOptions{Parse: testOptions()})
	if err != nil {
		t.Fatal(err)
	}
	if r.Symbology != "]d2" || r.Code == nil || r.Code.GTIN != "00312345678906" || r.Code.Lot != "LOT123A" ||
		r.Code.Serial != "SN0001" || r.Code.Expiry.String() != "2027-01-31" || r.Code.NDC != "1234567890" {
		t.Fatalf("got %+v code %+v", r, r.Code)
	}
	checkGolden(t, filepath.Join("testdata", "golden", "decode", "dm_square_m4.json"), NewReport("dm_square_m4.png", r, err))
}

func TestDecodeGS1128KeepsSeparatorsAndSymbology(t *testing.T) {
	r, err := Decode(loadPNG(t, "zint/gs1_128_m2.png"), DecodeOptions{Parse: testOptions()})
	if err != nil {
		t.Fatal(err)
	}
	if r.Symbology != "]C1" || strings.HasPrefix(r.Text, "]C1") || !strings.Contains(r.Text, "LOT123A\x1d21") {
		t.Fatalf("got %+v", r)
	}
	checkGolden(t, filepath.Join("testdata", "golden", "decode", "gs1_128_m2.json"), NewReport("gs1_128_m2.png", r, err))
}

func TestDecodeReportsNoBarcode(t *testing.T) {
	r, err := Decode(loadPNG(t, "none_blank.png"), DecodeOptions{})
	if !errors.Is(err, ErrNoBarcode) {
		t.Fatalf("got %+v, %v", r, err)
	}
	checkGolden(t, filepath.Join("testdata", "golden", "decode", "none_blank.json"), NewReport("none_blank.png", r, err))
}

func TestDecodeAcceptsAnyImageType(t *testing.T) {
	src := loadPNG(t, "zint/qr_gs1_m2.png")
	b := src.Bounds()
	// Offset bounds, as a sub-image has.
	off := image.Rect(7, 5, 7+b.Dx(), 5+b.Dy())
	rgba := image.NewRGBA(off)
	draw.Draw(rgba, off, src, b.Min, draw.Src)
	nrgba := image.NewNRGBA(off)
	draw.Draw(nrgba, off, src, b.Min, draw.Src)
	gray16 := image.NewGray16(off)
	draw.Draw(gray16, off, src, b.Min, draw.Src)
	ycc := image.NewYCbCr(off, image.YCbCrSubsampleRatio420)
	for y := off.Min.Y; y < off.Max.Y; y++ {
		for x := off.Min.X; x < off.Max.X; x++ {
			ycc.Y[ycc.YOffset(x, y)] = color.GrayModel.Convert(src.At(x-7+b.Min.X, y-5+b.Min.Y)).(color.Gray).Y
		}
	}
	for i := range ycc.Cb {
		ycc.Cb[i], ycc.Cr[i] = 128, 128
	}
	for name, img := range map[string]image.Image{
		"paletted": src, "rgba": rgba, "nrgba": nrgba, "gray16": gray16, "ycbcr": ycc,
		"sub-image": rgba.SubImage(image.Rect(9, 6, 7+b.Dx()-1, 5+b.Dy()-1)),
	} {
		t.Run(name, func(t *testing.T) {
			r, err := Decode(img, DecodeOptions{})
			if err != nil || r.Format != "QR_CODE" {
				t.Fatalf("got %+v, %v", r, err)
			}
		})
	}
}

func TestLuminanceCompositesTransparencyOverWhite(t *testing.T) {
	n := image.NewNRGBA(image.Rect(0, 0, 3, 1))
	n.Set(0, 0, color.NRGBA{0, 0, 0, 255})
	n.Set(1, 0, color.NRGBA{0, 0, 0, 0})
	n.Set(2, 0, color.NRGBA{255, 0, 0, 255})
	l := toLuminance(n)
	if l.pix[0] != 0 || l.pix[1] != 255 || l.pix[2] < 70 || l.pix[2] > 80 {
		t.Errorf("luminance = %v", l.pix)
	}
	r := image.NewRGBA(image.Rect(0, 0, 1, 1))
	r.Set(0, 0, color.NRGBA{0, 0, 0, 0})
	if got := toLuminance(r).pix[0]; got != 255 {
		t.Errorf("transparent RGBA = %d, want white", got)
	}
}

func TestDecodeBytesReadsPNGJPEGAndGIF(t *testing.T) {
	img := loadPNG(t, "zint/ean13_m2.png")
	for name, enc := range map[string]func(*bytes.Buffer) error{
		"png":  func(b *bytes.Buffer) error { return png.Encode(b, img) },
		"jpeg": func(b *bytes.Buffer) error { return jpeg.Encode(b, img, &jpeg.Options{Quality: 90}) },
		"gif":  func(b *bytes.Buffer) error { return gif.Encode(b, img, nil) },
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := enc(&buf); err != nil {
				t.Fatal(err)
			}
			r, err := DecodeBytes(context.Background(), buf.Bytes(), DecodeOptions{})
			if err != nil || r.Text != "5901234123457" {
				t.Fatalf("got %+v, %v", r, err)
			}
		})
	}
}

// pngHeader returns a PNG that declares w×h pixels but carries no pixel
// data: decoding it would allocate w×h×4 bytes.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6 // 8-bit RGBA
	chunk := append([]byte("IHDR"), ihdr...)
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

func TestDecodeBytesLimits(t *testing.T) {
	ctx := context.Background()
	t.Run("too many bytes", func(t *testing.T) {
		_, err := DecodeBytes(ctx, make([]byte, 2000), DecodeOptions{MaxBytes: 1000})
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("too many pixels is refused from the header", func(t *testing.T) {
		start := time.Now()
		_, err := DecodeBytes(ctx, pngHeader(100000, 100000), DecodeOptions{})
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("got %v", err)
		}
		if time.Since(start) > time.Second {
			t.Errorf("took %v: the pixels were decoded", time.Since(start))
		}
	})
	t.Run("pixel limit is configurable", func(t *testing.T) {
		data, _ := os.ReadFile(filepath.Join("testdata", "images", "zint", "ean13_m2.png"))
		if _, err := DecodeBytes(ctx, data, DecodeOptions{MaxPixels: 100}); !errors.Is(err, ErrTooLarge) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("not an image", func(t *testing.T) {
		if _, err := DecodeBytes(ctx, []byte("this is not an image at all"), DecodeOptions{}); !errors.Is(err, ErrBadImage) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("header without pixels", func(t *testing.T) {
		if _, err := DecodeBytes(ctx, pngHeader(10, 10), DecodeOptions{}); !errors.Is(err, ErrBadImage) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestDecodeHonoursTheContext(t *testing.T) {
	img := loadPNG(t, "none_noise.png")
	t.Run("cancelled before starting", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := DecodeContext(ctx, img, DecodeOptions{}); !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("deadline stops the search", func(t *testing.T) {
		big := image.NewGray(image.Rect(0, 0, 1600, 1200))
		for i := range big.Pix {
			big.Pix[i] = uint8(i * 7919 % 251)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := DecodeContext(ctx, big, DecodeOptions{})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %v", err)
		}
		// One attempt may finish after the deadline, not the whole search.
		if d := time.Since(start); d > 500*time.Millisecond {
			t.Errorf("returned %v after a 20 ms deadline", d)
		}
	})
	t.Run("timeout option", func(t *testing.T) {
		if _, err := Decode(img, DecodeOptions{Timeout: time.Nanosecond}); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestReaderPanicBecomesAnError(t *testing.T) {
	res, err := safeDecode(func() (*gozxing.Result, error) {
		var s []int
		_ = s[3] // what a gozxing index bug looks like
		return nil, nil
	})
	var rp *readerPanic
	if res != nil || !errors.As(err, &rp) || !strings.Contains(err.Error(), "index out of range") {
		t.Fatalf("got %v, %v", res, err)
	}
	d := &decoder{ctx: context.Background()}
	d.notePanic(err)
	if nf := d.notFound(); !errors.Is(nf, ErrNoBarcode) || !strings.Contains(nf.Error(), "gozxing panic") {
		t.Errorf("notFound = %v", nf)
	}
}

func TestPDF417HeuristicIsSpecific(t *testing.T) {
	for _, fx := range loadFixtures(t) {
		img := loadPNG(t, fx.file)
		m, err := gozxing.NewHybridBinarizer(toLuminance(img)).GetBlackMatrix()
		if err != nil {
			t.Fatal(err)
		}
		if got, want := looksLikePDF417(m), fx.format == "PDF_417"; got != want {
			t.Errorf("%s: looksLikePDF417 = %v, want %v", fx.file, got, want)
		}
	}
}

func TestPlausibleRowNeedsAQuietZone(t *testing.T) {
	d := &decoder{}
	row := func(pattern string) *gozxing.BitArray {
		b := gozxing.NewBitArray(len(pattern))
		for i, c := range pattern {
			if c == '#' {
				b.Set(i)
			}
		}
		return b
	}
	bars := strings.Repeat("#.##.#..", 4)
	if !d.plausibleRow(row(strings.Repeat(".", 12) + bars + strings.Repeat(".", 12))) {
		t.Error("bars with quiet zones rejected")
	}
	if d.plausibleRow(row(strings.Repeat("#.", 60))) {
		t.Error("bars without quiet zone accepted")
	}
	if d.plausibleRow(row(strings.Repeat(".", 40))) {
		t.Error("blank row accepted")
	}
}

// TestBarStretchCountsTheRunsOfASymbol: the stretch after (or before, for
// a reversed symbol) the quiet zone holds every bar and space; a row read
// by no reader's minimum is not given to it.
func TestBarStretchCountsTheRunsOfASymbol(t *testing.T) {
	row := func(pattern string) *gozxing.BitArray {
		b := gozxing.NewBitArray(len(pattern))
		for i, c := range pattern {
			if c == '#' {
				b.Set(i)
			}
		}
		return b
	}
	// 24 runs, none wider than 2; next to white, the last space joins the
	// white and next to black, the first bar joins the black.
	bars := strings.Repeat("#.##.#..", 4)
	for _, c := range []struct {
		name, pattern string
		want          int
	}{
		{"quiet zones both sides", strings.Repeat(".", 12) + bars + strings.Repeat(".", 12), 24},
		{"quiet zone before only", strings.Repeat(".", 12) + bars + "#", 25},
		{"quiet zone after only", "#" + bars + strings.Repeat(".", 12), 23},
		{"a wide bar ends the stretch", strings.Repeat(".", 8) + bars + strings.Repeat("#", 9) + bars, 24},
		{"no quiet zone", strings.Repeat("#.", 60), 0},
	} {
		d := &decoder{}
		r := row(c.pattern)
		d.plausibleRow(r)
		if got := d.barStretch(r); got != c.want {
			t.Errorf("%s: barStretch = %d, want %d", c.name, got, c.want)
		}
	}
}

func TestHintsNeverHoldFalse(t *testing.T) {
	// gozxing tests hints by presence: a key mapped to false still
	// switches the behaviour on.
	for name, h := range map[string]hints{
		"none": hintsNone, "pure": hintsPure, "tryHarder": hintsTryHarder,
		"code128": hintsCode128, "upcean": hintsUPCEAN, "itf": hintsITF,
	} {
		for k, v := range h {
			if b, ok := v.(bool); ok && !b {
				t.Errorf("hints %s: %v is false", name, k)
			}
		}
	}
	if _, ok := hintsCode128[gozxing.DecodeHintType_ASSUME_GS1]; !ok {
		t.Error("Code 128 without ASSUME_GS1 drops the FNC1 separators")
	}
}

func TestCode128Latin1BecomesUTF8(t *testing.T) {
	res := gozxing.NewResult("MRN\xe9", nil, nil, gozxing.BarcodeFormat_CODE_128)
	if got := fromResult(res).text; got != "MRNé" {
		t.Errorf("got %q", got)
	}
}
