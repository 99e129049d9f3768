package web_test

import (
	"net/http"
	"testing"

	"github.com/emar-project/emar/mar"
)

// A Code 128 wristband whose text is eight digits is a wristband, not an
// EAN-8 pack: the symbology identifier ]C0 decides. The same digits
// announced as EAN-8 (]E4) are a product and refused at the wristband step.
func TestBedsideNumericCode128WristbandIsNotAProduct(t *testing.T) {
	b := newBed(t, "sqlite")
	nurse := b.login("nurse")
	r := b.resident("Abbott")
	const band = "12345670" // also valid EAN-8 digits
	b.tx(func(tx mar.Tx) error {
		r.WristbandID = band
		return tx.UpdateResident(&r)
	})
	for _, tc := range []struct {
		name, scan string
		status     int
		reason     string
	}{
		{"code128_band", "]C0" + band, http.StatusOK, ""},
		{"same_digits_announced_as_ean8", "]E4" + band, http.StatusUnprocessableEntity, mar.ReasonNotAWristband},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := post(nurse, "/api/v1/bedside/wristband", body{"scan": tc.scan})
			if resp.Status != tc.status {
				t.Fatalf("%q: %d, want %d: %s", tc.scan, resp.Status, tc.status, resp.Body)
			}
			if tc.reason != "" {
				if got := resp.Err(t).Error.Reason; got != tc.reason {
					t.Fatalf("%q: reason %q, want %q", tc.scan, got, tc.reason)
				}
				return
			}
			if got := decode[struct {
				Resident struct{ ID string } `json:"resident"`
			}](t, resp); got.Resident.ID != r.ID {
				t.Fatalf("%q opened %s, want %s: %s", tc.scan, got.Resident.ID, r.ID, resp.Body)
			}
		})
	}
}
