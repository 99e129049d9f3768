package web_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/hl7"
	"github.com/emar-project/emar/mar/hl7map"
	"github.com/emar-project/emar/mar/store/storetest"
)

// dueItemsJSON is the part of a due list the dose tests read.
type dueItemsJSON struct {
	DueNow []struct {
		Dose *struct {
			ID    string    `json:"id"`
			DueAt time.Time `json:"due_at"`
		} `json:"dose"`
		Order struct {
			ID string `json:"id"`
		} `json:"order"`
	} `json:"due_now"`
	Pending []struct {
		Order struct {
			ID string `json:"id"`
		} `json:"order"`
	} `json:"pending_verification"`
}

// dueFor scans the wristband and returns the context and the due list.
func (b *bed) dueFor(r mar.Resident) (string, dueItemsJSON) {
	b.t.Helper()
	resp := b.login("nurse").Do("POST", "/api/v1/bedside/wristband", map[string]string{"scan": wristband(r)}, map[string]string{"Idempotency-Key": newKey()})
	if resp.Status != http.StatusOK {
		b.t.Fatalf("wristband: %d %s", resp.Status, resp.Body)
	}
	var out struct {
		ContextID string       `json:"context_id"`
		Due       dueItemsJSON `json:"due"`
	}
	if err := json.Unmarshal(resp.Body, &out); err != nil {
		b.t.Fatal(err)
	}
	return out.ContextID, out.Due
}

// A STAT order is due the moment pharmacy verifies it: whichever way it
// came in, the dose exists when the verifying request returns, the pack
// scan right after is accepted, and until then the due list shows the
// order as pending verification.
func TestStatOrderIsScannableRightAfterVerification(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBed(t, engine)
			env := b.env
			// The HL7 sender names its assigning authority in PID-3.4.
			env.Svc.Config.Identifiers = mar.IdentifierConfig{Authorities: map[string]string{"RIVERSIDE": mar.DefaultMRNSystem}}
			ctx := context.Background()
			castillo := b.resident("Castillo")
			ond := b.product("Ondansetron 4 mg")
			ph, charge := b.login("pharmacist"), b.login("charge")

			// The HL7 channel listens on MLLP as in production.
			h := &hl7map.Handler{Svc: env.Svc, Channel: "hl7", Application: "EMAR", Facility: "RIVERSIDE"}
			srv := &hl7.Server{Handler: h.Serve, Now: env.Clock.Now}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			sctx, stop := context.WithCancel(ctx)
			defer stop()
			go func() { _ = srv.Serve(sctx, ln) }()
			client := &hl7.Client{Addr: ln.Addr().String(), Timeout: 10 * time.Second}
			defer client.Close()

			ordersOf := func() map[string]string {
				var list struct {
					Items []struct {
						ID         string `json:"id"`
						ExternalID string `json:"external_id"`
						Status     string `json:"status"`
					} `json:"items"`
				}
				ph.JSON("GET", "/api/v1/residents/"+castillo.ID+"/orders", nil, &list)
				out := map[string]string{}
				for _, o := range list.Items {
					out[o.ID] = o.ExternalID
				}
				return out
			}
			newOrderID := func(before map[string]string) string {
				for id := range ordersOf() {
					if _, ok := before[id]; !ok {
						return id
					}
				}
				t.Fatal("no new order")
				return ""
			}

			channels := []struct {
				name  string
				enter func(n int) string // enters a STAT ondansetron order, returns its id
			}{
				{"REST", func(int) string {
					var o struct {
						ID string `json:"id"`
					}
					if st := charge.JSON("POST", "/api/v1/orders", map[string]any{"resident_id": castillo.ID, "product_id": ond.ID,
						"dose_value": 4, "dose_unit": "mg", "route": "oral", "frequency": "STAT", "start_at": env.Clock.Now()}, &o); st != http.StatusCreated {
						t.Fatalf("REST order: %d", st)
					}
					return o.ID
				}},
				{"FHIR", func(int) string {
					mr := map[string]any{"resourceType": "MedicationRequest", "status": "active", "intent": "order",
						"medicationReference": map[string]string{"reference": "Medication/" + ond.ID},
						"subject":             map[string]string{"reference": "Patient/" + castillo.ID},
						"dosageInstruction": []any{map[string]any{
							"timing":      map[string]any{"code": map[string]string{"text": "STAT"}},
							"route":       map[string]any{"coding": []any{map[string]string{"system": "http://snomed.info/sct", "code": "26643006"}}},
							"doseAndRate": []any{map[string]any{"doseQuantity": map[string]any{"value": 4, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}}},
						}}}
					raw, _ := json.Marshal(mr)
					r := charge.Do("POST", "/fhir/MedicationRequest", raw, fhirHeader)
					if r.Status != http.StatusCreated {
						t.Fatalf("FHIR order: %d %s", r.Status, r.Body)
					}
					var out struct {
						ID string `json:"id"`
					}
					_ = json.Unmarshal(r.Body, &out)
					return out.ID
				}},
				{"HL7 over MLLP", func(n int) string {
					before := ordersOf()
					rde := "MSH|^~\\&|PHARMSYS|RIVERSIDE|EMAR|RIVERSIDE|" + env.Clock.Now().Format("20060102150405-0700") + "||RDE^O11^RDE_O11|STAT-" + strconv.Itoa(n) + "|P|2.5.1\r" +
						"PID|1||" + castillo.MRN + "^^^RIVERSIDE^MR||Castillo^Rosa\r" +
						"ORC|NW|STAT-" + strconv.Itoa(n) + "^EHR\r" +
						"RXE||" + ond.Packages[0].NDC + "^Ondansetron^NDC|4||mg^milligram^UCUM|TAB^Tablet^HL70292\r" +
						"TQ1|1||STAT\r" +
						"RXR|PO^Oral^HL70162\r"
					ack, err := client.Send(ctx, []byte(rde))
					if err != nil || ack.Get("MSA-1") != "AA" {
						t.Fatalf("RDE: %v %q", err, ack.Encode())
					}
					return newOrderID(before)
				}},
			}
			for n, ch := range channels {
				t.Run(ch.name, func(t *testing.T) {
					id := ch.enter(n)
					// It waits for pharmacy: shown as pending, never as nothing.
					env.Clock.Advance(20 * time.Minute)
					_, due := b.dueFor(castillo)
					pending := false
					for _, it := range due.Pending {
						pending = pending || it.Order.ID == id
					}
					if !pending {
						t.Fatalf("the unverified STAT order is not on the due list as pending verification: %+v", due)
					}

					if st := ph.JSON("POST", "/api/v1/orders/"+id+"/verify", map[string]string{"note": "STAT"}, nil); st != http.StatusOK {
						t.Fatalf("verify: %d", st)
					}
					verifiedAt := env.Clock.Now()
					// No schedule job has run: the dose exists now, due at
					// verification, not 20 minutes ago at entry.
					var doses []mar.ScheduledDose
					b.tx(func(tx mar.Tx) error {
						var err error
						doses, err = tx.ListDoses(mar.DoseFilter{OrderID: id})
						return err
					})
					if len(doses) != 1 || !doses[0].DueAt.Equal(verifiedAt) || doses[0].Status != mar.DoseScheduled {
						t.Fatalf("doses right after verification: %+v, want one scheduled dose due at %v", doses, verifiedAt)
					}
					ctxID, due := b.dueFor(castillo)
					onList := false
					for _, it := range due.DueNow {
						onList = onList || (it.Order.ID == id && it.Dose != nil && it.Dose.ID == doses[0].ID)
					}
					if !onList {
						t.Fatalf("the verified STAT dose is not due now: %+v", due)
					}
					nurse := b.login("nurse")
					r := nurse.Do("POST", "/api/v1/bedside/verify", body{"context_id": ctxID, "scan": b.pack(ond), "order_id": id}, nil)
					v := decode[verdict](t, r)
					if r.Status != http.StatusOK || !v.Allowed || v.Dose == nil || v.Dose.ID != doses[0].ID {
						t.Fatalf("pack scan right after verification: %d %s", r.Status, r.Body)
					}
					// Give it, so the next channel's order is the only open one.
					doc := nurse.Do("POST", "/api/v1/administrations", body{"context_id": ctxID, "scan": b.pack(ond), "dose_id": doses[0].ID, "outcome": "given"},
						map[string]string{"Idempotency-Key": newKey()})
					if doc.Status != http.StatusCreated {
						t.Fatalf("document: %d %s", doc.Status, doc.Body)
					}
					env.Clock.Advance(time.Hour)
				})
			}
		})
	}
}
