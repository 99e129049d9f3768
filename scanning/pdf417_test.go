package scanning

import (
	"bufio"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDecodePDF417Samples reads the PDF417 symbols of testdata/pdf417
// (zint renders: compaction modes, EC levels, columns, rotations, scales)
// through the whole decoder.
func TestDecodePDF417Samples(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "pdf417", "manifest.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "#") {
			continue
		}
		c := strings.Split(sc.Text(), "\t")
		file, want := c[0], strings.ReplaceAll(c[1], "<GS>", "\x1d")
		n++
		t.Run(strings.TrimSuffix(file, ".png"), func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "pdf417", file))
			if err != nil {
				t.Fatal(err)
			}
			r, err := DecodeBytes(context.Background(), data, DecodeOptions{Parse: fixedParseOptions()})
			if err != nil {
				t.Fatal(err)
			}
			if r.Format != "PDF_417" || r.Text != want || r.Symbology != "]L2" {
				t.Fatalf("read %s %s %q, want PDF_417 ]L2 %q", r.Format, r.Symbology, r.Text, want)
			}
		})
	}
	if n < 10 {
		t.Fatalf("%d samples", n)
	}
}

// TestMicroPDF417IsUnsupported: a MicroPDF417 (not read by
// internal/pdf417) is answered ErrUnsupportedSymbology, never a read.
func TestMicroPDF417IsUnsupported(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "pdf417", "micro", "*.png"))
	if len(files) == 0 {
		t.Fatal("no MicroPDF417 renders (testdata/pdf417/gen.sh)")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		r, err := DecodeBytes(context.Background(), data, DecodeOptions{Parse: fixedParseOptions()})
		if !errors.Is(err, ErrUnsupportedSymbology) {
			t.Errorf("%s: got %s %q, %v; want unsupported", filepath.Base(f), r.Format, r.Text, err)
		}
	}
}
