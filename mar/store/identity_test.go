package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store"
	"github.com/emar-project/emar/mar/store/storetest"
)

// A resident's MRN is unique per (facility, system, value): the same value
// under another system is another resident, found by ResidentsWithMRN
// with its system, and a wristband value that two admitted residents share
// is refused rather than guessed.
func TestResidentIdentifierIsSystemAndValue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := seed(t, s)
		ctx := context.Background()
		resident := func(system, family string) mar.Resident {
			return mar.Resident{ID: mar.NewID(), FacilityID: f.fac.ID, UnitID: f.unit.ID, MRNSystem: system, MRN: "777", WristbandID: "777",
				FamilyName: family, BirthDate: "1950-01-01", Status: mar.Admitted, AdmittedAt: time.Now().UTC()}
		}
		a, b := resident("urn:oid:1.2.3", "Able"), resident("urn:oid:4.5.6", "Baker")
		for _, tc := range []struct {
			name string
			r    mar.Resident
			want mar.ErrorCode
		}{
			{"the first of a value is stored", a, ""},
			{"the same value under another system is another resident", b, ""},
			{"the same system and value again is a conflict", resident("urn:oid:1.2.3", "Charlie"), mar.EConflict},
			{"no system is refused", resident("", "Dog"), mar.EInvalid},
		} {
			t.Run(tc.name, func(t *testing.T) {
				err := s.InTx(ctx, func(tx mar.Tx) error { r := tc.r; return tx.CreateResident(&r) })
				if got := mar.ErrorCodeOf(err); err != nil && got != tc.want || err == nil && tc.want != "" {
					t.Fatalf("CreateResident = %v; want %q", err, tc.want)
				}
			})
		}
		err := s.InTx(ctx, func(tx mar.Tx) error {
			rs, err := tx.ResidentsWithMRN(f.fac.ID, "777")
			if err != nil {
				return err
			}
			if len(rs) != 2 || rs[0].MRNSystem != "urn:oid:1.2.3" || rs[0].FamilyName != "Able" || rs[1].MRNSystem != "urn:oid:4.5.6" {
				t.Errorf("ResidentsWithMRN = %+v", rs)
			}
			_, err = tx.FindResident(f.fac.ID, "777")
			if e, ok := mar.AsError(err); !ok || e.Reason != mar.ReasonWrongPatient {
				t.Errorf("wristband 777 shared by two admitted residents: %v; want a wrong-patient refusal", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if s.Dialect() == store.SQLite {
			// The identity migration rebuilds residents with foreign keys
			// off; they must be on again afterwards.
			var on int
			if err := s.DB().QueryRow("PRAGMA foreign_keys").Scan(&on); err != nil || on != 1 {
				t.Fatalf("PRAGMA foreign_keys = %d, %v; want 1", on, err)
			}
		}
	})
}
