package hl7map

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/demo"
	"github.com/emar-project/emar/mar/hl7"
	"github.com/emar-project/emar/mar/store"
	"github.com/emar-project/emar/mar/store/storetest"
)

type fixture struct {
	st       *store.Store
	svc      *mar.Service
	h        *Handler
	facility mar.Facility
	units    map[string]mar.Unit
	products map[string]mar.Product
}

var testNow = time.Date(2026, 3, 14, 13, 0, 0, 0, time.UTC)

// testIdentifiers maps the assigning authorities the sample messages use.
// STMARYS is the record's own MRN system (the residents below are in it);
// OTHERHOSP is another hospital's.
var testIdentifiers = mar.IdentifierConfig{Authorities: map[string]string{
	"STMARYS": mar.DefaultMRNSystem, "X": mar.DefaultMRNSystem, "USVHA": mar.DefaultMRNSystem, "USSSA": "http://hl7.org/fhir/sid/us-ssn",
	"OTHERHOSP": "urn:oid:2.16.840.1.113883.19.99",
}}

// newFixture is the demo facility plus what the sample messages name:
// units 4W and CCU, products with real-world NDCs and a VistA local code,
// and (unless bare) the residents the orders are for.
func newFixture(t *testing.T, engine string, withResidents bool) *fixture {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t, engine)
	sum, err := demo.Load(ctx, st, testNow)
	if err != nil {
		t.Fatal(err)
	}
	svc := mar.NewService(st, nil)
	svc.Clock = mar.ClockFunc(func() time.Time { return testNow })
	svc.Config.Identifiers = testIdentifiers
	f := &fixture{st: st, svc: svc, facility: sum.Facility, units: map[string]mar.Unit{}, products: map[string]mar.Product{}}
	f.h = &Handler{Svc: svc, Channel: "test", Application: "EMAR", Facility: "RIVERSIDE"}
	err = st.InTx(ctx, func(tx mar.Tx) error {
		for _, code := range []string{"4W", "CCU"} {
			u := mar.Unit{ID: mar.NewID(), FacilityID: sum.Facility.ID, Code: code, Name: code, TimeZone: "America/New_York"}
			if err := tx.CreateUnit(&u); err != nil {
				return err
			}
			f.units[code] = u
		}
		for _, p := range []struct {
			key, name, form, ingredient, unit, ndc, routes string
			strength                                       float64
		}{
			{"metoprolol", "Metoprolol tartrate 25 mg tablet", "tablet", "metoprolol tartrate", "mg", "0378001801", "oral", 25},
			{"acetaminophen", "Acetaminophen 500 mg tablet", "tablet", "acetaminophen", "mg", "50580044901", "oral", 500},
			{"oseltamivir", "Oseltamivir 75 mg capsule", "capsule", "oseltamivir", "mg", "5456948880", "oral", 75},
			{"digoxin", "Digoxin 125 mcg tablet", "tablet", "digoxin", "mcg", "0143124001", "oral", 125},
			{"lopressor", "Lopressor 50 mg tablet", "tablet", "metoprolol tartrate", "mg", "0186108835", "oral", 50},
		} {
			gtin := demoGTIN(p.ndc)
			prod := mar.Product{ID: mar.NewID(), FacilityID: sum.Facility.ID, Name: p.name, Form: p.form, Routes: strings.Split(p.routes, ","),
				Ingredients: []mar.Ingredient{{Name: p.ingredient, StrengthValue: p.strength, StrengthUnit: p.unit}}, HighAlert: mar.HighAlertNone,
				Packages: []mar.Package{{ID: mar.NewID(), GTIN: gtin, NDC: p.ndc, Quantity: 1}}}
			if err := tx.CreateProduct(&prod); err != nil {
				return err
			}
			f.products[p.key] = prod
		}
		if err := tx.AddProductCode(sum.Facility.ID, f.products["digoxin"].ID, "99PSD", "1234"); err != nil {
			return err
		}
		if !withResidents {
			return nil
		}
		for _, r := range []mar.Resident{
			{MRN: "00981123", FamilyName: "O'Neil", GivenName: "Margaret", BirthDate: "1941-07-02", Sex: "female", UnitID: f.units["4W"].ID},
			{MRN: "EM010000008000000", FamilyName: "ZZEDConner", GivenName: "Dean", BirthDate: "1981-06-11", Sex: "male", UnitID: f.units["4W"].ID},
			{MRN: "555444444", FamilyName: "Everywoman", GivenName: "Eve", BirthDate: "1962-03-20", Sex: "female", UnitID: f.units["CCU"].ID},
		} {
			r.ID, r.FacilityID, r.WristbandID, r.Status, r.AdmittedAt = mar.NewID(), sum.Facility.ID, r.MRN, mar.Admitted, testNow.Add(-48*time.Hour)
			r.MRNSystem = mar.DefaultMRNSystem
			if err := tx.CreateResident(&r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func demoGTIN(ndc string) string {
	if len(ndc) == 10 {
		return demo.GTIN(ndc)
	}
	// An 11-digit NDC rides in a GTIN without the padding zero; any valid
	// GTIN does for the test.
	return demo.GTIN(ndc[:5] + ndc[6:])
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (f *fixture) send(t *testing.T, raw []byte) (*hl7.Message, Outcome) {
	t.Helper()
	msg, err := hl7.Parse(raw)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return f.h.Handle(context.Background(), msg)
}

func (f *fixture) orders(t *testing.T) []mar.Order {
	t.Helper()
	var out []mar.Order
	err := f.st.InTx(context.Background(), func(tx mar.Tx) error {
		var err error
		out, err = tx.ListOrders(mar.OrderFilter{FacilityID: f.facility.ID})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var ext []mar.Order
	for _, o := range out {
		if o.Source == "hl7" {
			ext = append(ext, o)
		}
	}
	sort.Slice(ext, func(i, j int) bool { return ext[i].ExternalID < ext[j].ExternalID })
	return ext
}

// Orders from several real-world senders land as pending orders that say
// exactly what was ordered.
func TestRDEFromOtherSystemsBecomesPendingOrders(t *testing.T) {
	tests := []struct {
		file    string
		product []string // per order
		dose    []float64
		unit    []string
		freq    []string
		prn     []bool
	}{
		{"rde_o11_two_orders.hl7", []string{"metoprolol", "acetaminophen"}, []float64{25, 500}, []string{"mg", "mg"},
			[]string{"BID at 09:00, 21:00", "PRN every 6 hours"}, []bool{false, true}},
		{"rde_o11_nhapi_style.hl7", []string{"oseltamivir"}, []float64{75}, []string{"mg"}, []string{"BID at 09:00, 21:00 for 5 days"}, []bool{false}},
		{"rde_o11_vista_zrx.hl7", []string{"digoxin"}, []float64{125}, []string{"mcg"}, []string{"QID at 09:00, 13:00, 17:00, 21:00"}, []bool{false}},
		{"rde_o01_v23.hl7", []string{"lopressor"}, []float64{50}, []string{"mg"}, []string{"00:00, 06:00, 12:00, 18:00"}, []bool{false}},
	}
	for _, engine := range storetest.Engines(t) {
		for _, tt := range tests {
			t.Run(engine+"/"+tt.file, func(t *testing.T) {
				f := newFixture(t, engine, true)
				ack, out := f.send(t, readFixture(t, tt.file))
				if out.Code != hl7.AckAccept {
					t.Fatalf("ack %s: %s\n%s", out.Code, out.Err, bytes.ReplaceAll(ack.Encode(), []byte("\r"), []byte("\n")))
				}
				got := f.orders(t)
				if len(got) != len(tt.product) {
					t.Fatalf("%d orders, want %d", len(got), len(tt.product))
				}
				for i, o := range got {
					if o.Status != mar.OrderPending || o.ProductID != f.products[tt.product[i]].ID || o.DoseValue != tt.dose[i] ||
						o.DoseUnit != tt.unit[i] || o.Route != "oral" || o.PRN != tt.prn[i] || !strings.Contains(o.Frequency, tt.freq[i]) {
						t.Errorf("order %d: %+v\nwant product %s dose %v %s freq %q prn %v", i, o, tt.product[i], tt.dose[i], tt.unit[i], tt.freq[i], tt.prn[i])
					}
					if o.ExternalID == "" {
						t.Errorf("order %d keeps no placer number", i)
					}
				}
				if ack.Get("MSA-1") != "AA" || ack.Get("MSA-2") != out.ControlID {
					t.Errorf("ack MSA: %q %q", ack.Get("MSA-1"), ack.Get("MSA-2"))
				}
				if tt.file == "rde_o11_nhapi_style.hl7" {
					// Its AL1 reports a penicillin allergy the record lacked.
					var r mar.Resident
					_ = f.st.InTx(context.Background(), func(tx mar.Tx) error {
						r, _ = tx.GetResident(got[0].ResidentID)
						return nil
					})
					if len(r.Allergies) != 1 || r.Allergies[0].Substance != "penicillin" || r.Allergies[0].Severity != "moderate" {
						t.Errorf("reported allergies: %+v", r.Allergies)
					}
				}
			})
		}
	}
}

// withControlID gives a changed message its own MSH-10: the same control
// id with other content is refused as a reused id.
func withControlID(t *testing.T, raw []byte, id string) []byte {
	t.Helper()
	m, err := hl7.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Set("MSH-10", id); err != nil {
		t.Fatal(err)
	}
	return m.Encode()
}

func replaceLine(raw []byte, prefix, line string) []byte {
	segs := strings.Split(strings.ReplaceAll(string(raw), "\n", "\r"), "\r")
	for i, s := range segs {
		if strings.HasPrefix(s, prefix) {
			segs[i] = line
			break
		}
	}
	return []byte(strings.Join(segs, "\r"))
}

// Bad messages are refused with an ERR that names the segment, field and
// HL7 error code, and nothing of them is stored.
func TestBadRDEIsRefusedNamingTheFieldAndStoresNothing(t *testing.T) {
	two := readFixture(t, "rde_o11_two_orders.hl7")
	tests := []struct {
		name              string
		raw               []byte
		ack               string
		seg               string
		seq, field        string
		code              string
		wantMessageSubstr string
	}{
		{"unknown product code", replaceLine(two, "RXE||50580", "RXE||99999-9999-99^Unobtainium 1 mg^NDC|500|1000|mg|TAB"), "AE", "RXE", "2", "2", "103", "no catalogue product"},
		{"unknown patient", replaceLine(two, "PID|", "PID|1||77777777^^^STMARYS^MR||Nobody^No||19410702|F"), "AE", "PID", "1", "3", "204", "MRN"},
		{"missing give code", replaceLine(two, "RXE||50580", "RXE|||500|1000|mg|TAB"), "AE", "RXE", "2", "2", "101", ""},
		{"unknown route", replaceLine(two, "RXR|PO", "RXR|XYZ^Through the ear lobe^HL70162"), "AE", "RXR", "1", "1", "103", "route"},
		{"unreadable timing", replaceLine(two, "TQ1|1||Q6H", "TQ1|1||FORTNIGHTLY-ISH&whenever&HL70335"), "AE", "TQ1", "3", "3", "103", ""},
		{"unknown order control", replaceLine(two, "ORC|NW|ORD-558121", "ORC|ZZ|ORD-558121^EHR|RX-99121^PHARMSYS"), "AE", "ORC", "2", "1", "103", "order control"},
	}
	for _, engine := range storetest.Engines(t) {
		for _, tt := range tests {
			t.Run(engine+"/"+tt.name, func(t *testing.T) {
				f := newFixture(t, engine, true)
				ack, out := f.send(t, tt.raw)
				if out.Code != tt.ack {
					t.Fatalf("ack %s, want %s (%v)", out.Code, tt.ack, out.Err)
				}
				if got := ack.Get("ERR-2.1") + "-" + ack.Get("ERR-2.2") + "-" + ack.Get("ERR-2.3"); got != tt.seg+"-"+tt.seq+"-"+tt.field {
					t.Errorf("ERR-2 %s, want %s-%s-%s (%v)", got, tt.seg, tt.seq, tt.field, out.Err)
				}
				if got := ack.Get("ERR-3"); got != tt.code {
					t.Errorf("ERR-3 %s, want %s (%v)", got, tt.code, out.Err)
				}
				if !strings.Contains(ack.Get("ERR-8"), tt.wantMessageSubstr) {
					t.Errorf("ERR-8 %q lacks %q", ack.Get("ERR-8"), tt.wantMessageSubstr)
				}
				if n := len(f.orders(t)); n != 0 {
					t.Errorf("%d orders stored from a refused message", n)
				}
			})
		}
	}
}

// Malformed input never reaches the record: the file import answers AR.
func TestMalformedMessagesAreRejected(t *testing.T) {
	f := newFixture(t, "sqlite", true)
	big := append([]byte("MSH|^~\\&|A|B|C|D|20260314||RDE^O11|BIG1|P|2.5.1\rNTE|1||"), bytes.Repeat([]byte("x"), 2<<20)...)
	for name, raw := range map[string][]byte{
		"wrong delimiters": []byte("MSH^~|\\&^A^B^C^D^20260314^^RDE|O11^X1^P^2.5.1\rPID^1"),
		"not HL7":          []byte("{\"resourceType\":\"Patient\"}"),
		"oversized":        big,
	} {
		t.Run(name, func(t *testing.T) {
			res := f.h.ImportFile(context.Background(), raw)
			if len(res) == 0 {
				t.Fatal("no answer")
			}
			if res[0].Outcome.Code != hl7.AckReject {
				t.Fatalf("ack %s, want AR (%v)", res[0].Outcome.Code, res[0].Outcome.Err)
			}
			ack, err := hl7.Parse(res[0].ACK)
			if err != nil || ack.Get("MSA-1") != "AR" || ack.Segment("ERR") == nil {
				t.Fatalf("ack %q", res[0].ACK)
			}
		})
	}
	if n := len(f.orders(t)); n != 0 {
		t.Fatalf("%d orders", n)
	}
}

// The second order of a message failing leaves the first unstored too:
// one transaction per message.
func TestOneTransactionPerMessage(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			f := newFixture(t, engine, true)
			raw := replaceLine(readFixture(t, "rde_o11_two_orders.hl7"), "RXE||50580", "RXE||12345-6789-01^Unknown^NDC|500||mg|TAB")
			ack, out := f.send(t, raw)
			if out.Code != hl7.AckError || ack.Get("ERR-2.2") != "2" {
				t.Fatalf("ack %s ERR-2 %s-%s", out.Code, ack.Get("ERR-2.1"), ack.Get("ERR-2.2"))
			}
			if got := ack.Segments("ORC"); len(got) != 2 || ack.Get("ORC-1") != "UA" {
				t.Fatalf("RRE should refuse both orders: %q", ack.Encode())
			}
			if n := len(f.orders(t)); n != 0 {
				t.Fatalf("%d orders stored", n)
			}
		})
	}
}

func orderMsg(control, placer, filler, rxe, tq1 string) []byte {
	lines := []string{
		"MSH|^~\\&|PHARMSYS|STMARYS|EMAR|STMARYS|20260314083012-0500||RDE^O11^RDE_O11|" + control + placer + filler + "|P|2.5.1",
		"PID|1||00981123^^^STMARYS^MR||O'Neil^Margaret",
		"ORC|" + control + "|" + placer + "^EHR|" + filler + "^PHARMSYS||||||20260314082500-0500|||1447^Whitfield^Sarah^^^Dr^MD||||||HOLD FOR PROCEDURE",
	}
	if rxe != "" {
		lines = append(lines, rxe)
	} else {
		lines = append(lines, "RXE||00378-0018-01^Metoprolol^NDC|25||mg")
	}
	if tq1 != "" {
		lines = append(lines, tq1)
	}
	lines = append(lines, "RXR|PO")
	return []byte(strings.Join(lines, "\r"))
}

// XO, HD, RL and DC find the order by its placer or filler number.
func TestControlCodesFindTheOrder(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			f := newFixture(t, engine, true)
			f.svc.Config.Pharmacy.AutoVerifyExternal = true
			steps := []struct {
				raw    []byte
				status mar.OrderStatus
				dose   float64
			}{
				{orderMsg("NW", "P-1", "F-1", "", "TQ1|1||BID||||20260314090000-0500"), mar.OrderActive, 25},
				{orderMsg("XO", "P-1", "", "RXE||00378-0018-01^Metoprolol^NDC|50||mg", "TQ1|1||BID"), mar.OrderActive, 50},
				{orderMsg("HD", "", "F-1", "", ""), mar.OrderOnHold, 50},
				{orderMsg("RL", "P-1", "", "", ""), mar.OrderActive, 50},
				{orderMsg("DC", "P-1", "F-1", "", ""), mar.OrderDiscontinued, 50},
			}
			for i, st := range steps {
				_, out := f.send(t, st.raw)
				if out.Code != hl7.AckAccept {
					t.Fatalf("step %d: %s %v", i, out.Code, out.Err)
				}
				got := f.orders(t)
				if len(got) != 1 || got[0].Status != st.status || got[0].DoseValue != st.dose {
					t.Fatalf("step %d: %+v", i, got)
				}
			}
			// A second NW with the same placer number is a duplicate.
			ack, out := f.send(t, orderMsg("NW", "P-1", "F-9", "", "TQ1|1||BID"))
			if out.Code != hl7.AckError || ack.Get("ERR-3") != "205" || ack.Get("ERR-2.3") != "2" {
				t.Fatalf("duplicate NW: %s %v", out.Code, out.Err)
			}
			// DC of an unknown order names ORC-2.
			ack, out = f.send(t, orderMsg("DC", "NOPE", "", "", ""))
			if out.Code != hl7.AckError || ack.Get("ERR-3") != "204" || ack.Get("ERR-2.1") != "ORC" {
				t.Fatalf("DC unknown: %s %v", out.Code, out.Err)
			}
		})
	}
}

// ADT keeps residents, wristbands and units right; a discharged resident
// gets no new orders.
func TestADTAdmitTransferUpdateDischarge(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			f := newFixture(t, engine, false)
			resident := func() mar.Resident {
				var r mar.Resident
				_ = f.st.InTx(context.Background(), func(tx mar.Tx) error {
					rs, err := tx.ResidentsWithMRN(f.facility.ID, "00981123")
					if len(rs) == 1 {
						r = rs[0]
					}
					return err
				})
				return r
			}
			_, out := f.send(t, readFixture(t, "adt_a01.hl7"))
			if out.Code != hl7.AckAccept {
				t.Fatalf("A01: %v", out.Err)
			}
			r := resident()
			if r.UnitID != f.units["4W"].ID || r.Room != "412" || r.Bed != "B" || r.Status != mar.Admitted || r.FamilyName != "O'Neil" ||
				r.BirthDate != "1941-07-02" || r.Sex != "female" || len(r.Allergies) != 1 || r.Allergies[0].Severity != "severe" {
				t.Fatalf("after A01: %+v", r)
			}
			if _, out = f.send(t, readFixture(t, "adt_a02.hl7")); out.Code != hl7.AckAccept {
				t.Fatalf("A02: %v", out.Err)
			}
			if r = resident(); r.UnitID != f.units["CCU"].ID || r.Room != "03" {
				t.Fatalf("after A02: %+v", r)
			}
			if _, out = f.send(t, readFixture(t, "adt_a08_v24.hl7")); out.Code != hl7.AckAccept {
				t.Fatalf("A08: %v", out.Err)
			}
			if r = resident(); len(r.Allergies) != 2 || r.Room != "05" {
				t.Fatalf("after A08: %+v", r)
			}
			if _, out = f.send(t, readFixture(t, "adt_a03.hl7")); out.Code != hl7.AckAccept {
				t.Fatalf("A03: %v", out.Err)
			}
			if r = resident(); r.Status != mar.Discharged || r.DischargedAt == nil {
				t.Fatalf("after A03: %+v", r)
			}
			ack, out := f.send(t, readFixture(t, "rde_o11_two_orders.hl7"))
			if out.Code != hl7.AckError || ack.Get("ERR-2.1") != "PID" {
				t.Fatalf("order for a discharged resident: %s %v", out.Code, out.Err)
			}
			// A transfer to a unit the record does not know names PV1-3.
			raw := withControlID(t, replaceLine(readFixture(t, "adt_a01.hl7"), "PV1|", "PV1|1|I|NOWHERE^1^A"), "A01-NOWHERE")
			ack, out = f.send(t, raw)
			if out.Code != hl7.AckError || ack.Get("ERR-2.1") != "PV1" || ack.Get("ERR-2.3") != "3" || ack.Get("ERR-3") != "103" {
				t.Fatalf("unknown unit: %s %v", out.Code, out.Err)
			}
		})
	}
}

func TestUnsupportedMessageTypeIsRejected(t *testing.T) {
	f := newFixture(t, "sqlite", true)
	ack, out := f.send(t, []byte("MSH|^~\\&|LAB|X|EMAR|X|20260314||ORU^R01^ORU_R01|L1|P|2.5.1\rPID|1||00981123^^^X^MR"))
	if out.Code != hl7.AckReject || ack.Get("ERR-3") != "200" {
		t.Fatalf("%s %v", out.Code, out.Err)
	}
}

// A bare 10-digit NDC may be any of three 11-digit NDCs: when the catalogue
// holds two of them, the order is refused rather than matched to either;
// the hyphenated form names one and is taken.
func TestAmbiguousBareNDCIsRefused(t *testing.T) {
	f := newFixture(t, "sqlite", true)
	ids := map[string]string{}
	err := f.st.InTx(context.Background(), func(tx mar.Tx) error {
		for i, ndc := range []string{"01234567890", "12345067890"} { // 4-4-2 and 5-3-2 readings of 1234567890
			p := mar.Product{ID: mar.NewID(), FacilityID: f.facility.ID, Name: "Product " + ndc, Form: "tablet", Routes: []string{"oral"},
				Ingredients: []mar.Ingredient{{Name: "testol", StrengthValue: 10, StrengthUnit: "mg"}}, HighAlert: mar.HighAlertNone,
				Packages: []mar.Package{{ID: mar.NewID(), GTIN: demo.GTIN("555000000" + string(rune('1'+i))), NDC: ndc, Quantity: 1}}}
			if err := tx.CreateProduct(&p); err != nil {
				return err
			}
			ids[ndc] = p.ID
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, code, ack, errCode, product string
	}{
		{"bare 10 digits naming two products", "1234567890", hl7.AckError, hl7.CodeInternal, ""},
		{"hyphenated 4-4-2", "1234-5678-90", hl7.AckAccept, "", "01234567890"},
		{"hyphenated 5-3-2", "12345-678-90", hl7.AckAccept, "", "12345067890"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := orderMsg("NW", "AMB-"+tc.code, "", "RXE||"+tc.code+"^Testol^NDC|10||mg", "TQ1|1||BID")
			ack, out := f.send(t, raw)
			if out.Code != tc.ack || ack.Get("ERR-3.1") != tc.errCode {
				t.Fatalf("ack %s %v", out.Code, out.Err)
			}
			if tc.errCode != "" && (ack.Get("ERR-2.1") != "RXE" || ack.Get("ERR-2.3") != "2" || !strings.Contains(out.Err.Message, "names 2 catalogue products")) {
				t.Fatalf("error = %v at %s", out.Err, ack.Get("ERR-2"))
			}
			if tc.product != "" && (len(out.Orders) != 1 || out.Orders[0].Order.ProductID != ids[tc.product]) {
				t.Fatalf("orders %+v; want product %s", out.Orders, tc.product)
			}
		})
	}
}

// RXE-6 carries the dosage form in: it can make the product's split rule
// stricter, never looser. An order the sender verified that needs a
// fraction the form does not allow waits for a pharmacist, who sees why.
func TestRXEDosageFormTightensTheSplitRule(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			f := newFixture(t, engine, true)
			f.svc.Config.Pharmacy.AutoVerifyExternal = true
			scored := mar.Product{ID: mar.NewID(), FacilityID: f.facility.ID, Name: "Carvedilol 25 mg scored tablet", Form: "tablet", Routes: []string{"oral"},
				Ingredients: []mar.Ingredient{{Name: "carvedilol", StrengthValue: 25, StrengthUnit: "mg"}}, HighAlert: mar.HighAlertNone, Splitting: mar.SplitHalf,
				Packages: []mar.Package{{ID: mar.NewID(), GTIN: demoGTIN("0093751401"), NDC: "0093751401", Quantity: 1}}}
			if err := f.st.InTx(context.Background(), func(tx mar.Tx) error { return tx.CreateProduct(&scored) }); err != nil {
				t.Fatal(err)
			}
			cases := []struct {
				name, rxe string
				form      string // stored on the order
				status    mar.OrderStatus
			}{
				{"half a scored tablet sent as a tablet", "RXE||0093-7514-01^Carvedilol^NDC|12.5||mg|TAB^Tablet^HL70292", "TAB Tablet", mar.OrderActive},
				{"half a scored tablet sent as delayed-release", "RXE||0093-7514-01^Carvedilol^NDC|12.5||mg|TBEC^Tablet, delayed release^HL70292", "TBEC Tablet, delayed release", mar.OrderPending},
				{"a whole tablet sent as delayed-release", "RXE||0093-7514-01^Carvedilol^NDC|25||mg|TBEC^Tablet, delayed release^HL70292", "TBEC Tablet, delayed release", mar.OrderActive},
				{"half a capsule", "RXE||54569-4888-0^Oseltamivir^NDC|37.5||mg|CAP^Capsule^HL70292", "CAP Capsule", mar.OrderPending},
				{"half a tablet nobody said is scored", "RXE||00378-0018-01^Metoprolol^NDC|12.5||mg", "", mar.OrderPending},
			}
			for i, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					placer := "DF-" + string(rune('A'+i))
					if _, out := f.send(t, orderMsg("NW", placer, "", tc.rxe, "TQ1|1||BID")); out.Code != hl7.AckAccept {
						t.Fatalf("%s %v", out.Code, out.Err)
					}
					var o mar.Order
					for _, got := range f.orders(t) {
						if got.ExternalID == placer {
							o = got
						}
					}
					if o.Status != tc.status || o.DoseForm != tc.form {
						t.Fatalf("order: status %s, dose form %q; want %s, %q", o.Status, o.DoseForm, tc.status, tc.form)
					}
					queue, err := f.svc.VerificationQueue(context.Background(), mar.Identity{User: mar.User{ID: mar.NewID(), FacilityID: f.facility.ID, Role: mar.RolePharmacist}})
					if err != nil {
						t.Fatal(err)
					}
					problem := ""
					for _, it := range queue {
						if it.Order.ID == o.ID {
							problem = it.DoseFormProblem
						}
					}
					if (o.Status == mar.OrderPending) != (problem != "") {
						t.Errorf("queue: dose-form problem %q for a %s order", problem, o.Status)
					}
				})
			}
		})
	}
}

// An order the sender verified can be given the moment its message is
// acknowledged: NW, XO and RL write its doses in the message's
// transaction, HD suspends them; no schedule job runs here.
func TestMessagesLeaveAnActiveOrderWithDoses(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			f := newFixture(t, engine, true)
			f.svc.Config.Pharmacy.AutoVerifyExternal = true
			steps := []struct {
				raw       []byte
				scheduled int // future doses scheduled after the message (BID over 48 h: 4)
			}{
				{orderMsg("NW", "P-7", "", "", "TQ1|1||BID"), 4},
				{orderMsg("XO", "P-7", "", "RXE||00378-0018-01^Metoprolol^NDC|50||mg", "TQ1|1||BID"), 4},
				{orderMsg("HD", "P-7", "", "", ""), 0},
				{orderMsg("RL", "P-7", "", "", ""), 4},
			}
			for i, st := range steps {
				if _, out := f.send(t, st.raw); out.Code != hl7.AckAccept {
					t.Fatalf("step %d: %s %v", i, out.Code, out.Err)
				}
				o := f.orders(t)[0]
				var doses []mar.ScheduledDose
				if err := f.st.InTx(context.Background(), func(tx mar.Tx) error {
					var err error
					doses, err = tx.ListDoses(mar.DoseFilter{OrderID: o.ID, DueFrom: testNow, Statuses: []mar.DoseStatus{mar.DoseScheduled}})
					return err
				}); err != nil {
					t.Fatal(err)
				}
				if len(doses) != st.scheduled {
					t.Errorf("step %d (%s order, %v mg): %d future doses scheduled, want %d", i, o.Status, o.DoseValue, len(doses), st.scheduled)
				}
			}
		})
	}
}
