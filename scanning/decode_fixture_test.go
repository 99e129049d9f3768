package scanning

import (
	"bufio"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fixture is one line of testdata/images/manifest.tsv, written by
// testdata/gen.sh.
type fixture struct {
	file, format, text, outcome string
}

func loadFixtures(t testing.TB) []fixture {
	t.Helper()
	return loadManifest(t, filepath.Join("testdata", "images"))
}

// loadManifest reads the manifest.tsv of a corpus directory (testdata/images,
// testdata/photos, testdata/clutter): file, format, text (GS as <GS>) and
// outcome ("read", "none" or "unsupported") lines.
func loadManifest(t testing.TB, dir string) []fixture {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "manifest.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []fixture
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		c := strings.Split(line, "\t")
		if len(c) != 4 {
			t.Fatalf("manifest line %q: want 4 columns", line)
		}
		out = append(out, fixture{file: c[0], format: c[1], text: strings.ReplaceAll(c[2], "<GS>", "\x1d"), outcome: c[3]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("empty manifest in %s", dir)
	}
	return out
}

func TestDecodeFixtures(t *testing.T) {
	for _, fx := range loadFixtures(t) {
		t.Run(strings.TrimSuffix(fx.file, ".png"), func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "images", fx.file))
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			r, err := DecodeBytes(context.Background(), data, DecodeOptions{Parse: fixedParseOptions(), Budget: -1})
			t.Logf("%v", time.Since(start))
			switch fx.outcome {
			case "none":
				if !errors.Is(err, ErrNoBarcode) {
					t.Fatalf("want ErrNoBarcode, got %+v, %v", r, err)
				}
			case "unsupported":
				if !errors.Is(err, ErrUnsupportedSymbology) {
					t.Fatalf("want ErrUnsupportedSymbology, got %+v, %v", r, err)
				}
			default:
				if err != nil {
					t.Fatalf("decode: %v", err)
				}
				if r.Format != fx.format || r.Text != fx.text {
					t.Fatalf("read %s %q, want %s %q", r.Format, r.Text, fx.format, fx.text)
				}
				if r.ParseErr != nil {
					t.Fatalf("decoded text does not parse: %v", r.ParseErr)
				}
			}
		})
	}
}

func fixedParseOptions() ParseOptions {
	o := DefaultParseOptions()
	o.Now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	return o
}
