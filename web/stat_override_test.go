package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store/storetest"
)

// A STAT order may be given before verification only where the facility
// allows it; the dose is then flagged for the pharmacist and reported.
func TestUnverifiedStatDoseIsFlaggedForReview(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			env := testenv.Start(t, engine, testenv.Options{})
			charge, nurse, ph := env.Login(t, "charge"), env.Login(t, "nurse"), env.Login(t, "pharmacist")
			var rs residentsList
			charge.JSON("GET", "/api/v1/residents", nil, &rs)
			var castillo string
			for _, r := range rs.Items {
				if r.MRN == "00100003" {
					castillo = r.ID
				}
			}
			var o struct {
				ID     string `json:"id"`
				Status string `json:"status"`
			}
			if st := charge.JSON("POST", "/api/v1/orders", map[string]any{"resident_id": castillo, "product_id": productID(t, ph, "Ondansetron"),
				"dose_value": 4, "dose_unit": "mg", "route": "oral", "frequency": "STAT"}, &o); st != http.StatusCreated || o.Status != "pending_verification" {
				t.Fatalf("STAT order: %d %+v", st, o)
			}
			gtin := ""
			var prod struct {
				Items []struct {
					ID       string `json:"id"`
					Packages []struct {
						GTIN string `json:"gtin"`
					} `json:"packages"`
				} `json:"items"`
			}
			ph.JSON("GET", "/api/v1/products", nil, &prod)
			ond := productID(t, ph, "Ondansetron")
			for _, p := range prod.Items {
				if p.ID == ond {
					gtin = p.Packages[0].GTIN
				}
			}
			give := func() testenv.Response {
				ctxID := scanWristband(t, nurse, mar.Resident{WristbandID: "MRN00100003"})
				scan := gs1(mar.Product{Packages: []mar.Package{{GTIN: gtin}}}, env.Clock.Now().AddDate(1, 0, 0), "OND1")
				return nurse.Do("POST", "/api/v1/administrations", map[string]any{"context_id": ctxID, "scan": scan, "order_id": o.ID, "outcome": "given"},
					map[string]string{"Idempotency-Key": newKey()})
			}
			if r := give(); r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), "order_pending_verification") {
				t.Fatalf("without the override policy: %d %s", r.Status, r.Body)
			}
			env.Svc.Config.Pharmacy.AllowUnverifiedStat = true
			r := give()
			if r.Status != http.StatusCreated {
				t.Fatalf("with the override policy: %d %s", r.Status, r.Body)
			}
			var reviews struct {
				Items []struct {
					OrderID string `json:"order_id"`
				} `json:"items"`
			}
			if ph.JSON("GET", "/api/v1/pharmacy/reviews", nil, &reviews); len(reviews.Items) != 1 || reviews.Items[0].OrderID != o.ID {
				t.Fatalf("reviews: %+v", reviews)
			}
			var rep struct {
				Discrepancies []struct {
					Kind    string `json:"kind"`
					OrderID string `json:"order_id"`
				} `json:"discrepancies"`
			}
			q := "/api/v1/reports/reconciliation?unit_id=" + env.Demo.Units[0].ID + "&from=" + env.Clock.Now().Add(-time.Hour).Format(time.RFC3339) +
				"&to=" + env.Clock.Now().Add(time.Hour).Format(time.RFC3339)
			ph.JSON("GET", q, nil, &rep)
			found := false
			for _, d := range rep.Discrepancies {
				if d.Kind == "given_without_verified_order" && d.OrderID == o.ID {
					found = true
				}
			}
			if !found {
				t.Fatalf("reconciliation does not flag the unverified dose: %+v", rep.Discrepancies)
			}
			fr := nurse.Do("GET", "/fhir/MedicationAdministration?request=MedicationRequest/"+o.ID, nil, fhirHeader)
			if fr.Status != http.StatusOK || !strings.Contains(string(fr.Body), "needs-review") {
				t.Fatalf("FHIR does not carry the review flag: %d %s", fr.Status, fr.Body)
			}
			// Verified afterwards, the one-time order has been given: no
			// dose falls due that would invite a second one.
			if st := ph.JSON("POST", "/api/v1/orders/"+o.ID+"/verify", nil, nil); st != http.StatusOK {
				t.Fatalf("verify: %d", st)
			}
			if err := env.Store.InTx(t.Context(), func(tx mar.Tx) error {
				ds, err := tx.ListDoses(mar.DoseFilter{OrderID: o.ID})
				if err == nil && len(ds) != 0 {
					t.Errorf("the STAT order given before verification got doses when verified: %+v", ds)
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if r := give(); r.Status != http.StatusUnprocessableEntity {
				t.Fatalf("a second dose of the given STAT order: %d %s", r.Status, r.Body)
			}
		})
	}
}
