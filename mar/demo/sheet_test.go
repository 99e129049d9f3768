package demo_test

import (
	"testing"
	"time"

	"github.com/emar-project/emar/mar/demo"
	"github.com/emar-project/emar/scanning"
)

// Every barcode on the demo sheet decodes back to its data, and parses as
// what it stands for: wristbands, badges and GS1 packs (the expired one
// with an expiry in the past).
func TestSheetBarcodesDecodeBack(t *testing.T) {
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	sh := demo.BuildSheet(now)
	if len(sh.Residents) != 20 || len(sh.Badges) != len(demo.Accounts) || len(sh.Demonstrations) != 2 {
		t.Fatalf("sheet has %d residents, %d badges, %d demonstrations", len(sh.Residents), len(sh.Badges), len(sh.Demonstrations))
	}
	opts := scanning.DecodeOptions{Parse: scanning.DefaultParseOptions()}
	opts.Parse.Now = now
	seen := map[string]bool{}
	for _, b := range sh.Files() {
		if seen[b.File] {
			continue
		}
		seen[b.File] = true
		t.Run(b.File, func(t *testing.T) {
			img, err := b.Image()
			if err != nil {
				t.Fatalf("Image: %v", err)
			}
			res, err := scanning.Decode(img, opts)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if res.Text != b.Data || res.Code == nil {
				t.Fatalf("decoded %q (%v), want %q", res.Text, res.ParseErr, b.Data)
			}
			typed, err := scanning.Parse(b.Typed, opts.Parse)
			if err != nil {
				t.Fatalf("Parse(typed %q): %v", b.Typed, err)
			}
			if typed.Canonical != res.Code.Canonical {
				t.Fatalf("typed text parses to %q, the image to %q", typed.Canonical, res.Code.Canonical)
			}
			if shown, err := scanning.Parse(b.TypedShown(), opts.Parse); err != nil || shown.Canonical != typed.Canonical {
				t.Fatalf("the text shown with {GS} parses to %q (%v), want %q", shown.Canonical, err, typed.Canonical)
			}
			if b.Format == scanning.FormatGS1_128 {
				if typed.Kind != scanning.KindGS1 || typed.GTIN == "" || typed.Lot == "" || typed.Expiry == nil {
					t.Fatalf("pack parses as %+v", typed)
				}
				expired := typed.Expiry.Expired(now, time.UTC)
				if expired != b.Expired {
					t.Fatalf("expiry %v: expired %v, the sheet says %v", typed.Expiry, expired, b.Expired)
				}
			}
			t.Logf("%s: %v", b.File, img.Bounds().Size())
		})
	}
}
