package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/hl7"
	"github.com/emar-project/emar/mar/store/storetest"
)

// corpusDir holds HL7 v2 messages from public projects, each with its
// origin and licence in README.md, and expected.json: what intake must do
// with each.
const corpusDir = "../testdata/public/hl7"

// corpusExpectation is one message's expected outcome: the acknowledgement
// code, and for a refusal the table 0357 code, where and why; for an
// accepted message what the record must then hold.
type corpusExpectation struct {
	File string `json:"file"`
	ACK  string `json:"ack"` // AA, AE, AR
	// Refusals: ERR-3.1, ERR-2 as SEG^seq^field, and a phrase of ERR-8.
	Code   string `json:"code,omitempty"`
	Where  string `json:"where,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Category groups refusals for the report (unsupported message type,
	// reused control id, unknown product …).
	Category string `json:"category,omitempty"`
	// Patient that an accepted ADT leaves in the record.
	Patient *corpusPatient `json:"patient,omitempty"`
	// NoOrder is a placer order number a refused RDE must not have made.
	NoOrder string `json:"no_order,omitempty"`
}

// Every message of the public corpus goes through intake over real MLLP,
// in the order of expected.json, and is judged on its own: accepted with
// the right content, or refused with the stated table 0357 code, location
// and reason. The counts are logged.
func TestHL7PublicCorpus(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(corpusDir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []corpusExpectation
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatalf("expected.json: %v", err)
	}
	// Every message file is judged, and only files that exist are named.
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.hl7"))
	named := map[string]bool{}
	for _, c := range cases {
		named[c.File] = true
	}
	for _, f := range files {
		if !named[filepath.Base(f)] {
			t.Errorf("%s has no expectation in expected.json", filepath.Base(f))
		}
	}
	readme, _ := os.ReadFile(filepath.Join(corpusDir, "README.md"))
	for _, c := range cases {
		if !strings.Contains(string(readme), "`"+c.File+"`") {
			t.Errorf("%s has no source and licence line in README.md", c.File)
		}
	}

	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			env := testenv.Start(t, engine, testenv.Options{Now: time.Date(2026, 3, 14, 13, 0, 0, 0, time.UTC)})
			// The integration engineer's configuration for this feed: the
			// samples' assigning authority and the unit their PV1-3 names.
			env.Svc.Config.Identifiers = mar.IdentifierConfig{Authorities: map[string]string{"test1": corpusSystem}}
			corpusFixture(t, env)
			client := mllpPeer(t, env)
			counts := map[string]int{}
			for _, c := range cases {
				ok := t.Run(c.File, func(t *testing.T) {
					msg, err := os.ReadFile(filepath.Join(corpusDir, c.File))
					if err != nil {
						t.Fatal(err)
					}
					ack := sendRaw(t, client.Addr, msg)
					got := ack.Get("MSA-1")
					// From v2.5 the error is in ERR-2, -3 and -8; before, in
					// ERR-1 (segment^seq^field^code&text&table) and MSA-3.
					where := strings.TrimRight(ack.Get("ERR-2.1")+"^"+ack.Get("ERR-2.2")+"^"+ack.Get("ERR-2.3"), "^")
					code, table, reason := ack.Get("ERR-3.1"), ack.Get("ERR-3.3"), ack.Get("ERR-8")
					if ack.Get("ERR-1.4.1") != "" {
						where = strings.TrimRight(ack.Get("ERR-1.1")+"^"+ack.Get("ERR-1.2")+"^"+ack.Get("ERR-1.3"), "^")
						code, table, reason = ack.Get("ERR-1.4.1"), ack.Get("ERR-1.4.3"), ack.Get("MSA-3")
					}
					if got != c.ACK || code != c.Code || where != c.Where || !strings.Contains(reason, c.Reason) {
						t.Fatalf("got %s %s at %q (%s); want %s %s at %q (%q)\n%s", got, code, where, reason,
							c.ACK, c.Code, c.Where, c.Reason, strings.ReplaceAll(string(ack.Encode()), "\r", "\n"))
					}
					if c.ACK != hl7.AckAccept && table != "HL70357" {
						t.Errorf("the error code is not from table 0357: %q", ack.Encode())
					}
					if c.Patient != nil {
						checkCorpusPatient(t, env, *c.Patient)
					}
					if c.NoOrder != "" {
						_ = env.Store.InTx(context.Background(), func(tx mar.Tx) error {
							if o, err := tx.FindExternalOrder(env.Demo.Facility.ID, c.NoOrder, ""); err == nil {
								t.Errorf("the refused message made order %s (%s)", c.NoOrder, o.ID)
							}
							return nil
						})
					}
				})
				key := "accepted"
				if c.ACK != hl7.AckAccept {
					key = "refused (" + c.ACK + " " + c.Code + "): " + c.Category
				}
				if !ok {
					key = "FAILED: " + key
				}
				counts[key]++
			}
			var lines []string
			for k, n := range counts {
				lines = append(lines, fmt.Sprintf("%3d %s", n, k))
			}
			sort.Strings(lines)
			t.Logf("HL7 public corpus, %d messages:\n%s", len(cases), strings.Join(lines, "\n"))
		})
	}
}

// corpusSystem is the identifier system configured for the samples'
// assigning authority "test1" (universal id 2.16.1).
const corpusSystem = "urn:oid:2.16.1"

// corpusFixture adds what the hospital's own tables hold for the samples:
// the unit their PV1-3 names, and formulary products for the NDCs they
// order.
func corpusFixture(t *testing.T, env *testenv.Env) {
	t.Helper()
	fac := env.Demo.Facility.ID
	err := env.Store.InTx(context.Background(), func(tx mar.Tx) error {
		u := mar.Unit{ID: mar.NewID(), FacilityID: fac, Code: "HUH AE OMU", Name: "Homerton AE OMU", TimeZone: "Europe/London"}
		if err := tx.CreateUnit(&u); err != nil {
			return err
		}
		// Nicardipine 40 mg in 200 mL sodium chloride, premixed bag:
		// labeler 0143, product 9634, package 01 (NDC-11 00143-9634-01).
		p := mar.Product{ID: mar.NewID(), FacilityID: fac, Name: "Nicardipine 40 mg/200 mL in sodium chloride IV bag", Form: "solution", Routes: []string{"intravenous"},
			Ingredients: []mar.Ingredient{{Name: "nicardipine", StrengthValue: 0.2, StrengthUnit: "mg/mL"}}, HighAlert: mar.HighAlertNone,
			Packages: []mar.Package{{ID: mar.NewID(), GTIN: "00301439634018", NDC: "00143963401", Description: "200 mL bag", Quantity: 1}}}
		p.Packages[0].ProductID = p.ID
		return tx.CreateProduct(&p)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// sendRaw sends the file's bytes as they are in one MLLP frame (the client
// would refuse to send a message it cannot read itself) and reads the
// acknowledgement.
func sendRaw(t *testing.T, addr string, msg []byte) *hl7.Message {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if err := hl7.NewWriter(conn, 0).WriteFrame(msg); err != nil {
		t.Fatal(err)
	}
	raw, err := hl7.NewReader(conn, 0).ReadFrame()
	if err != nil {
		t.Fatal(err)
	}
	ack, err := hl7.Parse(raw)
	if err != nil {
		t.Fatalf("the acknowledgement does not parse: %v\n%q", err, raw)
	}
	return ack
}

// corpusPatient is what the record must hold about an admitted patient.
type corpusPatient struct {
	System, MRN, Family, Given, Middle, BirthDate, Sex, Unit string
}

// checkCorpusPatient reads the resident back from the database, by
// identifier system and value.
func checkCorpusPatient(t *testing.T, env *testenv.Env, want corpusPatient) {
	t.Helper()
	err := env.Store.InTx(context.Background(), func(tx mar.Tx) error {
		rs, err := tx.ResidentsWithMRN(env.Demo.Facility.ID, want.MRN)
		if err != nil {
			return err
		}
		for _, r := range rs {
			if r.MRNSystem != want.System {
				continue
			}
			u, err := tx.GetUnit(r.UnitID)
			if err != nil {
				return err
			}
			got := corpusPatient{System: r.MRNSystem, MRN: r.MRN, Family: r.FamilyName, Given: r.GivenName, Middle: r.MiddleName,
				BirthDate: r.BirthDate, Sex: r.Sex, Unit: u.Code}
			if got != want {
				t.Errorf("patient = %+v; want %+v", got, want)
			}
			return nil
		}
		t.Errorf("no resident %s|%s in the record", want.System, want.MRN)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
