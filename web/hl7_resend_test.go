package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emar-project/emar/internal/fhirvalidate"
	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/hl7"
	"github.com/emar-project/emar/mar/store/storetest"
)

// An interface engine that lost an ACK sends the message again: it gets
// the first ACK again and nothing changes twice. The same MSH-10 with other
// content, and a message without MSH-10, are refused (AR). Over real MLLP.
func TestHL7ResendGetsTheFirstAcknowledgement(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			env := testenv.Start(t, engine, testenv.Options{Now: time.Date(2026, 3, 14, 13, 0, 0, 0, time.UTC)})
			env.Svc.Config.Identifiers = mar.IdentifierConfig{Authorities: map[string]string{"RIVERSIDE": mar.DefaultMRNSystem}}
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
			rde := "MSH|^~\\&|PHARMSYS|RIVERSIDE|EMAR|RIVERSIDE|20260314083000-0400||RDE^O11^RDE_O11|RS-0001|P|2.5.1\r" +
				"PID|1||00100003^^^RIVERSIDE^MR||Castillo^Rosa||19350108|F\r" +
				"ORC|NW|RS-ORD-1^EHR|RS-RX-1^PHARMSYS\r" +
				"RXE|^BID^^20260314090000-0400|9910010000^Metoprolol tartrate 25 mg tablet^NDC|25||mg\r" +
				"RXR|PO\r"
			ordersFor := func(t *testing.T, placer string) int {
				t.Helper()
				var list struct {
					Items []struct {
						Order struct {
							ExternalID string `json:"external_id"`
						} `json:"order"`
					} `json:"items"`
				}
				ph.JSON("GET", "/api/v1/pharmacy/queue", nil, &list)
				n := 0
				for _, o := range list.Items {
					if o.Order.ExternalID == placer {
						n++
					}
				}
				return n
			}

			first := send(t, rde)
			if first.Get("MSA-1") != "AA" {
				t.Fatalf("first copy: %q", first.Encode())
			}
			t.Run("a resend of the same message gets the first ACK and changes nothing", func(t *testing.T) {
				env.Clock.Advance(time.Minute)
				// Engines resend with \n or \r\n terminators too: the same message.
				again := send(t, strings.ReplaceAll(rde, "\r", "\r\n"))
				if !bytes.Equal(again.Encode(), first.Encode()) {
					t.Fatalf("resend ACK differs:\n%q\nfirst:\n%q", again.Encode(), first.Encode())
				}
				if n := ordersFor(t, "RS-ORD-1"); n != 1 {
					t.Fatalf("%d orders RS-ORD-1 after a resend; want 1", n)
				}
			})
			t.Run("the same MSH-10 with other content is refused", func(t *testing.T) {
				other := strings.Replace(strings.Replace(rde, "RS-ORD-1", "RS-ORD-2", 1), "|25||mg", "|50||mg", 1)
				ack := send(t, other)
				if ack.Get("MSA-1") != "AR" || ack.Get("ERR-2.1") != "MSH" || ack.Get("ERR-2.3") != "10" || ack.Get("ERR-3.1") != "205" {
					t.Fatalf("ack = %q", ack.Encode())
				}
				if n := ordersFor(t, "RS-ORD-2"); n != 0 {
					t.Fatalf("the refused message made %d orders", n)
				}
			})
			t.Run("a message without MSH-10 is refused", func(t *testing.T) {
				conn, err := net.Dial("tcp", client.Addr)
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close()
				_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
				noID := strings.Replace(strings.Replace(rde, "|RS-0001|", "||", 1), "RS-ORD-1", "RS-ORD-3", 1)
				if err := hl7.NewWriter(conn, 0).WriteFrame([]byte(noID)); err != nil {
					t.Fatal(err)
				}
				raw, err := hl7.NewReader(conn, 0).ReadFrame()
				if err != nil {
					t.Fatal(err)
				}
				ack, err := hl7.Parse(raw)
				if err != nil {
					t.Fatal(err)
				}
				if ack.Get("MSA-1") != "AR" || ack.Get("ERR-2.1") != "MSH" || ack.Get("ERR-2.3") != "10" || ack.Get("ERR-3.1") != "101" {
					t.Fatalf("ack = %q", ack.Encode())
				}
				if n := ordersFor(t, "RS-ORD-3"); n != 0 {
					t.Fatalf("the refused message made %d orders", n)
				}
			})
		})
	}
}

// An ADT in 8859/1 and one in UTF-8 are stored as the same text, read back
// over FHIR; PID-5 given and middle names stay apart; every ACK declares
// the character set it is written in. Over real MLLP and HTTP.
func TestHL7CharacterSetsAndNames(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			env := testenv.Start(t, engine, testenv.Options{Now: time.Date(2026, 3, 14, 13, 0, 0, 0, time.UTC)})
			env.Svc.Config.Identifiers = mar.IdentifierConfig{Authorities: map[string]string{"RIVERSIDE": mar.DefaultMRNSystem}}
			client := mllpPeer(t, env)
			charge := env.Login(t, "charge")
			adt := func(ctl, charset, mrn string, name []byte) []byte {
				b := []byte("MSH|^~\\&|ADT|RIVERSIDE|EMAR|RIVERSIDE|20260314083000-0400||ADT^A01^ADT_A01|" + ctl + "|P|2.5.1||||||" + charset + "\r" +
					"EVN|A01|20260314083000-0400\rPID|1||" + mrn + "^^^RIVERSIDE^MR||")
				b = append(b, name...)
				return append(b, []byte("||19400101|F\rPV1|1|I|MAPLE^110^A\r")...)
			}
			for _, tc := range []struct {
				name, charset, mrn string
				pid5               []byte
				family             string
				given              []string
			}{
				{"8859/1", "8859/1", "CS-1", []byte{'M', 0xfc, 'l', 'l', 'e', 'r', '^', 'J', 'o', 's', 0xe9, '^', 'M', 'a', 'r', 0xed, 'a'}, "Müller", []string{"José", "María"}},
				{"UNICODE UTF-8", "UNICODE UTF-8", "CS-2", []byte("Nguyễn^Thị^Ánh"), "Nguyễn", []string{"Thị", "Ánh"}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					ack, err := client.Send(context.Background(), adt("CS-"+tc.mrn, tc.charset, tc.mrn, tc.pid5))
					if err != nil {
						t.Fatalf("send: %v", err)
					}
					if ack.Get("MSH-18") != hl7.CharsetUTF8 {
						t.Errorf("ACK MSH-18 = %q; want %q", ack.Get("MSH-18"), hl7.CharsetUTF8)
					}
					b := search(t, charge, fhirvalidate.New(t), "/fhir/Patient?identifier="+mar.DefaultMRNSystem+"|"+tc.mrn)
					if len(b.Entry) != 1 {
						t.Fatalf("%d patients", len(b.Entry))
					}
					var p struct {
						Name []struct {
							Family string   `json:"family"`
							Given  []string `json:"given"`
						} `json:"name"`
					}
					_ = json.Unmarshal(b.Entry[0].Resource, &p)
					if len(p.Name) != 1 || p.Name[0].Family != tc.family || strings.Join(p.Name[0].Given, "|") != strings.Join(tc.given, "|") {
						t.Fatalf("name = %+v; want %s, %v", p.Name, tc.family, tc.given)
					}
				})
			}
		})
	}
}
