package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store/storetest"
)

// scopeFixture holds unit B's objects that staff of unit A try to change.
type scopeFixture struct {
	t              *testing.T
	env            *testenv.Env
	unitA, unitB   mar.Unit
	residentA      mar.Resident // admitted on unit A
	residentB      mar.Resident // admitted on unit B
	product        mar.Product  // not controlled
	chargeOfBoth   *testenv.Client
	chargeOfBothID string
	alertB         string
}

// order stores a fresh order of unit B's resident in the given status, so
// that every request meets an object it could otherwise change.
func (f *scopeFixture) order(r mar.Resident, st mar.OrderStatus) mar.Order {
	f.t.Helper()
	now := f.env.Clock.Now()
	o := mar.Order{ID: mar.NewID(), FacilityID: r.FacilityID, ResidentID: r.ID, ProductID: f.product.ID, Ingredient: "acetaminophen",
		DoseValue: 500, DoseUnit: "mg", Route: "oral", Frequency: "BID at 09:00, 21:00", Status: st, Source: "test",
		StartAt: now.Add(-24 * time.Hour), CreatedAt: now, UpdatedAt: now}
	f.tx(func(tx mar.Tx) error { return tx.CreateOrder(&o) })
	return o
}

// administration stores a documented dose of unit B's resident.
func (f *scopeFixture) administration() string {
	f.t.Helper()
	o := f.order(f.residentB, mar.OrderActive)
	now := f.env.Clock.Now()
	a := mar.Administration{ID: mar.NewID(), FacilityID: o.FacilityID, ResidentID: o.ResidentID, UnitID: f.residentB.UnitID, OrderID: o.ID, ProductID: o.ProductID,
		PerformerID: f.chargeOfBothID, PerformedAt: now.Add(-time.Hour), RecordedAt: now.Add(-time.Hour), Quantity: 1, Amount: 500, Unit: "mg",
		Route: "oral", Outcome: mar.OutcomeGiven}
	f.tx(func(tx mar.Tx) error { return tx.CreateAdministration(&a) })
	return a.ID
}

// freshResident admits a new resident on the unit, for the writes that
// change a stay (discharge, transfer, allergies) and must not change the
// fixture's residents.
func (f *scopeFixture) freshResident(u mar.Unit, st mar.ResidentStatus) mar.Resident {
	f.t.Helper()
	now := f.env.Clock.Now()
	r := mar.Resident{ID: mar.NewID(), FacilityID: u.FacilityID, UnitID: u.ID, MRNSystem: mar.DefaultMRNSystem, MRN: "S" + mar.NewID()[24:],
		FamilyName: "Stay", GivenName: "Test", BirthDate: "1941-05-06", Sex: "female", Room: "9", Bed: "A", Status: mar.Admitted, AdmittedAt: now.Add(-48 * time.Hour)}
	r.WristbandID = "MRN" + r.MRN
	if st == mar.Discharged {
		at := now.Add(-time.Hour)
		r.Status, r.DischargedAt = mar.Discharged, &at
	}
	f.tx(func(tx mar.Tx) error { return tx.CreateResident(&r) })
	return r
}

func (f *scopeFixture) tx(fn func(tx mar.Tx) error) {
	f.t.Helper()
	if err := f.env.Store.InTx(context.Background(), fn); err != nil {
		f.t.Fatalf("store: %v", err)
	}
}

// successes counts the events a user caused that changed or read something.
func (f *scopeFixture) successes(userID string) int {
	f.t.Helper()
	n := 0
	f.tx(func(tx mar.Tx) error {
		evs, err := tx.ListAudit(mar.AuditFilter{UserID: userID})
		for _, e := range evs {
			if e.Outcome == "success" && !strings.HasPrefix(e.Action, "auth.") {
				n++
			}
		}
		return err
	})
	return n
}

func (f *scopeFixture) patient(unitCode, mrn string) []byte {
	b := fixtureFHIR(f.t, "patient-example.json", nil)
	b = bytes.Replace(b, []byte(`"value": "MAPLE"`), []byte(`"value": "`+unitCode+`"`), 1)
	return bytes.Replace(b, []byte(`"value": "12345"`), []byte(`"value": "`+mrn+`"`), 1)
}

func (f *scopeFixture) medicationRequest(r mar.Resident, id string) []byte {
	b := fixtureFHIR(f.t, "medicationrequest-rxnorm-prn.json", map[string]string{"PATIENT": r.ID,
		"DATE": f.env.Clock.Now().Format("2006-01-02"), "START": f.env.Clock.Now().Format(time.RFC3339)})
	if id != "" {
		b = bytes.Replace(b, []byte(`"resourceType": "MedicationRequest",`), []byte(`"resourceType": "MedicationRequest", "id": "`+id+`",`), 1)
	}
	return b
}

// controlled is a controlled product of the demo formulary.
func (f *scopeFixture) controlled() mar.Product {
	f.t.Helper()
	var out mar.Product
	f.tx(func(tx mar.Tx) error {
		ps, err := tx.ListProducts("")
		for _, p := range ps {
			if strings.HasPrefix(p.Name, "Oxycodone") {
				out = p
			}
		}
		return err
	})
	return out
}

// countDiscrepancy puts a controlled product on the unit's records and has
// the charge nurse of both units count one less (nurse2 signing), so the
// unit has an open discrepancy; it returns the discrepancy's id.
func (f *scopeFixture) countDiscrepancy(u mar.Unit) string {
	f.t.Helper()
	p := f.controlled()
	f.tx(func(tx mar.Tx) error {
		return tx.AddStockMovement(u.FacilityID, u.ID, p.ID, 2, mar.StockDispensed, "", f.env.Clock.Now().Add(-time.Hour), f.chargeOfBothID)
	})
	var sheet struct {
		Lines []struct {
			ProductID string `json:"product_id"`
		} `json:"lines"`
	}
	if st := f.chargeOfBoth.JSON("GET", "/api/v1/controlled-counts/sheet?unit_id="+u.ID, nil, &sheet); st != http.StatusOK {
		f.t.Fatalf("count sheet: %d", st)
	}
	var lines []map[string]any
	for _, l := range sheet.Lines {
		lines = append(lines, map[string]any{"product_id": l.ProductID, "counted": 0})
	}
	var cnt struct {
		Lines []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"lines"`
	}
	if st := f.chargeOfBoth.JSON("POST", "/api/v1/controlled-counts", map[string]any{"unit_id": u.ID, "lines": lines,
		"witness": map[string]string{"username": "nurse2", "password": "demo"}}, &cnt); st != http.StatusCreated {
		f.t.Fatalf("count: %d", st)
	}
	for _, l := range cnt.Lines {
		if l.Status == "open" {
			return l.ID
		}
	}
	f.t.Fatal("the count opened no discrepancy")
	return ""
}

// write is one request on an object of unit B (or, for own, of unit A).
type write struct {
	path   string
	body   any
	header map[string]string
}

// crossUnitWrites builds, for every mutating route that touches a resident
// or a unit, a request on an object of unit B (own=false) or unit A
// (own=true). Every other mutating route must be listed in unitless.
var crossUnitWrites = map[string]func(f *scopeFixture, own bool) write{
	"POST /api/v1/residents": func(f *scopeFixture, own bool) write {
		u := pick(own, f.unitA, f.unitB)
		return write{path: "/api/v1/residents", body: map[string]any{"mrn": "MRN-" + mar.NewID()[24:], "family_name": "Scope", "given_name": "Test",
			"birth_date": "1940-02-03", "sex": "female", "unit_id": u.ID, "room": "1", "bed": "A"}}
	},
	"POST /api/v1/orders": func(f *scopeFixture, own bool) write {
		r := pick(own, f.residentA, f.residentB)
		return write{path: "/api/v1/orders", body: map[string]any{"resident_id": r.ID, "product_id": f.product.ID, "dose_value": 500, "dose_unit": "mg",
			"route": "oral", "frequency": "BID", "start_at": f.env.Clock.Now().Format(time.RFC3339), "prescriber": "Dr Scope"}}
	},
	"PATCH /api/v1/orders/:id": func(f *scopeFixture, own bool) write {
		o := f.order(pick(own, f.residentA, f.residentB), mar.OrderActive)
		return write{path: "/api/v1/orders/" + o.ID, body: map[string]any{"dose_value": 1000, "reason": "scope test"}}
	},
	"POST /api/v1/orders/:id/hold":        orderAction("hold", mar.OrderActive),
	"POST /api/v1/orders/:id/resume":      orderAction("resume", mar.OrderOnHold),
	"POST /api/v1/orders/:id/discontinue": orderAction("discontinue", mar.OrderActive),
	"POST /api/v1/orders/:id/verify":      orderAction("verify", mar.OrderPending),
	"POST /api/v1/orders/:id/reject":      orderAction("reject", mar.OrderPending),

	"POST /api/v1/orders/:id/clarify": func(f *scopeFixture, own bool) write {
		o := f.order(pick(own, f.residentA, f.residentB), mar.OrderPending)
		return write{path: "/api/v1/orders/" + o.ID + "/clarify", body: map[string]any{"question": "which strength?"}}
	},
	"POST /api/v1/orders/:id/renew": func(f *scopeFixture, own bool) write {
		o := f.order(pick(own, f.residentA, f.residentB), mar.OrderActive)
		return write{path: "/api/v1/orders/" + o.ID + "/renew", body: map[string]any{"rationale": "still needed", "duration_days": 14, "evaluated": true}}
	},
	"POST /api/v1/residents/:id/discharge": func(f *scopeFixture, own bool) write {
		r := f.freshResident(pick(own, f.unitA, f.unitB), mar.Admitted)
		return write{path: "/api/v1/residents/" + r.ID + "/discharge", body: map[string]any{}}
	},
	"POST /api/v1/residents/:id/readmit": func(f *scopeFixture, own bool) write {
		r := f.freshResident(pick(own, f.unitA, f.unitB), mar.Discharged)
		return write{path: "/api/v1/residents/" + r.ID + "/readmit", body: map[string]any{}}
	},
	"POST /api/v1/residents/:id/transfer": func(f *scopeFixture, own bool) write {
		// Into unit A, from B (or within A): a move needs both units.
		r := f.freshResident(pick(own, f.unitA, f.unitB), mar.Admitted)
		return write{path: "/api/v1/residents/" + r.ID + "/transfer", body: map[string]any{"unit_id": f.unitA.ID, "room": "12", "bed": "B"}}
	},
	"PUT /api/v1/residents/:id/allergies": func(f *scopeFixture, own bool) write {
		r := f.freshResident(pick(own, f.unitA, f.unitB), mar.Admitted)
		return write{path: "/api/v1/residents/" + r.ID + "/allergies", body: map[string]any{"allergies": []map[string]string{{"substance": "penicillin", "reaction": "rash", "severity": "moderate"}}}}
	},
	"PATCH /api/v1/residents/:id": func(f *scopeFixture, own bool) write {
		r := f.freshResident(pick(own, f.unitA, f.unitB), mar.Admitted)
		return write{path: "/api/v1/residents/" + r.ID, body: map[string]any{"version": 1, "room": "14"}}
	},
	"PUT /api/v1/residents/:id/photo": func(f *scopeFixture, own bool) write {
		r := f.freshResident(pick(own, f.unitA, f.unitB), mar.Admitted)
		return write{path: "/api/v1/residents/" + r.ID + "/photo", body: testPNG(f.t), header: map[string]string{"Content-Type": "image/png"}}
	},
	"POST /api/v1/residents/:id/vitals": func(f *scopeFixture, own bool) write {
		return write{path: "/api/v1/residents/" + pick(own, f.residentA, f.residentB).ID + "/vitals", body: map[string]any{"kind": "heart_rate", "value": 72}}
	},
	"POST /api/v1/bedside/wristband": func(f *scopeFixture, own bool) write {
		return write{path: "/api/v1/bedside/wristband", body: map[string]any{"scan": pick(own, f.residentA, f.residentB).WristbandID},
			header: map[string]string{"Idempotency-Key": newKey()}}
	},
	"POST /api/v1/bedside/select": func(f *scopeFixture, own bool) write {
		r := pick(own, f.residentA, f.residentB)
		return write{path: "/api/v1/bedside/select", body: map[string]any{"resident_id": r.ID, "identifiers": map[string]string{"name": r.DisplayName(), "mrn": r.MRN},
			"reason": "no_wristband"}, header: map[string]string{"Idempotency-Key": newKey()}}
	},
	"POST /api/v1/bedside/verify": func(f *scopeFixture, own bool) write {
		ctx := scanWristband(f.t, f.chargeOfBoth, pick(own, f.residentA, f.residentB))
		return write{path: "/api/v1/bedside/verify", body: map[string]any{"context_id": ctx, "scan": f.product.Packages[0].GTIN}}
	},
	"POST /api/v1/administrations": func(f *scopeFixture, own bool) write {
		r := pick(own, f.residentA, f.residentB)
		ctx := scanWristband(f.t, f.chargeOfBoth, r)
		o := f.order(r, mar.OrderActive)
		return write{path: "/api/v1/administrations", body: map[string]any{"context_id": ctx, "order_id": o.ID, "outcome": "refused", "reason_code": "resident_declined"},
			header: map[string]string{"Idempotency-Key": newKey()}}
	},
	"POST /api/v1/administrations/:id/entered-in-error": func(f *scopeFixture, own bool) write {
		return write{path: "/api/v1/administrations/" + f.administration() + "/entered-in-error", body: map[string]any{"reason": "wrong resident"}}
	},
	"POST /api/v1/administrations/:id/removal": func(f *scopeFixture, own bool) write {
		return write{path: "/api/v1/administrations/" + f.administration() + "/removal", body: map[string]any{"site": "left arm"}}
	},
	"POST /api/v1/administrations/:id/effectiveness": func(f *scopeFixture, own bool) write {
		return write{path: "/api/v1/administrations/" + f.administration() + "/effectiveness", body: map[string]any{"result": "effective"}}
	},
	"POST /api/v1/alerts/:id/acknowledge": func(f *scopeFixture, own bool) write {
		return write{path: "/api/v1/alerts/" + f.alertB + "/acknowledge", body: map[string]any{"note": "seen"}}
	},
	"POST /api/v1/alerts/:id/resolve": func(f *scopeFixture, own bool) write {
		return write{path: "/api/v1/alerts/" + f.alertB + "/resolve", body: map[string]any{"note": "done"}}
	},
	"POST /api/v1/dispenses": func(f *scopeFixture, own bool) write {
		return write{path: "/api/v1/dispenses", body: map[string]any{"unit_id": pick(own, f.unitA, f.unitB).ID, "product_id": f.product.ID, "quantity": 10, "lot": "L1", "expiry": "2031-01-31"}}
	},
	"POST /api/v1/waste":   stockWrite("/api/v1/waste"),
	"POST /api/v1/returns": stockWrite("/api/v1/returns"),
	"POST /api/v1/stock/counts": func(f *scopeFixture, own bool) write {
		return write{path: "/api/v1/stock/counts", body: map[string]any{"unit_id": pick(own, f.unitA, f.unitB).ID, "product_id": f.product.ID, "counted": 3}}
	},
	"POST /api/v1/controlled-counts": func(f *scopeFixture, own bool) write {
		return write{path: "/api/v1/controlled-counts", body: map[string]any{"unit_id": pick(own, f.unitA, f.unitB).ID,
			"lines": []map[string]any{{"product_id": f.controlled().ID, "counted": 1}}, "witness": map[string]string{"username": "nurse2", "password": "demo"}}}
	},
	"POST /api/v1/count-discrepancies/:id/resolve": func(f *scopeFixture, own bool) write {
		return write{path: "/api/v1/count-discrepancies/" + f.countDiscrepancy(pick(own, f.unitA, f.unitB)) + "/resolve", body: map[string]any{"reason": "recounted"}}
	},
	"POST /api/v1/handover/acknowledge": func(f *scopeFixture, own bool) write {
		u := pick(own, f.unitA, f.unitB)
		loc, _ := u.Location()
		return write{path: "/api/v1/handover/acknowledge", body: map[string]any{"unit_id": u.ID, "shift": "day",
			"date": f.env.Clock.Now().In(loc).AddDate(0, 0, -1).Format(time.DateOnly)}}
	},
	"POST /api/v1/missing-dose-requests": func(f *scopeFixture, own bool) write {
		o := f.order(pick(own, f.residentA, f.residentB), mar.OrderActive)
		return write{path: "/api/v1/missing-dose-requests", body: map[string]any{"order_id": o.ID, "note": "not on the cart"}}
	},
	"POST /api/v1/missing-dose-requests/:id/fulfil": func(f *scopeFixture, own bool) write {
		o := f.order(pick(own, f.residentA, f.residentB), mar.OrderActive)
		var req struct {
			ID string `json:"id"`
		}
		if st := f.chargeOfBoth.JSON("POST", "/api/v1/missing-dose-requests", map[string]any{"order_id": o.ID}, &req); st != http.StatusCreated {
			f.t.Fatalf("missing-dose request: %d", st)
		}
		return write{path: "/api/v1/missing-dose-requests/" + req.ID + "/fulfil", body: map[string]any{"dispense": map[string]any{"product_id": f.product.ID, "quantity": 2}}}
	},
	"POST /fhir/Patient": func(f *scopeFixture, own bool) write {
		return write{path: "/fhir/Patient", body: f.patient(pick(own, f.unitA, f.unitB).Code, "F"+mar.NewID()[26:]), header: fhirHeader}
	},
	"PUT /fhir/Patient/:id": func(f *scopeFixture, own bool) write {
		// A move out of unit B into unit A changes both units; a fresh
		// resident is moved, so that unit B keeps the fixture's.
		r := f.residentA
		if !own {
			// The identifier's system is the one patient-example.json names.
			r = mar.Resident{ID: mar.NewID(), FacilityID: f.residentB.FacilityID, MRNSystem: "urn:oid:1.2.36.146.595.217.0.1", MRN: "M" + mar.NewID()[26:], FamilyName: "Mover", GivenName: "Test",
				BirthDate: "1940-01-01", Sex: "male", UnitID: f.unitB.ID, Status: mar.Admitted, AdmittedAt: f.env.Clock.Now()}
			r.WristbandID = r.MRN
			f.tx(func(tx mar.Tx) error { return tx.CreateResident(&r) })
		}
		b := f.patient(f.unitA.Code, r.MRN)
		b = bytes.Replace(b, []byte(`"id": "example"`), []byte(`"id": "`+r.ID+`"`), 1)
		return write{path: "/fhir/Patient/" + r.ID, body: b, header: fhirHeader}
	},
	"POST /fhir/MedicationRequest": func(f *scopeFixture, own bool) write {
		return write{path: "/fhir/MedicationRequest", body: f.medicationRequest(pick(own, f.residentA, f.residentB), ""), header: fhirHeader}
	},
	"POST /fhir": func(f *scopeFixture, own bool) write {
		mr := f.medicationRequest(pick(own, f.residentA, f.residentB), "")
		b := append(append([]byte(`{"resourceType": "Bundle", "type": "transaction", "entry": [{"fullUrl": "urn:uuid:`+mar.NewID()+`", "resource": `), mr...),
			[]byte(`, "request": {"method": "POST", "url": "MedicationRequest"}}]}`)...)
		return write{path: "/fhir", body: b, header: fhirHeader}
	},
	"PUT /fhir/MedicationRequest/:id": func(f *scopeFixture, own bool) write {
		o := f.order(pick(own, f.residentA, f.residentB), mar.OrderPending)
		return write{path: "/fhir/MedicationRequest/" + o.ID, body: f.medicationRequest(pick(own, f.residentA, f.residentB), o.ID), header: fhirHeader}
	},
}

// unitless are the mutating routes that change nothing of a resident or a
// unit, with the reason.
var unitless = map[string]string{
	"POST /api/v1/auth/logout":             "the caller's own session",
	"POST /api/v1/auth/logout-all":         "the caller's own sessions",
	"POST /api/v1/auth/totp/enroll":        "the caller's own factor",
	"POST /api/v1/auth/totp/confirm":       "the caller's own factor",
	"POST /api/v1/users":                   "accounts (administrators only)",
	"PUT /api/v1/settings/scanning":        "the facility's scanner settings (administrators only)",
	"POST /api/v1/units":                   "the facility's units (administrators only)",
	"PATCH /api/v1/units/:id":              "the facility's units (administrators only)",
	"PATCH /api/v1/users/:id":              "accounts (administrators only)",
	"POST /api/v1/users/:id/password":      "accounts (administrators only)",
	"POST /api/v1/users/:id/disable":       "accounts (administrators only)",
	"POST /api/v1/users/:id/enable":        "accounts (administrators only)",
	"POST /api/v1/users/:id/totp/reset":    "accounts (administrators only)",
	"POST /api/v1/me/password":             "the caller's own password",
	"POST /api/v1/products":                "the facility's catalogue",
	"POST /api/v1/products/:id/codes":      "the facility's catalogue",
	"PUT /api/v1/products/:id/dose-form":   "the facility's catalogue",
	"PATCH /api/v1/products/:id":           "the facility's catalogue",
	"POST /api/v1/products/:id/packages":   "the facility's catalogue",
	"POST /api/v1/break-glass":             "a grant to the caller (administrators only)",
	"DELETE /api/v1/break-glass":           "a grant to the caller (administrators only)",
	"POST /api/v1/scans/parse":             "parses text, stores nothing",
	"POST /api/v1/scans/decode":            "decodes an image, stores nothing",
	"POST /api/v1/api-clients":             "API clients (administrators only); the client's own writes go through /fhir with its units",
	"POST /api/v1/api-clients/:id/disable": "API clients (administrators only)",
	"PUT /api/v1/me/language":              "the caller's own language",
	"PUT /api/v1/users/:id/language":       "accounts (administrators only)",
	"PUT /api/v1/units/:id/language":       "a unit's page language (administrators only); changes no resident or record",
}

func pick[T any](own bool, a, b T) T {
	if own {
		return a
	}
	return b
}

func orderAction(action string, st mar.OrderStatus) func(f *scopeFixture, own bool) write {
	return func(f *scopeFixture, own bool) write {
		o := f.order(pick(own, f.residentA, f.residentB), st)
		body := map[string]any{"reason": "scope test"}
		if action == "verify" {
			body = map[string]any{"note": "scope test"}
		}
		return write{path: "/api/v1/orders/" + o.ID + "/" + action, body: body}
	}
}

func stockWrite(path string) func(f *scopeFixture, own bool) write {
	return func(f *scopeFixture, own bool) write {
		return write{path: path, body: map[string]any{"unit_id": pick(own, f.unitA, f.unitB).ID, "product_id": f.product.ID, "quantity": 1, "reason": "dropped"}}
	}
}

// Role × mutating route × unit: staff scoped to unit A change nothing of
// unit B through any route, whatever the route's own checks; roles that
// serve the whole facility are not held back by the unit.
func TestUnitScopeHoldsOnEveryWrite(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			env := testenv.Start(t, engine, testenv.Options{})
			f := &scopeFixture{t: t, env: env, unitA: env.Demo.Units[0], unitB: env.Demo.Units[1]}
			f.tx(func(tx mar.Tx) error {
				rs, err := tx.ListResidents(mar.ResidentFilter{Status: mar.Admitted})
				for _, r := range rs {
					if r.UnitID == f.unitA.ID && f.residentA.ID == "" {
						f.residentA = r
					}
					if r.UnitID == f.unitB.ID && f.residentB.ID == "" {
						f.residentB = r
					}
				}
				if err != nil {
					return err
				}
				ps, err := tx.ListProducts("")
				for _, p := range ps {
					if strings.HasPrefix(p.Name, "Acetaminophen 500") {
						f.product = p
					}
				}
				if err != nil {
					return err
				}
				u, err := tx.GetUserByUsername("charge")
				f.chargeOfBothID = u.ID
				return err
			})
			if f.residentA.ID == "" || f.residentB.ID == "" || f.product.ID == "" {
				t.Fatal("demo data lacks a resident per unit or acetaminophen")
			}
			f.chargeOfBoth = env.Login(t, "charge")
			admin := env.Login(t, "admin")

			// A facility-wide break-glass grant raises an alert on unit B.
			if st := admin.JSON("POST", "/api/v1/break-glass", map[string]string{"reason": "fire drill: evacuating, need med lists"}, nil); st != http.StatusCreated {
				t.Fatalf("break-glass: %d", st)
			}
			var alerts struct {
				Items []struct {
					ID string `json:"id"`
				} `json:"items"`
			}
			f.chargeOfBoth.JSON("GET", "/api/v1/alerts?unit_id="+f.unitB.ID, nil, &alerts)
			if len(alerts.Items) == 0 {
				t.Fatal("no alert on unit B")
			}
			f.alertB = alerts.Items[0].ID

			// Staff of unit A, one per role.
			clients, ids := map[mar.Role]*testenv.Client{}, map[mar.Role]string{}
			for _, role := range mar.Roles {
				name := "unit-a-" + strings.ReplaceAll(string(role), "_", "-")
				var u struct {
					ID string `json:"id"`
				}
				if st := admin.JSON("POST", "/api/v1/users", map[string]any{"username": name, "display_name": name, "role": role,
					"password": "correct horse battery staple", "unit_ids": []string{f.unitA.ID}}, &u); st != http.StatusCreated {
					t.Fatalf("create %s: %d", name, st)
				}
				clients[role], ids[role] = loginAs(t, env, name, "correct horse battery staple"), u.ID
			}

			cells := 0
			for _, r := range env.Web.Routes() {
				if r.Method == "GET" || r.Roles == nil {
					continue
				}
				key := r.Method + " " + r.Path
				build, ok := crossUnitWrites[key]
				if !ok {
					if _, ok := unitless[key]; !ok {
						t.Errorf("%s: mutating route in neither crossUnitWrites nor unitless; say how it meets the unit scope", key)
					}
					continue
				}
				for _, role := range r.Roles {
					c := clients[role]
					t.Run(fmt.Sprintf("%s as %s", key, role), func(t *testing.T) {
						f.t = t
						before := f.successes(ids[role])
						w := build(f, false)
						resp := c.Do(r.Method, w.path, w.body, w.header)
						after := f.successes(ids[role])
						cells++
						if !mar.ScopedToUnits(role) {
							if resp.Status == http.StatusForbidden {
								t.Errorf("%s serves the facility but was refused unit B: %s", role, clip(resp.Body))
							}
							return
						}
						if resp.Status != http.StatusForbidden && resp.Status != http.StatusNotFound && resp.Status != http.StatusUnprocessableEntity {
							t.Errorf("unit B's object: %d %s", resp.Status, clip(resp.Body))
						}
						if after != before {
							t.Errorf("unit B's object: %d events of success recorded for the refused write", after-before)
						}
					})
				}
			}
			if cells < 40 {
				t.Fatalf("only %d cross-unit cells checked", cells)
			}
		})
	}
}

// The writes the issue named, on the caller's own unit, succeed: the
// refusals above come from the unit, not from a broken request.
func TestOwnUnitWritesSucceedForChargeNurses(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			env := testenv.Start(t, engine, testenv.Options{})
			f := &scopeFixture{t: t, env: env, unitA: env.Demo.Units[0], unitB: env.Demo.Units[1]}
			f.tx(func(tx mar.Tx) error {
				rs, err := tx.ListResidents(mar.ResidentFilter{Status: mar.Admitted})
				for _, r := range rs {
					if r.UnitID == f.unitA.ID && f.residentA.ID == "" {
						f.residentA = r
					}
				}
				ps, _ := tx.ListProducts("")
				for _, p := range ps {
					if strings.HasPrefix(p.Name, "Acetaminophen 500") {
						f.product = p
					}
				}
				return err
			})
			admin := env.Login(t, "admin")
			if st := admin.JSON("POST", "/api/v1/users", map[string]any{"username": "cara", "display_name": "Cara", "role": "charge_nurse",
				"password": "correct horse battery staple", "unit_ids": []string{f.unitA.ID}}, nil); st != http.StatusCreated {
				t.Fatalf("create cara: %d", st)
			}
			cara := loginAs(t, env, "cara", "correct horse battery staple")
			for _, tc := range []struct {
				route string
				want  int
			}{
				{"POST /api/v1/residents", http.StatusCreated},
				{"POST /api/v1/orders", http.StatusCreated},
				{"POST /api/v1/orders/:id/hold", http.StatusOK},
				{"POST /api/v1/orders/:id/resume", http.StatusOK},
				{"POST /api/v1/residents/:id/vitals", http.StatusCreated},
				{"POST /api/v1/residents/:id/discharge", http.StatusOK},
				{"POST /api/v1/residents/:id/readmit", http.StatusOK},
				{"POST /api/v1/residents/:id/transfer", http.StatusOK},
				{"PUT /api/v1/residents/:id/allergies", http.StatusOK},
				{"PATCH /api/v1/residents/:id", http.StatusOK},
				{"PUT /api/v1/residents/:id/photo", http.StatusOK},
				{"POST /api/v1/stock/counts", http.StatusCreated},
				{"POST /api/v1/missing-dose-requests", http.StatusCreated},
				{"POST /fhir/Patient", http.StatusCreated},
			} {
				t.Run(tc.route, func(t *testing.T) {
					f.t = t
					w := crossUnitWrites[tc.route](f, true)
					r := cara.Do(strings.SplitN(tc.route, " ", 2)[0], w.path, w.body, w.header)
					if r.Status != tc.want {
						t.Errorf("own unit: %d %s, want %d", r.Status, clip(r.Body), tc.want)
					}
				})
			}
		})
	}
}

// loginAs signs in with a password (enrolling a second factor where the
// role needs one) and returns the client.
func loginAs(t testing.TB, env *testenv.Env, name, password string) *testenv.Client {
	t.Helper()
	c, _ := env.SignIn(t, name, password)
	return c
}
