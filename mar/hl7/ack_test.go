package hl7

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var ackTime = time.Date(2026, 3, 14, 8, 30, 15, 0, time.FixedZone("", -5*3600))

func TestNewACKAnswersInTheSendersVersion(t *testing.T) {
	v251 := mustParse(t, fixture(t, "rde_o11_v251.hl7"))
	v23 := mustParse(t, fixture(t, "rde_o01_v23.hl7"))
	v27 := mustParse(t, lines(`MSH|^~\&#|LAB|H|EMAR|W|20260314||ADT^A08^ADT_A01|Q77|T|2.7`))
	pid3 := &Error{Segment: "PID", SeqInSegmentGroup: 1, Field: 3, Code: CodeRequiredFieldMissing, Message: "PID-3 (patient identifier list) is required"}
	tests := []struct {
		name string
		in   *Message
		code string
		err  *Error
		want string
	}{
		{
			name: "accept v2.5.1",
			in:   v251, code: AckAccept,
			want: "MSH|^~\\&|EMAR|STMARYS-4W|PHARMSYS|STMARYS|20260314083015-0500||ACK^O11^ACK|A1|P|2.5.1||||||UNICODE UTF-8\r" +
				"MSA|AA|RX20260314-0001\r",
		},
		{
			name: "error v2.5.1 goes in ERR-2, ERR-3, ERR-4 and ERR-8",
			in:   v251, code: AckError, err: pid3,
			want: "MSH|^~\\&|EMAR|STMARYS-4W|PHARMSYS|STMARYS|20260314083015-0500||ACK^O11^ACK|A1|P|2.5.1||||||UNICODE UTF-8\r" +
				"MSA|AE|RX20260314-0001|PID-3 (patient identifier list) is required\r" +
				"ERR||PID^1^3^1|101^Required field missing^HL70357|E||||PID-3 (patient identifier list) is required\r",
		},
		{
			name: "error v2.3 goes in ERR-1 and MSA-3",
			in:   v23, code: AckReject, err: &Error{Segment: "MSH", SeqInSegmentGroup: 1, Field: 12, Code: CodeUnsupportedVersion, Message: "version 2.3 is not supported"},
			want: "MSH|^~\\&|EMAR|GENHOSP|RXLEGACY|GENHOSP|20260314083015-0500||ACK^O01|A1|P|2.3||||||UNICODE UTF-8\r" +
				"MSA|AR|CDB22222|version 2.3 is not supported\r" +
				"ERR|MSH^1^12^203&Unsupported version id&HL70357\r",
		},
		{
			name: "v2.7 has no MSA-3 and keeps the truncation character",
			in:   v27, code: AckReject, err: &Error{Code: CodeUnsupportedProcessingID, Message: "training messages are not accepted"},
			want: "MSH|^~\\&#|EMAR|W|LAB|H|20260314083015-0500||ACK^A08^ACK|A1|T|2.7||||||UNICODE UTF-8\r" +
				"MSA|AR|Q77\r" +
				"ERR|||202^Unsupported processing id^HL70357|E||||training messages are not accepted\r",
		},
		{
			name: "error without details reports 207",
			in:   v251, code: AckError,
			want: "MSH|^~\\&|EMAR|STMARYS-4W|PHARMSYS|STMARYS|20260314083015-0500||ACK^O11^ACK|A1|P|2.5.1||||||UNICODE UTF-8\r" +
				"MSA|AE|RX20260314-0001|Application internal error\r" +
				"ERR|||207^Application internal error^HL70357|E||||Application internal error\r",
		},
		{
			name: "accept with an error is a warning",
			in:   v251, code: CommitAccept, err: &Error{Segment: "RXE", SeqInSegmentGroup: 2, Field: 27, Repetition: 2, Component: 1, Code: CodeTableValueNotFound, Message: "indication not coded"},
			want: "MSH|^~\\&|EMAR|STMARYS-4W|PHARMSYS|STMARYS|20260314083015-0500||ACK^O11^ACK|A1|P|2.5.1||||||UNICODE UTF-8\r" +
				"MSA|CA|RX20260314-0001|indication not coded\r" +
				"ERR||RXE^2^27^2^1|103^Table value not found^HL70357|W||||indication not coded\r",
		},
		{
			name: "unknown code is sent as a rejection",
			in:   v251, code: "OK",
			want: "MSH|^~\\&|EMAR|STMARYS-4W|PHARMSYS|STMARYS|20260314083015-0500||ACK^O11^ACK|A1|P|2.5.1||||||UNICODE UTF-8\r" +
				"MSA|AR|RX20260314-0001|Application internal error\r" +
				"ERR|||207^Application internal error^HL70357|E||||Application internal error\r",
		},
		{
			name: "unreadable message gets a minimal NAK",
			in:   nil, code: AckReject, err: &Error{Segment: "MSH", Code: CodeSegmentSequence, Message: "message does not start with an MSH segment"},
			want: "MSH|^~\\&|||||20260314083015-0500||ACK^^ACK|A1|P|2.5.1||||||UNICODE UTF-8\r" +
				"MSA|AR||message does not start with an MSH segment\r" +
				"ERR||MSH|100^Segment sequence error^HL70357|E||||message does not start with an MSH segment\r",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ack := NewACK(tt.in, tt.code, tt.err, "A1", ackTime)
			if got := string(ack.Encode()); got != tt.want {
				t.Errorf("ACK =\n%s\nwant\n%s", show(got), show(tt.want))
			}
		})
	}
}

func show(s string) string { return strings.ReplaceAll(s, "\r", "\n") }

func TestNewACKTextIsCheckedByCheckACK(t *testing.T) {
	in := mustParse(t, fixture(t, "rde_o11_v251.hl7"))
	e := &Error{Segment: "RXE", SeqInSegmentGroup: 2, Field: 2, Code: CodeRequiredFieldMissing, Message: "order 2: RXE-2 (give code) is required"}
	for _, version := range []string{"2.3", "2.5.1", "2.8"} {
		t.Run(version, func(t *testing.T) {
			_ = in.Set("MSH-12", version)
			ack := mustParse(t, NewACK(in, AckError, e, "A1", ackTime).Encode())
			err := CheckACK(ack, in.ControlID())
			var nak *NAKError
			if !errors.As(err, &nak) {
				t.Fatalf("CheckACK = %v, want a *NAKError", err)
			}
			got := nak.Errors[0]
			if nak.Code != AckError || got.Segment != "RXE" || got.SeqInSegmentGroup != 2 || got.Field != 2 || got.Code != "101" {
				t.Errorf("NAK = %+v, error %+v", nak, got)
			}
			if !strings.Contains(nak.Error(), "give code") || !strings.Contains(nak.Error(), "RXE[2]-2") {
				t.Errorf("NAK text = %q", nak.Error())
			}
		})
	}
	if err := CheckACK(mustParse(t, NewACK(in, AckAccept, nil, "A2", ackTime).Encode()), in.ControlID()); err != nil {
		t.Errorf("CheckACK(AA) = %v", err)
	}
	if err := CheckACK(mustParse(t, NewACK(in, AckAccept, nil, "A2", ackTime).Encode()), "other"); err == nil {
		t.Error("CheckACK accepted an ACK for another message")
	}
}

func TestNewRREAnswersEveryOrder(t *testing.T) {
	in := mustParse(t, fixture(t, "rde_o11_v251.hl7"))
	// Turn the second order into a discontinue request.
	_ = in.Segments("ORC")[1].SetField(1, NewField("DC"))
	tests := []struct {
		name, code string
		err        *Error
		want       string
	}{
		{
			name: "accepted", code: AckAccept,
			want: "MSH|^~\\&|EMAR|STMARYS-4W|PHARMSYS|STMARYS|20260314083015-0500||RRE^O12^RRE_O12|A1|P|2.5.1||||||UNICODE UTF-8\r" +
				"MSA|AA|RX20260314-0001\r" +
				"PID|1||4412-77^^^STMARYS^PI~00981123^^^STMARYS^MR||O'Neil^Margaret^Ann^^Mrs.^^L~Peg^^^^^^N||19410702|F|||12 Harbour Rd^^Portland^ME^04101^USA^H||^PRN^PH^^^207^5551234|||||ACC5523109\r" +
				"ORC|OK|ORD-558120^EHR|RX-99120^PHARMSYS\r" +
				"ORC|DR|ORD-558121^EHR|RX-99121^PHARMSYS\r",
		},
		{
			name: "refused", code: AckError, err: &Error{Segment: "RXE", SeqInSegmentGroup: 1, Field: 2, Code: CodeTableValueNotFound, Message: "NDC 00378-0018-01 is not in the formulary"},
			want: "MSH|^~\\&|EMAR|STMARYS-4W|PHARMSYS|STMARYS|20260314083015-0500||RRE^O12^RRE_O12|A1|P|2.5.1||||||UNICODE UTF-8\r" +
				"MSA|AE|RX20260314-0001|NDC 00378-0018-01 is not in the formulary\r" +
				"ERR||RXE^1^2^1|103^Table value not found^HL70357|E||||NDC 00378-0018-01 is not in the formulary\r" +
				"PID|1||4412-77^^^STMARYS^PI~00981123^^^STMARYS^MR||O'Neil^Margaret^Ann^^Mrs.^^L~Peg^^^^^^N||19410702|F|||12 Harbour Rd^^Portland^ME^04101^USA^H||^PRN^PH^^^207^5551234|||||ACC5523109\r" +
				"ORC|UA|ORD-558120^EHR|RX-99120^PHARMSYS\r" +
				"ORC|UD|ORD-558121^EHR|RX-99121^PHARMSYS\r",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(NewRRE(in, tt.code, tt.err, "A1", ackTime).Encode()); got != tt.want {
				t.Errorf("RRE =\n%s\nwant\n%s", show(got), show(tt.want))
			}
		})
	}
	t.Run("v2.3 RDE^O01 is answered with RRE^O02", func(t *testing.T) {
		rre := NewRRE(mustParse(t, fixture(t, "rde_o01_v23.hl7")), AckAccept, nil, "A1", ackTime)
		if got := rre.Get("MSH-9") + "^" + rre.Get("MSH-9.2") + "^" + rre.Get("MSH-9.3"); got != "RRE^O02^" {
			t.Errorf("MSH-9 = %s", got)
		}
		if rre.Get("ORC-1") != "OK" || rre.Get("ORC-2") != "1000" {
			t.Errorf("ORC = %s^%s", rre.Get("ORC-1"), rre.Get("ORC-2"))
		}
	})
}

func TestErrorMessageNamesTheLocation(t *testing.T) {
	e := &Error{Segment: "TQ1", SeqInSegmentGroup: 2, Field: 4, Repetition: 2, Component: 1, Code: CodeDataType, Message: "invalid explicit time", Err: errors.New(`time "2500" out of range`)}
	want := `hl7: TQ1[2]-4[2].1: invalid explicit time (102): time "2500" out of range`
	if e.Error() != want {
		t.Errorf("Error() = %q, want %q", e.Error(), want)
	}
	if (&Error{Code: CodeInternal}).Error() != "hl7: application internal error (207)" {
		t.Errorf("Error() = %q", (&Error{Code: CodeInternal}).Error())
	}
}
