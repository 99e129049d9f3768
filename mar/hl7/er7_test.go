package hl7

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func TestParseReadsStructure(t *testing.T) {
	m := mustParse(t, lines(
		`MSH|^~\&|SEND|FAC|RECV|RFAC|20260314083012||RDE^O11^RDE_O11|CTRL1|P|2.5.1`,
		`PID|1||A1^^^H^PI~M22^^^H^MR||Doe^Jane&Q^M||19800101|F`,
		`RXR|PO^Oral`,
		`RXR|IV^Intravenous^HL70162|LA`,
	))
	tests := []struct{ path, want string }{
		{"MSH-1", "|"},
		{"MSH-2", `^~\&`},
		{"MSH-3", "SEND"},
		{"MSH-9", "RDE"},
		{"MSH-9.2", "O11"},
		{"MSH-9.3", "RDE_O11"},
		{"MSH-12", "2.5.1"},
		{"PID-3", "A1"},
		{"PID-3[2].1", "M22"},
		{"PID-3[2].5", "MR"},
		{"PID-3[3].1", ""},
		{"PID-5.2", "Jane"},
		{"PID-5.2.2", "Q"},
		{"PID-5.9", ""},
		{"PID-40", ""},
		{"RXR-1.2", "Oral"},
		{"RXR[2]-1.1", "IV"},
		{"RXR[2]-2", "LA"},
		{"RXR[3]-1", ""},
		{"OBX-1", ""},
		{"not a path", ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if got := m.Get(tt.path); got != tt.want {
				t.Errorf("Get(%q) = %q, want %q", tt.path, got, tt.want)
			}
		})
	}
	if got := len(m.Segments("RXR")); got != 2 {
		t.Errorf("Segments(RXR) = %d, want 2", got)
	}
	if got := m.Segment("PID").Field(3).Rep(2).Value(4); got != "H" {
		t.Errorf("PID-3[2].4 via accessors = %q", got)
	}
	if got := m.Segment("PID").Get("3[2].1"); got != "M22" {
		t.Errorf("Segment.Get = %q", got)
	}
	code, trigger, structure := m.Type()
	if code != "RDE" || trigger != "O11" || structure != "RDE_O11" || m.ControlID() != "CTRL1" || m.Version() != "2.5.1" {
		t.Errorf("header accessors = %s %s %s %s %s", code, trigger, structure, m.ControlID(), m.Version())
	}
}

func TestParseAcceptsAnySegmentTerminator(t *testing.T) {
	base := fixture(t, "rde_o11_v251.hl7")
	want := mustParse(t, base)
	for name, sep := range map[string]string{"CR": "\r", "LF": "\n", "CRLF": "\r\n", "CR with blank lines": "\r\r\r"} {
		t.Run(name, func(t *testing.T) {
			data := strings.ReplaceAll(string(base), "\n", sep)
			got := mustParse(t, []byte(data))
			if !reflect.DeepEqual(got, want) {
				t.Errorf("parse with %q terminators differs", sep)
			}
		})
	}
	t.Run("no terminator after the last segment", func(t *testing.T) {
		got := mustParse(t, bytes.TrimRight(base, "\n"))
		if !reflect.DeepEqual(got, want) {
			t.Error("differs")
		}
	})
	t.Run("leading newline and byte order mark", func(t *testing.T) {
		got := mustParse(t, append([]byte("\ufeff\r\n"), base...))
		if !reflect.DeepEqual(got, want) {
			t.Error("differs")
		}
	})
}

func TestParseUsesDeclaredDelimiters(t *testing.T) {
	tests := []struct {
		name   string
		msg    []byte
		delims Delimiters
		checks map[string]string
		// exact: Encode reproduces the input. A literal truncation
		// character does not survive: Encode writes it as \P\.
		exact bool
	}{
		{
			name:   "v2.7 truncation character",
			msg:    lines(`MSH|^~\&#|A|B|C|D|20260101||ADT^A08^ADT_A01|X|P|2.7`, `PID|1||123^^^H^MR||Smith#^Jo\P\e`),
			delims: Delimiters{'|', '^', '~', '\\', '&', '#'},
			checks: map[string]string{"PID-5.1": "Smith#", "PID-5.2": "Jo#e", "MSH-2": `^~\&#`},
		},
		{
			name:   "unusual characters",
			msg:    lines(`MSH*:@!%*A*B*C*D*20260101**ADT:A08*X*P*2.5`, `PID*1**123:::H:MR@456**Smith:Jo%Ann*!F!x!S!`),
			delims: Delimiters{'*', ':', '@', '!', '%', 0},
			checks: map[string]string{"MSH-9.2": "A08", "PID-3[2]": "456", "PID-5.2.2": "Ann", "PID-6": "*x:", "MSH-1": "*", "MSH-2": ":@!%"},
			exact:  true,
		},
		{
			name:   "pipes inside values are escapes, not separators",
			msg:    lines(`MSH|^~\&|A|B|C|D|20260101||ADT^A08|X|P|2.5`, `NTE|1||a\F\b\S\c\R\d\E\e\T\f`),
			delims: DefaultDelimiters,
			checks: map[string]string{"NTE-3": `a|b^c~d\e&f`},
			exact:  true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, tt.msg)
			if m.Delimiters() != tt.delims {
				t.Errorf("Delimiters = %+v, want %+v", m.Delimiters(), tt.delims)
			}
			for p, want := range tt.checks {
				if got := m.Get(p); got != want {
					t.Errorf("Get(%q) = %q, want %q", p, got, want)
				}
			}
			// Re-encoding keeps the sender's delimiters.
			if got := string(m.Encode()); tt.exact && got != string(tt.msg) {
				t.Errorf("Encode =\n%q\nwant\n%q", got, tt.msg)
			}
		})
	}
}

func TestParseRejectsBadInput(t *testing.T) {
	tests := []struct {
		name  string
		data  string
		code  string
		seg   string
		field int
	}{
		{"empty", "", CodeSegmentSequence, "MSH", 0},
		{"only whitespace", " \r\n", CodeSegmentSequence, "MSH", 0},
		{"no MSH", "PID|1||123\r", CodeSegmentSequence, "MSH", 0},
		{"MSH not first", "EVN|A01\rMSH|^~\\&|A\r", CodeSegmentSequence, "MSH", 0},
		{"truncated before field separator", "MSH", CodeRequiredFieldMissing, "MSH", 1},
		{"truncated in encoding characters", "MSH|^~", CodeDataType, "MSH", 2},
		{"encoding characters too long", "MSH|^~\\&#$|A", CodeDataType, "MSH", 2},
		{"delimiter declared twice", "MSH|^^\\&|A|B\r", CodeDataType, "MSH", 2},
		{"letter as delimiter", "MSH|^~\\a|A\r", CodeDataType, "MSH", 2},
		{"field separator is a letter", "MSHX^~\\&XA\r", CodeDataType, "MSH", 2},
		{"space as delimiter", "MSH|^~\\ |A\r", CodeDataType, "MSH", 2},
		{"lower-case segment", "MSH|^~\\&|A\rpid|1\r", CodeSegmentSequence, "", 0},
		{"long segment name", "MSH|^~\\&|A\rPIDX|1\r", CodeSegmentSequence, "", 0},
		{"two messages in one", "MSH|^~\\&|A\rPID|1\rMSH|^~\\&|B\r", CodeSegmentSequence, "MSH", 0},
		{"binary garbage", "\x00\x01\x02MSH", CodeSegmentSequence, "MSH", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.data))
			if err == nil {
				t.Fatal("Parse succeeded")
			}
			e := asError(t, err)
			if e.Code != tt.code || e.Segment != tt.seg || e.Field != tt.field {
				t.Errorf("error = %+v (%v), want code %s at %s-%d", e, e, tt.code, tt.seg, tt.field)
			}
		})
	}
}

func TestParseEnforcesLimits(t *testing.T) {
	head := "MSH|^~\\&|A|B|C|D|20260101||ADT^A08|X|P|2.5\r"
	tests := []struct {
		name string
		data string
		lim  Limits
	}{
		{"oversized", head + "NTE|1||" + strings.Repeat("x", 2000) + "\r", Limits{MaxSize: 1024}},
		{"too many segments", head + strings.Repeat("NTE|1\r", 11), Limits{MaxSegments: 10}},
		{"too many fields", head + "NTE" + strings.Repeat("|", 21) + "\r", Limits{MaxFields: 20}},
		{"separator bomb", head + "NTE|" + strings.Repeat("^~&", 400) + "\r", Limits{MaxValues: 1000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseWith([]byte(tt.data), ParseOptions{Limits: tt.lim})
			if e := asError(t, err); e.Code != CodeInternal {
				t.Errorf("code = %s, want 207", e.Code)
			}
		})
	}
	t.Run("default size limit is 1 MiB", func(t *testing.T) {
		big := head + "OBX|1|ED|||" + strings.Repeat("A", DefaultMaxSize) + "\r"
		if _, err := Parse([]byte(big)); err == nil {
			t.Error("accepted a message over 1 MiB")
		}
		ok := head + "OBX|1|ED|||" + strings.Repeat("A", DefaultMaxSize-200) + "\r"
		if _, err := Parse([]byte(ok)); err != nil {
			t.Errorf("refused a message under 1 MiB: %v", err)
		}
	})
}

func TestEncodeRoundTrips(t *testing.T) {
	for _, name := range []string{"rde_o11_v251.hl7", "rde_o11_iv.hl7", "rde_o01_v23.hl7", "adt_a01.hl7", "adt_a02.hl7", "adt_a03.hl7", "adt_a08_v24.hl7"} {
		t.Run(name, func(t *testing.T) {
			m := mustParse(t, fixture(t, name))
			again := mustParse(t, m.Encode())
			if !reflect.DeepEqual(m, again) {
				t.Errorf("Parse(Encode(m)) != m")
			}
		})
	}
	t.Run("wire form without formatting escapes is reproduced byte for byte", func(t *testing.T) {
		raw := sendable(fixture(t, "adt_a01.hl7"))
		if got := mustParse(t, raw).Encode(); !bytes.Equal(got, raw) {
			t.Errorf("Encode =\n%q\nwant\n%q", got, raw)
		}
	})
}

func TestEncodeEscapesValues(t *testing.T) {
	m := NewMessage(MessageHeader{SendingApplication: "EMAR", Type: "ADT", Trigger: "A08", ControlID: "1"})
	pid := m.AddSegment("PID")
	values := map[string]string{
		"3":      `a|b^c~d\e&f`,
		"5.1":    "line one\r\nline two",
		"5.2":    "tab\there",
		"6":      "\x0b\x1c framing",
		"7":      "",
		"8":      `""`,
		"9[3]":   "third repetition",
		"10.1.3": "sub 3",
	}
	for p, v := range values {
		if err := pid.Set(p, v); err != nil {
			t.Fatal(err)
		}
	}
	enc := m.Encode()
	if bytes.ContainsAny(enc, "\n\x0b\x1c") || bytes.Count(enc, []byte("\r")) != 2 {
		t.Fatalf("encoded message has raw control characters: %q", enc)
	}
	got := mustParse(t, enc)
	if !reflect.DeepEqual(got, m) {
		t.Errorf("round trip differs:\n%q", enc)
	}
	for p, v := range values {
		if g := got.Segment("PID").Get(p); g != v {
			t.Errorf("PID-%s = %q, want %q", p, g, v)
		}
	}
	if !strings.Contains(string(enc), `PID|||a\F\b\S\c\R\d\E\e\T\f|`) {
		t.Errorf("delimiters not escaped as \\F\\ \\S\\ \\R\\ \\E\\ \\T\\: %q", enc)
	}
}

func TestSetBuildsMissingParts(t *testing.T) {
	m := NewMessage(MessageHeader{Type: "ADT", Trigger: "A01", ControlID: "C1"})
	m.AddSegment("PID")
	for p, v := range map[string]string{"PID-3[2].5": "MR", "PID-3[2].1": "42", "PID-5.1.2": "van"} {
		if err := m.Set(p, v); err != nil {
			t.Fatal(err)
		}
	}
	if got := string(m.Encode()); !strings.HasSuffix(got, "PID|||~42^^^^MR||&van\r") {
		t.Errorf("Encode = %q", got)
	}
	for _, tt := range []struct{ path, why string }{
		{"PV1-3", "segment missing"},
		{"MSH-1", "delimiters"},
		{"MSH-2", "delimiters"},
		{"PID-0", "field 0"},
		{"PID-3[0]", "repetition 0"},
		{"PID3", "no dash"},
	} {
		if err := m.Set(tt.path, "x"); err == nil {
			t.Errorf("Set(%q) succeeded; want an error (%s)", tt.path, tt.why)
		}
	}
}

func TestSetDelimitersChangesEncoding(t *testing.T) {
	m := mustParse(t, lines(`MSH|^~\&|A|B|C|D|20260101||ADT^A08|X|P|2.5`, `PID|1||1^^^H^MR||O'Brien^Pat`))
	d := Delimiters{'!', '^', '~', '\\', '&', '#'}
	if err := m.SetDelimiters(d); err != nil {
		t.Fatal(err)
	}
	if got := m.Get("MSH-2"); got != `^~\&#` {
		t.Errorf("MSH-2 = %q", got)
	}
	want := "MSH!^~\\&#!A!B!C!D!20260101!!ADT^A08!X!P!2.5\rPID!1!!1^^^H^MR!!O'Brien^Pat\r"
	if got := string(m.Encode()); got != want {
		t.Errorf("Encode = %q", got)
	}
	if err := m.SetDelimiters(Delimiters{'|', '|', '~', '\\', '&', 0}); err == nil {
		t.Error("accepted duplicate delimiters")
	}
}

func TestAddSegmentPanicsOnBadName(t *testing.T) {
	for _, name := range []string{"pid", "PI", "PIDX", "1AB", ""} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			(&Message{delims: DefaultDelimiters}).AddSegment(name)
		})
	}
}

func TestZSegmentsArePreserved(t *testing.T) {
	m := mustParse(t, fixture(t, "rde_o11_v251.hl7"))
	if got := m.Get("ZRX-1"); got != "UNITDOSE" {
		t.Errorf("ZRX-1 = %q", got)
	}
}

func TestZeroMessageUsesDefaultDelimiters(t *testing.T) {
	var m Message
	m.AddSegment("MSH")
	_ = m.Set("MSH-9", "ACK")
	if got := string(m.Encode()); got != "MSH|^~\\&|||||||ACK\r" {
		t.Errorf("Encode = %q", got)
	}
}

func TestFieldAccessorsTolerateMissingParts(t *testing.T) {
	m := mustParse(t, lines(`MSH|^~\&|A`, `PID|1||a^b&c~d`))
	pid := m.AllSegments()[1]
	if pid.Name() != "PID" || pid.NumFields() != 3 {
		t.Errorf("segment = %s with %d fields", pid.Name(), pid.NumFields())
	}
	f := pid.Field(3)
	if got := f.Encode(m.Delimiters()); got != "a^b&c~d" {
		t.Errorf("Encode = %q", got)
	}
	if f.Rep(0) != nil || f.Rep(3) != nil || f.Rep(1).Comp(9) != nil || f.Rep(1).Comp(2).Sub(3) != "" || pid.Field(0) != nil {
		t.Error("out-of-range accessors returned something")
	}
	if f.Empty() || !pid.Field(2).Empty() || !pid.Field(40).Empty() {
		t.Error("Empty is wrong")
	}
}
