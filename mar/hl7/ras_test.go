package hl7

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// golden compares got with testdata/name, or rewrites the file with -update.
// Golden HL7 is stored with \n segment ends so that diffs are readable.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	got = bytes.ReplaceAll(got, []byte("\r"), []byte("\n"))
	path := filepath.Join("testdata", name)
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

func sampleAdministration(t *testing.T) Administration {
	est := time.FixedZone("", -5*3600)
	rde, err := ParseRDE(mustParse(t, fixture(t, "rde_o11_v251.hl7")), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	order := rde.Orders[0]
	return Administration{
		ControlID:            "EMAR-7f3c2a",
		SendingApplication:   "EMAR",
		SendingFacility:      "STMARYS-4W",
		ReceivingApplication: "PHARMSYS",
		ReceivingFacility:    "STMARYS",
		MessageTime:          time.Date(2026, 3, 14, 9, 4, 30, 0, est),
		PatientMRN:           "00981123",
		PatientMRNAuthority:  "STMARYS",
		PatientName:          Name{Family: "O'Neil", Given: "Margaret", Middle: "Ann"},
		BirthDate:            "1941-07-02",
		Sex:                  "F",
		PatientClass:         "I",
		Location:             PatientLocation{PointOfCare: "4W", Room: "412", Bed: "B", Facility: "STMARYS"},
		PlacerOrder:          order.PlacerOrder,
		FillerOrder:          order.FillerOrder,
		Order:                &order,
		StartedAt:            time.Date(2026, 3, 14, 9, 2, 11, 0, est),
		RecordedAt:           time.Date(2026, 3, 14, 9, 4, 28, 0, est),
		Product:              CWE{Code: "00378001801", Text: "Metoprolol tartrate 25 mg tablet", System: "NDC"},
		Amount:               25,
		Units:                CWE{Code: "mg", Text: "milligram", System: "UCUM"},
		DosageForm:           CWE{Code: "TAB", Text: "Tablet", System: "HL70292"},
		Notes:                []string{"HR 72, BP 128/76 before dose", "Patient asked: is this the \"heart pill\"? | yes"},
		Performer:            Provider{ID: "N4471", Family: "Lindqvist", Given: "Anna", Degree: "RN"},
		Witness:              Provider{ID: "N5120", Family: "Baptiste", Given: "Marc", Degree: "RN"},
		Lot:                  "M25A&014",
		Expiry:               "2027-08-31",
		Outcome:              OutcomeGiven,
		Route:                CWE{Code: "PO", Text: "Oral", System: "HL70162"},
	}
}

func TestEncodeRASMatchesGolden(t *testing.T) {
	m, err := EncodeRAS(sampleAdministration(t))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "ras_o17.golden.hl7", m.Encode())
}

func TestEncodeRASFillsTheStandardFields(t *testing.T) {
	a := sampleAdministration(t)
	m, err := EncodeRAS(a)
	if err != nil {
		t.Fatal(err)
	}
	m = mustParse(t, m.Encode())
	for path, want := range map[string]string{
		"MSH-3":       "EMAR",
		"MSH-5":       "PHARMSYS",
		"MSH-7":       "20260314090430-0500",
		"MSH-9":       "RAS",
		"MSH-9.2":     "O17",
		"MSH-9.3":     "RAS_O17",
		"MSH-10":      "EMAR-7f3c2a",
		"MSH-12":      "2.5.1",
		"PID-3.1":     "00981123",
		"PID-3.4":     "STMARYS",
		"PID-3.5":     "MR",
		"PID-5.1":     "O'Neil",
		"PID-7":       "19410702",
		"PV1-2":       "I",
		"PV1-3.1":     "4W",
		"PV1-3.3":     "B",
		"ORC-1":       "RE",
		"ORC-2":       "ORD-558120",
		"ORC-3.2":     "PHARMSYS",
		"ORC-9":       "20260314090428-0500",
		"RXE-2.3":     "NDC",
		"TQ1-3.1.2":   "twice a day",
		"TQ1-4[2]":    "2100",
		"RXR[1]-1":    "PO",
		"RXA-1":       "0",
		"RXA-2":       "1",
		"RXA-3":       "20260314090211-0500",
		"RXA-4":       "20260314090211-0500",
		"RXA-5.1":     "00378001801",
		"RXA-5.3":     "NDC",
		"RXA-6":       "25",
		"RXA-7":       "mg",
		"RXA-8":       "TAB",
		"RXA-9[1].2":  "HR 72, BP 128/76 before dose",
		"RXA-9[2].2":  `Patient asked: is this the "heart pill"? | yes`,
		"RXA-9[3].2":  "Witnessed by Marc Baptiste (N5120)",
		"RXA-10.1":    "N4471",
		"RXA-10.7":    "RN",
		"RXA-10[2].1": "N5120",
		"RXA-11.2":    "412",
		"RXA-15":      "M25A&014",
		"RXA-16":      "20270831",
		"RXA-18":      "",
		"RXA-20":      "CP",
		"RXA-21":      "A",
		"RXA-22":      "20260314090428-0500",
		"RXR[2]-1":    "PO",
		"RXR[2]-1.2":  "Oral",
		"RXR[3]-1":    "",
	} {
		if got := m.Get(path); got != want {
			t.Errorf("%s = %q, want %q", path, got, want)
		}
	}
}

func TestEncodeRASReportsOutcomes(t *testing.T) {
	refusal := CWE{Code: "00", Text: "Patient refused", System: "NIP002"}
	held := CWE{Code: "HR<60", Text: "Held: heart rate 54", System: "L"}
	tests := []struct {
		name  string
		edit  func(a *Administration)
		check map[string]string
	}{
		{"given", func(a *Administration) {}, map[string]string{"RXA-20": "CP", "RXA-21": "A", "RXA-6": "25", "RXA-18": ""}},
		{"partial", func(a *Administration) { a.Outcome, a.Amount = OutcomePartial, 12.5 },
			map[string]string{"RXA-20": "PA", "RXA-6": "12.5"}},
		{"refused puts the reason in RXA-18", func(a *Administration) { a.Outcome, a.Reason = OutcomeRefused, refusal },
			map[string]string{"RXA-20": "RE", "RXA-6": "0", "RXA-18": "00", "RXA-18.2": "Patient refused", "RXA-9[1].2": "HR 72, BP 128/76 before dose"}},
		{"held puts the reason first in RXA-9", func(a *Administration) { a.Outcome, a.Reason = OutcomeHeld, held },
			map[string]string{"RXA-20": "NA", "RXA-6": "0", "RXA-9[1].1": "HR<60", "RXA-9[1].2": "Held: heart rate 54", "RXA-18": ""}},
		{"not given", func(a *Administration) { a.Outcome, a.Reason = OutcomeNotGiven, CWE{Text: "Drug not available"} },
			map[string]string{"RXA-20": "NA", "RXA-9[1].2": "Drug not available"}},
		{"entered in error deletes the earlier report", func(a *Administration) {
			a.Outcome, a.Reason = OutcomeEnteredInError, CWE{Text: "Charted on the wrong patient"}
		}, map[string]string{"RXA-20": "CP", "RXA-21": "D", "RXA-9[1].2": "Charted on the wrong patient"}},
		{"entered in error of a refusal", func(a *Administration) {
			a.Outcome, a.ErroneousOutcome = OutcomeEnteredInError, OutcomeRefused
		}, map[string]string{"RXA-20": "RE", "RXA-21": "D"}},
		{"update", func(a *Administration) { a.Update = true }, map[string]string{"RXA-21": "U"}},
		{"no order copy", func(a *Administration) { a.Order = nil }, map[string]string{"RXE-2": "", "TQ1-1": "", "RXR-1": "PO", "RXR[2]-1": ""}},
		{"end time and sequence", func(a *Administration) {
			a.EndedAt, a.Sequence = a.StartedAt.Add(30*time.Minute), 3
		}, map[string]string{"RXA-4": "20260314093211-0500", "RXA-2": "3"}},
		{"site", func(a *Administration) {
			a.Order, a.Route, a.Site = nil, CWE{Code: "SC"}, CWE{Code: "LA", Text: "Left arm", System: "HL70163"}
		}, map[string]string{"RXR-1": "SC", "RXR-2": "LA", "RXR-2.2": "Left arm"}},
		{"defaults", func(a *Administration) {
			a.MessageTime, a.PatientClass, a.Witness = time.Time{}, "", Provider{}
		}, map[string]string{"MSH-7": "20260314090428-0500", "PV1-2": "U", "RXA-10[2]": "", "RXA-9[3].2": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := sampleAdministration(t)
			tt.edit(&a)
			m, err := EncodeRAS(a)
			if err != nil {
				t.Fatal(err)
			}
			m = mustParse(t, m.Encode())
			for path, want := range tt.check {
				if got := m.Get(path); got != want {
					t.Errorf("%s = %q, want %q", path, got, want)
				}
			}
		})
	}
}

func TestEncodeRASRefusesIncompleteAdministrations(t *testing.T) {
	tests := []struct {
		name, want string
		edit       func(a *Administration)
	}{
		{"no control id", "ControlID", func(a *Administration) { a.ControlID = "" }},
		{"no MRN", "PatientMRN", func(a *Administration) { a.PatientMRN = "" }},
		{"no start", "StartedAt", func(a *Administration) { a.StartedAt = time.Time{} }},
		{"no product", "Product", func(a *Administration) { a.Product = CWE{System: "NDC"} }},
		{"no route", "Route", func(a *Administration) { a.Route = CWE{} }},
		{"unknown outcome", "Outcome", func(a *Administration) { a.Outcome = "given-ish" }},
		{"bad erroneous outcome", "ErroneousOutcome", func(a *Administration) {
			a.Outcome, a.ErroneousOutcome = OutcomeEnteredInError, OutcomeEnteredInError
		}},
		{"bad expiry", "Expiry", func(a *Administration) { a.Expiry = "08/2027" }},
		{"bad birth date", "BirthDate", func(a *Administration) { a.BirthDate = "1941-02-30" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := sampleAdministration(t)
			tt.edit(&a)
			if _, err := EncodeRAS(a); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("EncodeRAS error = %v, want one naming %s", err, tt.want)
			}
		})
	}
}

func TestEncodeRASEchoesTheOrderAsParsed(t *testing.T) {
	a := sampleAdministration(t)
	m, err := EncodeRAS(a)
	if err != nil {
		t.Fatal(err)
	}
	// Read the ENCODING group back with ParseRDE: make it look like an RDE
	// and drop the administration.
	m = mustParse(t, m.Encode())
	_ = m.Set("MSH-9", "RDE")
	_ = m.Set("MSH-9.2", "O11")
	_ = m.Set("ORC-1", "NW")
	rxa := 0
	for i, s := range m.segs {
		if s.name == "RXA" {
			rxa = i
		}
	}
	m.segs = m.segs[:rxa]
	got, err := ParseRDE(m, ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	o := got.Orders[0]
	want := *a.Order
	for _, f := range []struct {
		name      string
		got, want any
	}{
		{"GiveCode", o.GiveCode, want.GiveCode},
		{"GiveAmountMin", o.GiveAmountMin, want.GiveAmountMin},
		{"GiveUnits", o.GiveUnits, want.GiveUnits},
		{"DosageForm", o.DosageForm, want.DosageForm},
		{"AdministrationInstructions", o.AdministrationInstructions, want.AdministrationInstructions},
		{"PharmacyInstructions", o.PharmacyInstructions, want.PharmacyInstructions},
		{"GiveStrength", o.GiveStrength, want.GiveStrength},
		{"GiveIndications", o.GiveIndications, want.GiveIndications},
		{"Routes", o.Routes, want.Routes},
		{"Timing", o.Timing, want.Timing},
	} {
		if !reflect.DeepEqual(f.got, f.want) {
			t.Errorf("%s = %+v, want %+v", f.name, f.got, f.want)
		}
	}
}
