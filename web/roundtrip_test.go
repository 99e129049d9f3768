package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emar-project/emar/internal/fhirvalidate"
	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/hl7"
	"github.com/emar-project/emar/mar/hl7map"
	"github.com/emar-project/emar/mar/store/storetest"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/golden")

var (
	uuidRE    = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	controlRE = regexp.MustCompile(`EMAR[0-9a-f]{20}`)
)

// normalize replaces ids the database assigned with stable names, in
// order of appearance, so a golden file states everything else exactly.
func normalize(b []byte, known map[string]string) []byte {
	b = controlRE.ReplaceAll(b, []byte("EMAR-CONTROL-ID"))
	return uuidRE.ReplaceAllFunc(b, func(id []byte) []byte {
		if name, ok := known[string(id)]; ok {
			return []byte(name)
		}
		name := fmt.Sprintf("id-%d", len(known)+1)
		known[string(id)] = name
		return []byte(name)
	})
}

func goldenFile(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run go test -update if the change is intended)\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

// The acceptance round trip: an RDE^O11 arrives over MLLP and creates an
// order; pharmacy verifies it; the schedule job expands its doses; the
// 09:00 dose is given; the RAS^O17 that goes to the pharmacy system and
// the FHIR MedicationAdministration describe it exactly.
func TestRoundTripRDEToRASAndFHIR(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			// 09:00 in New York (EDT) on 14 March 2026.
			env := testenv.Start(t, engine, testenv.Options{Now: time.Date(2026, 3, 14, 13, 0, 0, 0, time.UTC)})
			// The hospital's assigning authority RIVERSIDE is the record's own
			// MRN system: PID-3 goes back out with it (^^^RIVERSIDE^MR).
			ids := mar.IdentifierConfig{Authorities: map[string]string{"RIVERSIDE": mar.DefaultMRNSystem}}
			env.Svc.Config.Identifiers = ids
			env.Svc.OnAdministration = hl7map.Enqueuer(hl7map.Routing{SendingApplication: "EMAR", SendingFacility: "RIVERSIDE",
				ReceivingApplication: "PHARMSYS", ReceivingFacility: "RIVERSIDE", Identifiers: ids})
			ph, nurse := env.Login(t, "pharmacist"), env.Login(t, "nurse")

			// 1. The order over MLLP.
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
			rde := "MSH|^~\\&|PHARMSYS|RIVERSIDE|EMAR|RIVERSIDE|20260314083000-0400||RDE^O11^RDE_O11|RT-0001|P|2.5.1\r" +
				"PID|1||00100003^^^RIVERSIDE^MR||Castillo^Rosa||19350108|F\r" +
				"PV1|1|I|MAPLE^102^A\r" +
				"ORC|NW|ORD-7001^EHR|RX-7001^PHARMSYS||||||20260314082500-0400|||1447^Whitfield^Sarah^^^Dr^MD\r" +
				"RXE||9910010000^Metoprolol tartrate 25 mg tablet^NDC|25||mg^milligram^UCUM|TAB^Tablet^HL70292\r" +
				"TQ1|1|1^TAB|BID&twice a day&HL70335|0900~2100|||20260314080000-0400\r" +
				"RXR|PO^Oral^HL70162\r"
			ack, err := client.Send(ctx, []byte(rde))
			if err != nil {
				t.Fatalf("send RDE: %v", err)
			}
			if ack.Get("MSA-1") != "AA" {
				t.Fatalf("RDE not accepted: %q", ack.Encode())
			}
			var rs residentsList
			ph.JSON("GET", "/api/v1/residents", nil, &rs)
			var residentID string
			for _, r := range rs.Items {
				if r.MRN == "00100003" {
					residentID = r.ID
				}
			}
			var orders struct {
				Items []struct {
					ID         string `json:"id"`
					Status     string `json:"status"`
					ExternalID string `json:"external_id"`
					Frequency  string `json:"frequency"`
				} `json:"items"`
			}
			ph.JSON("GET", "/api/v1/residents/"+residentID+"/orders", nil, &orders)
			orderID := ""
			for _, o := range orders.Items {
				if o.ExternalID == "ORD-7001" {
					orderID = o.ID
					if o.Status != "pending_verification" || o.Frequency != "BID at 09:00, 21:00" {
						t.Fatalf("order from RDE: %+v", o)
					}
				}
			}
			if orderID == "" {
				t.Fatal("the RDE created no order")
			}

			// 2. Verification; 3. doses.
			if st := ph.JSON("POST", "/api/v1/orders/"+orderID+"/verify", nil, nil); st != http.StatusOK {
				t.Fatalf("verify: %d", st)
			}
			if _, err := env.Svc.Materialize(ctx); err != nil {
				t.Fatal(err)
			}
			var doses struct {
				Items []struct {
					ID      string    `json:"id"`
					OrderID string    `json:"order_id"`
					DueAt   time.Time `json:"due_at"`
					Status  string    `json:"status"`
				} `json:"items"`
			}
			nurse.JSON("GET", "/api/v1/residents/"+residentID+"/doses?from=2026-03-14T00:00:00Z&to=2026-03-15T12:00:00Z", nil, &doses)
			var due []string
			doseID := ""
			for _, d := range doses.Items {
				if d.OrderID == orderID {
					due = append(due, d.DueAt.Format(time.RFC3339))
					if d.DueAt.Equal(time.Date(2026, 3, 14, 13, 0, 0, 0, time.UTC)) {
						doseID = d.ID
					}
				}
			}
			if strings.Join(due, " ") != "2026-03-14T13:00:00Z 2026-03-15T01:00:00Z" || doseID == "" {
				t.Fatalf("doses of the order: %v", due)
			}

			// 4. The nurse gives it at the bedside: wristband, then the pack's
			// GS1 DataMatrix, then documentation (witness not needed).
			metoprolol := productID(t, ph, "Metoprolol tartrate 25")
			var prod struct {
				Items []struct {
					ID       string `json:"id"`
					Packages []struct {
						GTIN string `json:"gtin"`
					} `json:"packages"`
				} `json:"items"`
			}
			ph.JSON("GET", "/api/v1/products", nil, &prod)
			gtin := ""
			for _, p := range prod.Items {
				if p.ID == metoprolol {
					gtin = p.Packages[0].GTIN
				}
			}
			env.Clock.Set(time.Date(2026, 3, 14, 13, 4, 0, 0, time.UTC))
			nurse = env.Login(t, "nurse")
			ctxID := scanWristband(t, nurse, mar.Resident{WristbandID: "MRN00100003"})
			scan := gs1(mar.Product{Packages: []mar.Package{{GTIN: gtin}}}, time.Date(2027, 8, 31, 0, 0, 0, 0, time.UTC), "MT2291A")
			doc := nurse.Do("POST", "/api/v1/administrations", map[string]any{"context_id": ctxID, "scan": scan, "dose_id": doseID, "outcome": "given"},
				map[string]string{"Idempotency-Key": newKey()})
			if doc.Status != http.StatusCreated {
				t.Fatalf("document: %d %s", doc.Status, doc.Body)
			}
			var documented struct {
				Administration struct {
					ID string `json:"id"`
				} `json:"administration"`
			}
			_ = json.Unmarshal(doc.Body, &documented)
			a := mar.Administration{ID: documented.Administration.ID}
			users, err := env.Svc.UserNames(ctx, mar.Identity{User: mar.User{FacilityID: env.Demo.Facility.ID}})
			if err != nil {
				t.Fatal(err)
			}
			var nurseID string
			for id, u := range users {
				if u.Username == "nurse" {
					nurseID = id
				}
			}

			// 5. What goes out describes it exactly.
			known := map[string]string{residentID: "resident", orderID: "order", metoprolol: "product", nurseID: "nurse", a.ID: "administration",
				env.Demo.Facility.ID: "facility", doseID: "dose"}
			env.Clock.Advance(time.Minute)
			var ras []byte
			sent, failed, err := env.Svc.DeliverOutbound(ctx, 10, func(m mar.OutboundMessage) error {
				if m.Kind != "RAS^O17" || m.RefID != a.ID {
					return fmt.Errorf("unexpected outbox message %s %s", m.Kind, m.RefID)
				}
				ras = []byte(m.Payload)
				// Deliver it to a peer that acknowledges, as --hl7-peer does.
				peer := &hl7.Server{Handler: func(ctx context.Context, msg *hl7.Message, raw []byte) *hl7.Message {
					return hl7.NewACK(msg, hl7.AckAccept, nil, "PEER1", env.Clock.Now())
				}}
				pl, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					return err
				}
				pctx, pstop := context.WithCancel(ctx)
				defer pstop()
				go func() { _ = peer.Serve(pctx, pl) }()
				c := &hl7.Client{Addr: pl.Addr().String(), Timeout: 10 * time.Second}
				defer c.Close()
				return hl7map.Sender{Client: c}.Send(ctx, m)
			})
			if err != nil || sent != 1 || failed != 0 {
				t.Fatalf("outbox: sent %d failed %d err %v", sent, failed, err)
			}
			if _, err := hl7.Parse(ras); err != nil {
				t.Fatalf("RAS does not parse: %v", err)
			}
			goldenFile(t, "roundtrip_ras_o17.hl7", normalize(bytes.ReplaceAll(ras, []byte("\r"), []byte("\n")), known))

			v := fhirvalidate.New(t)
			r := nurse.Do("GET", "/fhir/MedicationAdministration/"+a.ID, nil, fhirHeader)
			if r.Status != http.StatusOK {
				t.Fatalf("read MedicationAdministration: %d %s", r.Status, r.Body)
			}
			v.Add("MedicationAdministration", r.Body)
			var pretty bytes.Buffer
			_ = json.Indent(&pretty, r.Body, "", "  ")
			goldenFile(t, "roundtrip_medicationadministration.json", normalize(append(pretty.Bytes(), '\n'), known))
			for _, q := range []string{"?patient=" + residentID, "?effective-time=ge2026-03-14&effective-time=lt2026-03-15", "?performer=Practitioner/" + nurseID,
				"?status=completed&request=MedicationRequest/" + orderID} {
				if b := search(t, nurse, v, "/fhir/MedicationAdministration"+q); b.Total != 1 {
					t.Errorf("search %s: %d", q, b.Total)
				}
			}
			if b := search(t, nurse, v, "/fhir/MedicationAdministration?effective-time=lt2026-03-14"); b.Total != 0 {
				t.Errorf("search before: %d", b.Total)
			}
			r = ph.Do("GET", "/fhir/MedicationRequest/"+orderID, nil, fhirHeader)
			v.Add("MedicationRequest", r.Body)
			pretty.Reset()
			_ = json.Indent(&pretty, r.Body, "", "  ")
			goldenFile(t, "roundtrip_medicationrequest.json", normalize(append(pretty.Bytes(), '\n'), known))
			v.Validate(t)

			// The reconciliation sees the dose given under a verified order.
			var rep struct {
				Orders []struct {
					OrderID string `json:"order_id"`
					Given   int    `json:"given"`
				} `json:"orders"`
				Discrepancies []struct {
					Kind string `json:"kind"`
				} `json:"discrepancies"`
			}
			ph.JSON("GET", "/api/v1/reports/reconciliation?unit_id="+env.Demo.Units[0].ID+"&from=2026-03-14T12:00:00Z&to=2026-03-14T14:00:00Z", nil, &rep)
			found := false
			for _, o := range rep.Orders {
				if o.OrderID == orderID && o.Given == 1 {
					found = true
				}
			}
			if !found {
				t.Errorf("reconciliation: %+v", rep)
			}
		})
	}
}
