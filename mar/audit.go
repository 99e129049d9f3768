package mar

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"
)

// AuditEvent is one entry of the append-only, hash-chained audit trail.
// Hash covers a canonical encoding of every other field and PrevHash, so
// editing, deleting or reordering any event breaks the chain from there on.
//
// The trail is a set of chains: one per facility (Chain is the facility's
// id), one for events with no facility (Chain is SystemChain), and the
// closed LegacyChain ("") that holds the events written before chains
// existed. ChainSeq is the event's dense position in its chain; Seq is a
// database-wide number that only orders events for reading (it has gaps
// and is not covered by a chained event's hash). In the legacy chain Seq
// is the dense position and is hashed, as it always was.
type AuditEvent struct {
	Seq        int64 // database-wide order; dense from 1 in the legacy chain
	Chain      string
	ChainSeq   int64 // dense from 1 within Chain (legacy: equals Seq)
	ID         string
	FacilityID string
	At         time.Time // server time, UTC
	UserID     string
	Role       string
	Action     string // e.g. "resident.read", "administration.record"
	ObjectType string
	ObjectID   string
	ResidentID string
	Outcome    string // success, refused, failure
	SourceIP   string
	Device     string
	RequestID  string
	BreakGlass bool
	Detail     string // JSON with action-specific context
	PrevHash   string
	Hash       string
}

// GenesisHash is the PrevHash of the first event of the legacy chain (and
// of every chain of a database that never had a legacy event).
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// LegacyChain names the single global chain of events written before the
// trail was split into chains; it is closed: nothing is appended to it.
const LegacyChain = ""

// SystemChain is the chain of events that belong to no facility (failed
// sign-ins of unknown users, system jobs).
const SystemChain = "system"

// ChainOf is the chain an event with this facility is appended to.
func ChainOf(facilityID string) string {
	if facilityID == "" {
		return SystemChain
	}
	return facilityID
}

// ChainName is a chain's name for people.
func ChainName(chain string) string {
	if chain == LegacyChain {
		return "legacy"
	}
	return chain
}

// Pos is the event's position in its chain.
func (e AuditEvent) Pos() int64 {
	if e.Chain == LegacyChain {
		return e.Seq
	}
	return e.ChainSeq
}

// ComputeHash returns the SHA-256 over the canonical encoding of e.
// Each field is length-prefixed so that no two different events encode
// alike, whatever their contents.
func (e AuditEvent) ComputeHash() string {
	sum := sha256.Sum256(e.AppendCanonical(make([]byte, 0, 512)))
	return hex.EncodeToString(sum[:])
}

// AppendCanonical appends the hashed encoding of e to buf: version 1 (the
// legacy chain) covers Seq; version 2 (every other chain) covers the chain
// and the position in it instead.
func (e AuditEvent) AppendCanonical(buf []byte) []byte {
	f := AuditFields[string]{Chain: e.Chain, Seq: e.Seq, ChainSeq: e.ChainSeq, ID: e.ID, FacilityID: e.FacilityID, At: e.At,
		UserID: e.UserID, Role: e.Role, Action: e.Action, ObjectType: e.ObjectType, ObjectID: e.ObjectID, ResidentID: e.ResidentID,
		Outcome: e.Outcome, SourceIP: e.SourceIP, Device: e.Device, RequestID: e.RequestID, BreakGlass: e.BreakGlass,
		Detail: e.Detail, PrevHash: e.PrevHash}
	return f.AppendCanonical(buf)
}

// AuditFields is what an event's hash covers, as strings or as the raw
// bytes a verifier reads from the database (no decoding, no allocation).
type AuditFields[S string | []byte] struct {
	Chain                                S
	Seq, ChainSeq                        int64
	ID, FacilityID                       S
	At                                   time.Time
	UserID, Role, Action                 S
	ObjectType, ObjectID, ResidentID     S
	Outcome, SourceIP, Device, RequestID S
	BreakGlass                           bool
	Detail, PrevHash                     S
}

func putLen(b []byte, n int) []byte { return binary.BigEndian.AppendUint64(b, uint64(n)) }

func put[S string | []byte](b []byte, s S) []byte {
	b = putLen(b, len(s))
	return append(b, s...)
}

func putInt(b []byte, n int64) []byte {
	var tmp [20]byte
	d := strconv.AppendInt(tmp[:0], n, 10)
	return put(b, d)
}

// AppendCanonical appends the encoding the hash covers to buf.
func (f *AuditFields[S]) AppendCanonical(b []byte) []byte {
	if len(f.Chain) == 0 {
		b = put(b, "emar-audit-v1")
		b = putInt(b, f.Seq)
	} else {
		b = put(b, "emar-audit-v2")
		b = put(b, f.Chain)
		b = putInt(b, f.ChainSeq)
	}
	b = put(b, f.ID)
	b = put(b, f.FacilityID)
	var tmp [40]byte
	b = put(b, f.At.UTC().AppendFormat(tmp[:0], time.RFC3339Nano))
	b = put(b, f.UserID)
	b = put(b, f.Role)
	b = put(b, f.Action)
	b = put(b, f.ObjectType)
	b = put(b, f.ObjectID)
	b = put(b, f.ResidentID)
	b = put(b, f.Outcome)
	b = put(b, f.SourceIP)
	b = put(b, f.Device)
	b = put(b, f.RequestID)
	if f.BreakGlass {
		b = put(b, "true")
	} else {
		b = put(b, "false")
	}
	b = put(b, f.Detail)
	b = put(b, f.PrevHash)
	return b
}

// ChainBreak describes the first event at which a chain fails to verify.
// Seq is the position in the chain (in the legacy chain, the event's
// sequence number).
type ChainBreak struct {
	Chain  string
	Seq    int64
	ID     string
	Reason string
}

func (b ChainBreak) Error() string {
	if b.Chain == LegacyChain {
		return fmt.Sprintf("audit chain broken at event %d (%s): %s", b.Seq, b.ID, b.Reason)
	}
	return fmt.Sprintf("audit chain %s broken at event %d (%s): %s", b.Chain, b.Seq, b.ID, b.Reason)
}

// ChainVerifier checks the events of one chain one by one in order.
type ChainVerifier struct {
	chain    string
	next     int64
	prevHash string
	Count    int64
}

// NewChainVerifier starts at the genesis of the legacy chain.
func NewChainVerifier() *ChainVerifier {
	return &ChainVerifier{next: 1, prevHash: GenesisHash}
}

// NewChainVerifierAt starts after position after of chain, whose event
// there has hash prevHash (at 0: the chain's genesis link).
func NewChainVerifierAt(chain string, after int64, prevHash string) *ChainVerifier {
	return &ChainVerifier{chain: chain, next: after + 1, prevHash: prevHash}
}

// Check verifies the next event. The first failure names the event that was
// edited (hash mismatch), deleted (sequence gap) or moved (link mismatch).
func (v *ChainVerifier) Check(e AuditEvent) *ChainBreak {
	pos := e.Pos()
	switch {
	case e.Chain != v.chain:
		return &ChainBreak{Chain: v.chain, Seq: v.next, ID: e.ID, Reason: fmt.Sprintf("event of chain %s found in this chain", ChainName(e.Chain))}
	case pos != v.next:
		if pos > v.next {
			return &ChainBreak{Chain: v.chain, Seq: v.next, ID: e.ID, Reason: MissingReason(v.next, pos)}
		}
		return &ChainBreak{Chain: v.chain, Seq: pos, ID: e.ID, Reason: RepeatedReason(pos, v.next)}
	case e.PrevHash != v.prevHash:
		return &ChainBreak{Chain: v.chain, Seq: pos, ID: e.ID, Reason: ReasonLink}
	case e.ComputeHash() != e.Hash:
		return &ChainBreak{Chain: v.chain, Seq: pos, ID: e.ID, Reason: ReasonEdited}
	}
	v.next++
	v.prevHash = e.Hash
	v.Count++
	return nil
}

// The reasons a verifier gives, shared by the streaming verifier of the
// store so that both name a tamper alike.
const (
	ReasonLink   = "link to the previous event does not match (events reordered, or an earlier event removed and the chain rewritten)"
	ReasonEdited = "contents do not match the stored hash (event edited)"
)

// MissingReason: the event at want is gone, the next stored is got.
func MissingReason(want, got int64) string {
	return fmt.Sprintf("event %d is missing (deleted): the next stored event is %d", want, got)
}

// RepeatedReason: a position seen again or out of order.
func RepeatedReason(got, want int64) string {
	return fmt.Sprintf("sequence %d repeated or out of order (expected %d)", got, want)
}

// Head returns the position and hash of the last verified event.
func (v *ChainVerifier) Head() (int64, string) { return v.next - 1, v.prevHash }
