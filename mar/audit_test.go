package mar_test

import (
	"testing"
	"time"

	"github.com/emar-project/emar/mar"
)

func chain(n int) []mar.AuditEvent {
	prev := mar.GenesisHash
	out := make([]mar.AuditEvent, n)
	for i := range out {
		e := mar.AuditEvent{Seq: int64(i + 1), ID: mar.NewID(), At: time.Date(2026, 1, 1, 0, i, 0, 0, time.UTC), UserID: "u", Action: "x", PrevHash: prev}
		e.Hash = e.ComputeHash()
		prev = e.Hash
		out[i] = e
	}
	return out
}

func verify(events []mar.AuditEvent) *mar.ChainBreak {
	v := mar.NewChainVerifier()
	for _, e := range events {
		if b := v.Check(e); b != nil {
			return b
		}
	}
	return nil
}

func TestChainVerifierNamesTheFirstBadEvent(t *testing.T) {
	tests := []struct {
		name    string
		tamper  func([]mar.AuditEvent) []mar.AuditEvent
		wantSeq int64
	}{
		{"intact chain verifies", func(e []mar.AuditEvent) []mar.AuditEvent { return e }, 0},
		{"edited event", func(e []mar.AuditEvent) []mar.AuditEvent { e[2].Action = "other"; return e }, 3},
		{"deleted event", func(e []mar.AuditEvent) []mar.AuditEvent { return append(e[:1], e[2:]...) }, 2},
		{"swapped events", func(e []mar.AuditEvent) []mar.AuditEvent {
			e[1].Seq, e[2].Seq = e[2].Seq, e[1].Seq
			e[1], e[2] = e[2], e[1]
			return e
		}, 2},
		{"edited and rehashed event", func(e []mar.AuditEvent) []mar.AuditEvent {
			e[3].UserID = "mallory"
			e[3].Hash = e[3].ComputeHash()
			return e
		}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := verify(tt.tamper(chain(6)))
			switch {
			case tt.wantSeq == 0 && b != nil:
				t.Fatalf("unexpected break: %v", b)
			case tt.wantSeq != 0 && b == nil:
				t.Fatal("tampering not detected")
			case tt.wantSeq != 0 && b.Seq != tt.wantSeq:
				t.Fatalf("break at %d (%s), want %d", b.Seq, b.Reason, tt.wantSeq)
			}
		})
	}
}

func TestPasswordHashing(t *testing.T) {
	h, err := mar.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !mar.CheckPassword(h, "correct horse battery") {
		t.Error("right password refused")
	}
	if mar.CheckPassword(h, "correct horse batterx") {
		t.Error("wrong password accepted")
	}
	if mar.CheckPassword("$argon2id$garbage", "x") {
		t.Error("malformed hash accepted")
	}
}
