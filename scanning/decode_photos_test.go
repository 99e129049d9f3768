package scanning

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// photoCorpusDir holds the camera-frame corpus written by testdata/gen-photos.sh:
// zint renders of bedside codes degraded as a phone sees them, and frames
// with no barcode. floor.tsv there says how many frames of each format the
// decoder reads at least.
var photoCorpusDir = filepath.Join("testdata", "photos")

// loadPhotoFloor reads floor.tsv: format<TAB>minimum reads; NONE counts the
// frames without a barcode answered "no barcode".
func loadPhotoFloor(t testing.TB, path string) map[string]int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	floor := map[string]int{}
	for _, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		format, n, ok := strings.Cut(line, "\t")
		v, err := strconv.Atoi(n)
		if !ok || err != nil || v < 0 {
			t.Fatalf("%s: bad line %q", path, line)
		}
		floor[format] = v
	}
	return floor
}

// TestDecodePhotos decodes every frame of the photos corpus. Any wrong
// read (another text or format) and any read of a frame without a barcode
// fails at once; reads of each format below the committed floor fail as a
// regression. When the decoder gets better, raise floor.tsv to the counts
// the test logs.
func TestDecodePhotos(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes 137 camera frames; skipped with -short")
	}
	fixtures := loadManifest(t, photoCorpusDir)
	floor := loadPhotoFloor(t, filepath.Join(photoCorpusDir, "floor.tsv"))
	images, reads := map[string]int{}, map[string]int{}
	missed := map[string][]string{}
	for _, fx := range fixtures {
		data, err := os.ReadFile(filepath.Join(photoCorpusDir, fx.file))
		if err != nil {
			t.Fatal(err)
		}
		key := fx.format
		if fx.outcome == "none" {
			key = "NONE"
		}
		images[key]++
		r, err := DecodeBytes(context.Background(), data, DecodeOptions{Parse: fixedParseOptions(), Budget: -1})
		switch {
		case fx.outcome == "none":
			if err == nil {
				t.Errorf("%s: a frame without a barcode read as %s %q", fx.file, r.Format, r.Text)
				continue
			}
			if !errors.Is(err, ErrNoBarcode) {
				// Not a read, but not the right answer either (the
				// floor of NONE is every frame).
				t.Logf("%s: want ErrNoBarcode, got %v", fx.file, err)
				missed[key] = append(missed[key], fx.file)
				continue
			}
			reads[key]++
		case err != nil:
			// A miss: no barcode found, or a symbol seen but not read
			// (ErrUnsupportedSymbology for a damaged PDF417).
			if !errors.Is(err, ErrNoBarcode) && !errors.Is(err, ErrUnsupportedSymbology) {
				t.Errorf("%s: want a read, ErrNoBarcode or ErrUnsupportedSymbology, got %v", fx.file, err)
			}
			missed[key] = append(missed[key], fx.file)
		case r.Format != fx.format || r.Text != fx.text:
			t.Errorf("%s: WRONG READ %s %q, want %s %q", fx.file, r.Format, r.Text, fx.format, fx.text)
		default:
			reads[key]++
		}
	}
	var formats []string
	for k := range images {
		formats = append(formats, k)
	}
	sort.Strings(formats)
	var summary strings.Builder
	for _, k := range formats {
		fmt.Fprintf(&summary, "%s\t%d\n", k, reads[k])
		t.Logf("%-12s read %3d of %3d (floor %d) missed: %s", k, reads[k], images[k], floor[k], strings.Join(missed[k], " "))
		if _, ok := floor[k]; !ok {
			t.Errorf("floor.tsv has no line for %s", k)
		}
		if reads[k] < floor[k] {
			t.Errorf("%s: read %d of %d frames, below the floor of %d", k, reads[k], images[k], floor[k])
		}
	}
	for k := range floor {
		if images[k] == 0 {
			t.Errorf("floor.tsv names %s, which the corpus does not have", k)
		}
	}
	t.Logf("reads now (floor.tsv if raised):\n%s", summary.String())
}
