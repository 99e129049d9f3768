package scanning

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// Seed corpora live in testdata/fuzz/FuzzParse and testdata/fuzz/FuzzDecodeBytes;
// the cases of the table tests are added here as well.

func FuzzParse(f *testing.F) {
	for _, tc := range parseCases() {
		f.Add(tc.in)
	}
	opts := testOptions()
	opts.GSSubstitutes = append(opts.GSSubstitutes, "~")
	f.Fuzz(func(t *testing.T, in string) {
		c, err := Parse(in, opts)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v is not a *ParseError", err, err)
			}
			if pe.Pos > len(in) {
				t.Fatalf("position %d beyond the input (%d bytes)", pe.Pos, len(in))
			}
			return
		}
		if c.Kind == KindGS1 || (c.Kind != KindText && len(c.Elements) > 0) {
			// The canonical form parses to the same elements: it is a fixed
			// point, whatever form the input had.
			again, err := Parse("]d2"+c.Canonical, ParseOptions{Now: opts.Now, TrustSeparators: true})
			if err != nil {
				t.Fatalf("canonical %q of %q does not parse: %v", c.Canonical, in, err)
			}
			if !slices.Equal(again.Elements, c.Elements) || again.Canonical != c.Canonical {
				t.Fatalf("canonical %q of %q parses differently: %v vs %v", c.Canonical, in, again.Elements, c.Elements)
			}
		}
		if c.GTIN != "" {
			if _, err := NormalizeGTIN(c.GTIN); err != nil || len(c.GTIN) != 14 {
				t.Fatalf("GTIN %q of %q is invalid: %v", c.GTIN, in, err)
			}
		}
	})
}

func FuzzDecodeBytes(f *testing.F) {
	for _, name := range []string{"zint/qr_gs1_m2.png", "zint/ean13_m1.png", "zint/dm_square_m2.png"} {
		data, err := os.ReadFile(filepath.Join("testdata", "images", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		f.Add(data[:len(data)/2])
	}
	f.Add(pngHeader(1<<20, 1<<20))
	// Small limits keep each run fast; memory is bounded by MaxPixels
	// because the header is checked before the pixels are decoded.
	opts := DecodeOptions{MaxBytes: 1 << 20, MaxPixels: 1 << 18, Parse: testOptions()}
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		r, err := DecodeBytes(ctx, data, opts)
		if err != nil {
			if !errors.Is(err, ErrNoBarcode) && !errors.Is(err, ErrBadImage) && !errors.Is(err, ErrTooLarge) &&
				!errors.Is(err, ErrUnsupportedSymbology) && !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if r.Text == "" || r.Format == "" || (r.Code == nil) == (r.ParseErr == nil) {
			t.Fatalf("incomplete result %+v", r)
		}
	})
}
