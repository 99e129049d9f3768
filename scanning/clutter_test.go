package scanning

import (
	"bytes"
	"context"
	"errors"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDecodeClutteredRotatedPacks reads DataMatrix and QR symbols on packs
// photographed turned (18° to 205°), in perspective and at low contrast
// among label edges and lines of print, and finds nothing in the same
// clutter without a symbol. zxing-cpp 1.4 (ZXingReader) reads 5 of the 11
// DataMatrix symbols and the 4 QR codes of this corpus.
func TestDecodeClutteredRotatedPacks(t *testing.T) {
	dir := filepath.Join("testdata", "clutter")
	for _, fx := range loadManifest(t, dir) {
		t.Run(strings.TrimSuffix(fx.file, ".jpg"), func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, fx.file))
			if err != nil {
				t.Fatal(err)
			}
			r, err := DecodeBytes(context.Background(), data, DecodeOptions{Parse: fixedParseOptions(), Budget: -1})
			switch fx.outcome {
			case "none":
				if !errors.Is(err, ErrNoBarcode) {
					t.Fatalf("want ErrNoBarcode, got %s %q, %v", r.Format, r.Text, err)
				}
			case "read":
				if err != nil {
					t.Fatalf("decode: %v", err)
				}
				if r.Format != fx.format || r.Text != fx.text {
					t.Fatalf("read %s %q, want %s %q", r.Format, r.Text, fx.format, fx.text)
				}
			default:
				t.Fatalf("unknown outcome %q", fx.outcome)
			}
		})
	}
}

// BenchmarkDecodeFrames measures the frames a phone streams: an empty
// 640×480 frame (shaded, a few darker boxes), the same size of cluttered
// pack without a symbol, and cluttered turned packs with a DataMatrix and
// a QR code.
func BenchmarkDecodeFrames(b *testing.B) {
	cases := []struct{ name, file string }{
		{"empty_640x480", ""},
		{"clutter_none_640x480", "none_pack_21.jpg"},
		{"clutter_dm_25deg_640x480", "dm_pack_25.jpg"},
		{"clutter_dm_28deg_640x480", "dm_pack_28.jpg"},
		{"clutter_qr_19deg_640x480", "qr_pack_19.jpg"},
	}
	for _, c := range cases {
		var img image.Image
		if c.file == "" {
			img = frame(nil, 640, 480)
		} else {
			data, err := os.ReadFile(filepath.Join("testdata", "clutter", c.file))
			if err != nil {
				b.Fatal(err)
			}
			if img, _, err = image.Decode(bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				Decode(img, DecodeOptions{})
			}
		})
	}
}
