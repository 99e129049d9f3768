package hl7

import "testing"

func BenchmarkParseRDE(b *testing.B) {
	raw := sendable(fixture(b, "rde_o11_v251.hl7"))
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		m, err := Parse(raw)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ParseRDE(m, ParseOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	m := mustParse(b, fixture(b, "rde_o11_v251.hl7"))
	b.ReportAllocs()
	for b.Loop() {
		_ = m.Encode()
	}
}
