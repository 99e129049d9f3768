package hl7map

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/emar-project/emar/mar/hl7"
)

// FuzzRDEToOrders runs arbitrary bytes through what the MLLP listener and
// the file import do before the database: split a file into messages,
// parse each, read it as an RDE and map every order group. Nothing may
// panic; a refusal must locate itself in the message.
func FuzzRDEToOrders(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.hl7"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, raw := range SplitMessages(data) {
			msg, err := hl7.Parse(raw)
			if err != nil {
				continue
			}
			rde, err := hl7.ParseRDE(msg, hl7.ParseOptions{})
			if err != nil {
				continue
			}
			occ := groupOccurrences(msg)
			for i, po := range rde.Orders {
				if i >= len(occ) {
					t.Fatalf("order %d has no segment group", i)
				}
				if _, e := externalOrder(rde, po, occ[i]); e != nil && e.Code == "" {
					t.Fatalf("refusal without an HL7 error code: %+v", e)
				}
			}
		}
	})
}

// FuzzFrequencyText maps arbitrary repeat patterns and explicit times.
func FuzzFrequencyText(f *testing.F) {
	for _, s := range []string{"Q6H", "BID", "Q1J135", "3ID", "QOD", "Q2D", "PRN", "QID&0900-1300-1700-2100", "C", "Q30M", "Q1L"} {
		f.Add(s, "0900")
	}
	f.Fuzz(func(t *testing.T, code, tm string) {
		_, _ = frequencyText(hl7.Timing{Repeat: []hl7.CWE{{Code: code}}, ExplicitTimes: []string{tm}})
		_ = frequencyFromText(code)
	})
}
