package mar_test

import (
	"crypto/sha256"
	"strings"
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

// chainV2 builds n events of a facility's chain (hash version 2).
func chainV2(chain string, n int, genesis string) []mar.AuditEvent {
	prev := genesis
	out := make([]mar.AuditEvent, n)
	for i := range out {
		e := mar.AuditEvent{Seq: int64(100 + 3*i), Chain: chain, ChainSeq: int64(i + 1), ID: mar.NewID(), FacilityID: chain,
			At: time.Date(2026, 1, 1, 0, i, 0, 0, time.UTC), UserID: "u", Action: "x", PrevHash: prev}
		e.Hash = e.ComputeHash()
		prev = e.Hash
		out[i] = e
	}
	return out
}

func TestChainedEventsVerifyPerChain(t *testing.T) {
	const fac = "0190e0f0-0000-7000-8000-000000000001"
	legacyHead := chain(3)[2].Hash
	tests := []struct {
		name    string
		tamper  func([]mar.AuditEvent) []mar.AuditEvent
		wantSeq int64
		reason  string
	}{
		{"intact chain verifies, whatever its database-wide numbers", func(e []mar.AuditEvent) []mar.AuditEvent { return e }, 0, ""},
		{"edited event", func(e []mar.AuditEvent) []mar.AuditEvent { e[2].Detail = "{}"; return e }, 3, "edited"},
		{"renumbered database-wide is harmless", func(e []mar.AuditEvent) []mar.AuditEvent { e[2].Seq = 5; return e }, 0, ""},
		{"moved to another chain", func(e []mar.AuditEvent) []mar.AuditEvent {
			e[1].Chain = "0190e0f0-0000-7000-8000-000000000002"
			return e
		}, 2, "found in this chain"},
		{"chain and position rewritten and rehashed", func(e []mar.AuditEvent) []mar.AuditEvent {
			e[1].Chain = "0190e0f0-0000-7000-8000-000000000002"
			e[1].Hash = e[1].ComputeHash()
			return e
		}, 2, "found in this chain"},
		{"deleted event", func(e []mar.AuditEvent) []mar.AuditEvent { return append(e[:3], e[4:]...) }, 4, "missing"},
		{"not linked to the legacy chain", func(e []mar.AuditEvent) []mar.AuditEvent {
			e[0].PrevHash = mar.GenesisHash
			e[0].Hash = e[0].ComputeHash()
			return e
		}, 1, "link"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := mar.NewChainVerifierAt(fac, 0, legacyHead)
			var b *mar.ChainBreak
			for _, e := range tt.tamper(chainV2(fac, 6, legacyHead)) {
				if b = v.Check(e); b != nil {
					break
				}
			}
			switch {
			case tt.wantSeq == 0 && b != nil:
				t.Fatalf("unexpected break: %v", b)
			case tt.wantSeq != 0 && b == nil:
				t.Fatal("tampering not detected")
			case tt.wantSeq != 0 && (b.Seq != tt.wantSeq || b.Chain != fac || !strings.Contains(b.Error(), tt.reason) || !strings.Contains(b.Error(), "chain "+fac)):
				t.Fatalf("break %v, want event %d of chain %s (%s)", b, tt.wantSeq, fac, tt.reason)
			}
		})
	}
}

// The two hash versions cover different fields: a legacy event's hash
// covers its sequence number; a chained event's, its chain and position.
func TestHashVersionsCoverTheirPositions(t *testing.T) {
	legacy := chain(1)[0]
	moved := legacy
	moved.Seq = 2
	if moved.ComputeHash() == legacy.Hash {
		t.Error("a legacy event's hash does not cover its sequence number")
	}
	e := chainV2("f", 1, mar.GenesisHash)[0]
	for name, f := range map[string]func(*mar.AuditEvent){
		"chain":       func(e *mar.AuditEvent) { e.Chain = "g" },
		"position":    func(e *mar.AuditEvent) { e.ChainSeq = 2 },
		"break glass": func(e *mar.AuditEvent) { e.BreakGlass = true },
		"time":        func(e *mar.AuditEvent) { e.At = e.At.Add(time.Microsecond) },
	} {
		c := e
		f(&c)
		if c.ComputeHash() == e.Hash {
			t.Errorf("the hash does not cover the %s", name)
		}
	}
	c := e
	c.Seq = 7
	if c.ComputeHash() != e.Hash {
		t.Error("a chained event's hash depends on its database-wide number")
	}
}

// BenchmarkAuditHash is the cost of one event's canonical encoding and
// SHA-256 with a reused buffer, as the verifier does it.
func BenchmarkAuditHash(b *testing.B) {
	e := chainV2("0190e0f0-0000-7000-8000-000000000001", 1, mar.GenesisHash)[0]
	e.Detail = `{"dose_id":"0190e0f0-0000-7000-8000-000000000009","order_id":"0190e0f0-0000-7000-8000-000000000008","outcome":"given","gtin":"00312345678906","lot":"LOT123A","expiry":"2027-01-31"}`
	f := mar.AuditFields[[]byte]{Chain: []byte(e.Chain), ChainSeq: 1, ID: []byte(e.ID), FacilityID: []byte(e.FacilityID), At: e.At,
		UserID: []byte(e.UserID), Action: []byte(e.Action), Detail: []byte(e.Detail), PrevHash: []byte(e.PrevHash)}
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf = f.AppendCanonical(buf[:0])
		_ = sha256.Sum256(buf)
	}
}
