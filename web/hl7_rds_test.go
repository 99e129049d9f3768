package web_test

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/hl7"
	"github.com/emar-project/emar/mar/store/storetest"
)

// An RDS^O13 from the pharmacy system records what was sent to the unit
// for an order (product, quantity, lot, expiry, time) as a dispense the
// reconciliation counts, and is answered RRD^O14 AA; a resend changes
// nothing; a dispense for an unknown order or patient, for a patient the
// order is not for, under another identifier system, of another drug,
// counted in milligrams, of an expired lot, of a controlled substance
// without a lot, or for a discontinued order is answered AE with an ERR
// naming the field (table 0357), and records nothing. Over real MLLP and
// HTTP.
func TestHL7DispenseMessageFeedsTheReconciliation(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			env := testenv.Start(t, engine, testenv.Options{Now: time.Date(2026, 3, 14, 13, 0, 0, 0, time.UTC)})
			env.Svc.Config.Identifiers = mar.IdentifierConfig{Authorities: map[string]string{"RIVERSIDE": mar.DefaultMRNSystem, "OTHERHOSP": "urn:oid:2.16.840.1.113883.19.99"}}
			client := mllpPeer(t, env)
			ph := env.Login(t, "pharmacist")
			ctx := context.Background()
			send := func(t *testing.T, msg string) *hl7.Message {
				t.Helper()
				ack, err := client.Send(ctx, []byte(msg))
				var nak *hl7.NAKError
				if err != nil && !errors.As(err, &nak) {
					t.Fatalf("send: %v", err)
				}
				return ack
			}
			rde := "MSH|^~\\&|PHARMSYS|RIVERSIDE|EMAR|RIVERSIDE|20260314083000-0400||RDE^O11^RDE_O11|DS-0001|P|2.5.1\r" +
				"PID|1||00100003^^^RIVERSIDE^MR||Castillo^Rosa||19350108|F\r" +
				"ORC|NW|DS-ORD-1^EHR|DS-RX-1^PHARMSYS\r" +
				"RXE|^BID^^20260314090000-0400|9910010000^Metoprolol tartrate 25 mg tablet^NDC|25||mg\r" +
				"RXR|PO\r"
			if ack := send(t, rde); ack.Get("MSA-1") != "AA" {
				t.Fatalf("RDE: %q", ack.Encode())
			}
			var castillo string
			var rs residentsList
			ph.JSON("GET", "/api/v1/residents", nil, &rs)
			for _, r := range rs.Items {
				if r.MRN == "00100003" {
					castillo = r.ID
				}
			}
			type dispense struct {
				OrderID     string    `json:"order_id"`
				ProductID   string    `json:"product_id"`
				Quantity    float64   `json:"quantity"`
				Lot         string    `json:"lot"`
				Expiry      string    `json:"expiry"`
				DispensedAt time.Time `json:"dispensed_at"`
				Note        string    `json:"note"`
				ID          string    `json:"id"`
				Serial      string    `json:"serial"`
			}
			dispenses := func(t *testing.T) []dispense {
				t.Helper()
				var list struct {
					Items []dispense `json:"items"`
				}
				ph.JSON("GET", "/api/v1/dispenses?resident_id="+castillo+"&from="+url.QueryEscape("2026-03-14T00:00:00Z")+"&to="+url.QueryEscape("2026-03-15T00:00:00Z"), nil, &list)
				return list.Items
			}
			rds := func(ctl, pid, orc, rxd string) string {
				return "MSH|^~\\&|PHARMSYS|RIVERSIDE|EMAR|RIVERSIDE|20260314084500-0400||RDS^O13^RDS_O13|" + ctl + "|P|2.5.1\r" +
					"PID|1||" + pid + "||Castillo^Rosa||19350108|F\r" +
					"ORC|" + orc + "\r" + "RXD|" + rxd + "\r" + "RXR|PO^Oral^HL70162\r"
			}
			good := rds("DS-0002", "00100003^^^RIVERSIDE^MR", "RE|DS-ORD-1^EHR|DS-RX-1^PHARMSYS",
				"1|9910010000^Metoprolol tartrate 25 mg tablet^NDC|20260314084000-0400|60|TAB^Tablet^HL70292|TAB|RX-555||Blister card 1 of 2|||||||||LOT-A7~LOT-A8|20271231~20270630")

			first := send(t, good)
			t.Run("the dispense is recorded for the order and answered RRD^O14 AA", func(t *testing.T) {
				if first.Get("MSA-1") != "AA" || first.Get("MSH-9") != "RRD" || first.Get("MSH-9.2") != "O14" || first.Get("ORC-1") != "OK" || first.Get("ORC-2") != "DS-ORD-1" {
					t.Fatalf("ack = %q", first.Encode())
				}
				ds := dispenses(t)
				if len(ds) != 1 {
					t.Fatalf("%d dispenses: %+v", len(ds), ds)
				}
				d := ds[0]
				if d.OrderID == "" || d.Quantity != 60 || d.Lot != "LOT-A7, LOT-A8" || d.Expiry != "2027-06-30" ||
					!d.DispensedAt.Equal(time.Date(2026, 3, 14, 12, 40, 0, 0, time.UTC)) || !strings.Contains(d.Note, "Blister card") {
					t.Fatalf("dispense = %+v", d)
				}
				// Its patient-specific label carries the serial; the two lots
				// (not one AI 10 value) are printed, not encoded.
				if !strings.HasPrefix(d.Serial, mar.LabelSerialPrefix) {
					t.Fatalf("no label serial: %+v", d)
				}
				_, res := labelScan(t, ph, dispenseAnswer{ID: d.ID})
				if res.Code == nil || res.Code.Serial != d.Serial || res.Code.Lot != "" || res.Code.Expiry == nil || res.Code.Expiry.String() != "2027-06-30" {
					t.Fatalf("label reads %q (%v)", res.Text, res.ParseErr)
				}
				var rep struct {
					Products []struct {
						Name      string  `json:"name"`
						Dispensed float64 `json:"dispensed"`
					} `json:"products"`
				}
				ph.JSON("GET", "/api/v1/reports/reconciliation?unit_id="+env.Demo.Units[0].ID+"&from=2026-03-14T12:00:00Z&to=2026-03-14T14:00:00Z", nil, &rep)
				counted := false
				for _, p := range rep.Products {
					if strings.HasPrefix(p.Name, "Metoprolol tartrate 25") && p.Dispensed == 60 {
						counted = true
					}
				}
				if !counted {
					t.Errorf("the reconciliation does not count the dispense: %+v", rep.Products)
				}
			})
			t.Run("a resend gets the first answer and records nothing twice", func(t *testing.T) {
				env.Clock.Advance(time.Minute)
				again := send(t, good)
				if !bytes.Equal(again.Encode(), first.Encode()) {
					t.Fatalf("resend ACK differs:\n%q\n%q", again.Encode(), first.Encode())
				}
				if n := len(dispenses(t)); n != 1 {
					t.Fatalf("%d dispenses after a resend", n)
				}
			})
			rxd := "1|9910010000^Metoprolol tartrate 25 mg tablet^NDC|20260314084000-0400|30|TAB|TAB|RX-556|||||||||||LOT-B|20271231"
			// An order for a controlled substance, and one discontinued.
			more := "MSH|^~\\&|PHARMSYS|RIVERSIDE|EMAR|RIVERSIDE|20260314083000-0400||RDE^O11^RDE_O11|DS-0003|P|2.5.1\r" +
				"PID|1||00100003^^^RIVERSIDE^MR||Castillo^Rosa||19350108|F\r" +
				"ORC|NW|DS-ORD-2^EHR\rRXE|^BID^^20260314090000-0400|9910111268^Oxycodone 5 mg tablet^NDC|5||mg\rRXR|PO\r" +
				"ORC|NW|DS-ORD-3^EHR\rRXE|^BID^^20260314090000-0400|9910010071^Metoprolol tartrate 50 mg tablet^NDC|50||mg\rRXR|PO\r"
			if ack := send(t, more); ack.Get("MSA-1") != "AA" {
				t.Fatalf("RDE: %q", ack.Encode())
			}
			dc := "MSH|^~\\&|PHARMSYS|RIVERSIDE|EMAR|RIVERSIDE|20260314083500-0400||RDE^O11^RDE_O11|DS-0004|P|2.5.1\r" +
				"PID|1||00100003^^^RIVERSIDE^MR||Castillo^Rosa||19350108|F\rORC|DC|DS-ORD-3^EHR\rRXE||9910010071^Metoprolol tartrate 50 mg tablet^NDC|50||mg\rRXR|PO\r"
			if ack := send(t, dc); ack.Get("MSA-1") != "AA" {
				t.Fatalf("RDE DC: %q", ack.Encode())
			}
			for _, tc := range []struct {
				name, msg, code, where, contains string
			}{
				{"an unknown order", rds("DS-0010", "00100003^^^RIVERSIDE^MR", "RE|NO-SUCH^EHR", rxd), "204", "ORC^1^2", "no order has number"},
				{"an unknown patient", rds("DS-0011", "77700001^^^RIVERSIDE^MR", "RE|DS-ORD-1^EHR", rxd), "204", "PID^1^3", "no resident has MRN"},
				{"the MRN under another assigning authority", rds("DS-0012", "00100003^^^OTHERHOSP^MR", "RE|DS-ORD-1^EHR", rxd), "204", "PID^1^3", "nothing was merged"},
				{"another patient's order", rds("DS-0013", "00100001^^^RIVERSIDE^MR", "RE|DS-ORD-1^EHR", rxd), "204", "PID^1^3", "belongs to another patient"},
				{"another drug than ordered", rds("DS-0014", "00100003^^^RIVERSIDE^MR", "RE|DS-ORD-1^EHR",
					strings.Replace(rxd, "9910010000^Metoprolol tartrate 25 mg tablet", "9910010142^Lisinopril 10 mg tablet", 1)), "103", "RXD^1^2", "not the drug"},
				{"an amount in milligrams", rds("DS-0015", "00100003^^^RIVERSIDE^MR", "RE|DS-ORD-1^EHR", strings.Replace(rxd, "|30|TAB|", "|750|mg|", 1)), "103", "RXD^1^5", "units of use"},
				{"an expired lot", rds("DS-0016", "00100003^^^RIVERSIDE^MR", "RE|DS-ORD-1^EHR", strings.Replace(rxd, "|20271231", "|20260101", 1)), "207", "RXD^1^19", "expired"},
				{"a controlled substance without a lot", rds("DS-0018", "00100003^^^RIVERSIDE^MR", "RE|DS-ORD-2^EHR",
					"1|9910111268^Oxycodone 5 mg tablet^NDC|20260314084000-0400|10|TAB|TAB|RX-557"), "101", "RXD^1^18", "lot of a controlled substance"},
				{"a discontinued order", rds("DS-0019", "00100003^^^RIVERSIDE^MR", "RE|DS-ORD-3^EHR",
					strings.Replace(rxd, "9910010000^Metoprolol tartrate 25 mg tablet", "9910010071^Metoprolol tartrate 50 mg tablet", 1)), "207", "ORC^1^2", "discontinued"},
				{"a product named only in words", rds("DS-0020", "00100003^^^RIVERSIDE^MR", "RE|DS-ORD-1^EHR",
					strings.Replace(rxd, "9910010000^Metoprolol tartrate 25 mg tablet^NDC", "^Metoprolol tartrate 25 mg tablet", 1)), "101", "RXD^1^2", "needs a product code"},
				{"no RXD", strings.Replace(rds("DS-0017", "00100003^^^RIVERSIDE^MR", "RE|DS-ORD-1^EHR", rxd), "RXD|"+rxd+"\r", "", 1), "100", "RXD", "no RXD"},
			} {
				t.Run(tc.name+" is refused and records nothing", func(t *testing.T) {
					ack := send(t, tc.msg)
					where := strings.TrimRight(ack.Get("ERR-2.1")+"^"+ack.Get("ERR-2.2")+"^"+ack.Get("ERR-2.3"), "^")
					if ack.Get("MSA-1") != "AE" || ack.Get("ERR-3.1") != tc.code || ack.Get("ERR-3.3") != "HL70357" || where != tc.where ||
						!strings.Contains(ack.Get("ERR-8"), tc.contains) || ack.Get("MSH-9") != "RRD" {
						t.Fatalf("ack = %q", ack.Encode())
					}
					if n := len(dispenses(t)); n != 1 {
						t.Fatalf("%d dispenses", n)
					}
				})
			}
		})
	}
}
