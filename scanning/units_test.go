package scanning

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestAITableIsPrefixFreeAndComplete(t *testing.T) {
	// A GS1 element string can only be split if no AI is a prefix of
	// another one.
	for ai := range aiTable {
		for other := range aiTable {
			if ai != other && strings.HasPrefix(other, ai) {
				t.Errorf("AI %s is a prefix of AI %s", ai, other)
			}
		}
	}
	for _, tc := range []struct {
		ai         string
		min, max   int
		predefined bool
	}{
		{"00", 18, 18, true}, {"01", 14, 14, true}, {"10", 1, 20, false}, {"11", 6, 6, true},
		{"17", 6, 6, true}, {"21", 1, 20, false}, {"30", 1, 8, false}, {"3103", 6, 6, true},
		{"37", 1, 8, false}, {"240", 1, 30, false}, {"253", 13, 30, false}, {"410", 13, 13, true},
		{"421", 4, 12, false}, {"7003", 10, 10, false}, {"8018", 18, 18, false}, {"8017", 18, 18, false},
		{"7250", 8, 8, false}, {"8030", 1, 90, false}, {"99", 1, 90, false}, {"715", 1, 20, false},
	} {
		spec, ok := LookupAI(tc.ai)
		if !ok {
			t.Errorf("AI %s missing", tc.ai)
			continue
		}
		if spec.MinLen() != tc.min || spec.MaxLen() != tc.max || spec.Predefined != tc.predefined {
			t.Errorf("AI %s: len %d..%d predefined %v, want %d..%d %v", tc.ai,
				spec.MinLen(), spec.MaxLen(), spec.Predefined, tc.min, tc.max, tc.predefined)
		}
	}
	if len(aiTable) < 500 {
		t.Errorf("only %d AIs: the table should be complete", len(aiTable))
	}
}

func TestPredefinedLengthAIsMatchTheGS1List(t *testing.T) {
	// GS1 General Specifications figure 7.8.5-2: only AIs starting with
	// these two digits need no separator.
	prefixes := []string{"00", "01", "02", "03", "04", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20", "31", "32", "33", "34", "35", "36", "41"}
	for ai, spec := range aiTable {
		if spec.Predefined != slices.Contains(prefixes, ai[:2]) {
			t.Errorf("AI %s predefined = %v", ai, spec.Predefined)
		}
		if spec.Predefined && !spec.Fixed() {
			t.Errorf("AI %s is predefined but not fixed length", ai)
		}
	}
}

func TestNormalizeGTIN(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		err      error
	}{
		{"312345678906", "00312345678906", nil},
		{"0312345678906", "00312345678906", nil},
		{"96385074", "00000096385074", nil},
		{"50312345678901", "50312345678901", nil},
		{"312345678905", "", ErrCheckDigit},
		{"31234567890", "", ErrSyntax},
		{"3123456789O6", "", ErrSyntax},
	} {
		got, err := NormalizeGTIN(tc.in)
		if got != tc.want || !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
			t.Errorf("NormalizeGTIN(%q) = %q, %v; want %q, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestNDC(t *testing.T) {
	t.Run("found in GTIN with 03 after the indicator", func(t *testing.T) {
		for _, g := range []string{"00312345678906", "50312345678901", "312345678906", "0312345678906"} {
			if ndc, ok := NDCFromGTIN(g); !ok || ndc != "1234567890" {
				t.Errorf("NDCFromGTIN(%s) = %q, %v", g, ndc, ok)
			}
		}
		if _, ok := NDCFromGTIN("05901234123457"); ok {
			t.Error("an EAN from Poland carries no NDC")
		}
	})
	t.Run("normalize strips hyphens and checks the digit count", func(t *testing.T) {
		for in, want := range map[string]string{
			"12345-678-90": "1234567890", "12345-0678-90": "12345067890", "123456-7890-12": "123456789012",
			"1234567890": "1234567890", " 1234-5678-90 ": "1234567890",
		} {
			if got, err := NormalizeNDC(in); err != nil || got != want {
				t.Errorf("NormalizeNDC(%q) = %q, %v; want %q", in, got, err, want)
			}
		}
		for _, in := range []string{"123456789", "1234567890123", "12345-67-890", "1234A567890", "12-345-67890"} {
			if _, err := NormalizeNDC(in); !errors.Is(err, ErrSyntax) {
				t.Errorf("NormalizeNDC(%q) error = %v, want ErrSyntax", in, err)
			}
		}
	})
	t.Run("equal across 10, 11 and 12 digit forms", func(t *testing.T) {
		for _, tc := range []struct {
			a, b string
			want bool
		}{
			{"1234567890", "12345-0678-90", true},   // bare 10 (5-3-2 reading) vs billing 11
			{"1234567890", "12345-678-90", true},    // hyphens dropped
			{"12345-678-90", "12345067890", true},   // 5-3-2 padded to 5-4-2
			{"12345-678-90", "012345067890", true},  // and to the 6-4-2 form
			{"1234-5678-90", "01234-5678-90", true}, // 4-4-2 padded
			{"1234-5678-90", "12345-678-90", false}, // same digits, different products
			{"1234567890", "1234567891", false},
			{"bad", "bad", false},
		} {
			if got := NDCEqual(tc.a, tc.b); got != tc.want {
				t.Errorf("NDCEqual(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
			}
		}
	})
}

func TestHIBCCheckCharacter(t *testing.T) {
	if c, _ := hibcCheck("+A123BJC5D6E71"); c != 'G' {
		t.Errorf("check = %c, want G", c)
	}
	c, err := Parse("+A123BJC5D6E71/$$52001510X3C", testOptions())
	if err != nil {
		t.Fatal(err)
	}
	h := c.HIBC
	if h.LIC != "A123" || h.Product != "BJC5D6E7" || h.UnitOfMeasure != 1 || h.Lot != "10X3" || h.Expiry.String() != "2020-01-15" {
		t.Errorf("got %+v expiry %v", h, h.Expiry)
	}
}

func TestIDFormatValidation(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    IDFormat
		ok   bool
	}{
		{"prefix and pattern", IDFormat{Name: "a", Prefix: "MRN", Pattern: `(?P<mrn>\d+)`}, true},
		{"prefix only names one field", IDFormat{Name: "a", Prefix: "ID", Fields: []string{"mrn"}}, true},
		{"gs1 AI", IDFormat{Name: "a", AI: "8018"}, true},
		{"no name", IDFormat{Prefix: "MRN", Pattern: `(?P<mrn>\d+)`}, false},
		{"nothing to match", IDFormat{Name: "a"}, false},
		{"bad regexp", IDFormat{Name: "a", Pattern: `(?P<mrn>\d+`}, false},
		{"pattern without named group", IDFormat{Name: "a", Pattern: `\d+`}, false},
		{"fields disagree with pattern", IDFormat{Name: "a", Pattern: `(?P<mrn>\d+)`, Fields: []string{"id"}}, false},
		{"unknown AI", IDFormat{Name: "a", AI: "9999"}, false},
		{"AI with pattern", IDFormat{Name: "a", AI: "8018", Pattern: `(?P<x>.)`}, false},
		{"date of unknown field", IDFormat{Name: "a", Pattern: `(?P<mrn>\d+)`, Dates: map[string]string{"dob": "20060102"}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewIDFormat(tc.f)
			if (err == nil) != tc.ok {
				t.Fatalf("NewIDFormat = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrFormat) {
				t.Errorf("error %v is not ErrFormat", err)
			}
		})
	}
}

func TestIDFormatRestrictedToSymbology(t *testing.T) {
	o := testOptions()
	o.Wristbands = []IDFormat{MustIDFormat(IDFormat{Name: "band", Pattern: `(?P<mrn>[0-9]{8})`, Symbologies: []string{"]C0"}})}
	if c, err := Parse("]C012345670", o); err != nil || c.Kind != KindWristband {
		t.Errorf("Code 128 band: %+v, %v", c, err)
	}
	// The same digits from an EAN-8 symbol are a product.
	if c, err := Parse("]E412345670", o); err != nil || c.Kind != KindUPC {
		t.Errorf("EAN-8: %+v, %v", c, err)
	}
}

func TestTallyNeedsAgreeingReads(t *testing.T) {
	ean := func(text string) read { return read{format: 0, text: text} }
	t.Run("one read is not trusted", func(t *testing.T) {
		tl := newTally()
		if _, ok := tl.add(ean("5901234123457"), "g0:10"); ok {
			t.Fatal("a single read was trusted")
		}
	})
	t.Run("the same attempt twice is one read", func(t *testing.T) {
		tl := newTally()
		tl.add(ean("5901234123457"), "g0:10")
		if _, ok := tl.add(ean("5901234123457"), "g0:10"); ok {
			t.Fatal("a repeated attempt counted as a second read")
		}
	})
	t.Run("two independent agreeing reads are trusted", func(t *testing.T) {
		tl := newTally()
		tl.add(ean("5901234123457"), "g0:10")
		r, ok := tl.add(ean("5901234123457"), "h0:10")
		if !ok || r.text != "5901234123457" {
			t.Fatalf("got %v %v", r, ok)
		}
	})
	t.Run("a misread must be outvoted", func(t *testing.T) {
		tl := newTally()
		tl.add(ean("024523136138"), "g0:10") // checksum-valid misread
		tl.add(ean("024543136538"), "g0:20")
		if _, ok := tl.add(ean("024543136538"), "g0:30"); ok {
			t.Fatal("2 against 1 was trusted")
		}
		r, ok := tl.add(ean("024543136538"), "g0:40")
		if !ok || r.text != "024543136538" {
			t.Fatalf("3 against 1: got %v %v", r, ok)
		}
	})
}

func TestRowOrderCoversAllRowsCoarseToFine(t *testing.T) {
	for _, n := range []int{1, 2, 7, 100, 481} {
		for _, step := range []int{1, 3, 10} {
			rows := rowOrder(n, step)
			if n > 0 && rows[0] != n/2 {
				t.Errorf("n=%d: first row %d, want the middle", n, rows[0])
			}
			seen := map[int]bool{}
			for _, y := range rows {
				if y < 0 || y >= n || seen[y] {
					t.Fatalf("n=%d step=%d: bad or repeated row %d", n, step, y)
				}
				seen[y] = true
			}
			if step == 1 && len(rows) != n {
				t.Errorf("n=%d: %d rows, want all", n, len(rows))
			}
		}
	}
	if rows := rowOrder(100, 1); rows[1] != 0 && rows[1] != 99 && abs(rows[1]-50) < 25 {
		t.Errorf("second row %d is too close to the first", rows[1])
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
