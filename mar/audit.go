package mar

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"time"
)

// AuditEvent is one entry of the append-only, hash-chained audit trail.
// Hash covers a canonical encoding of every other field and PrevHash, so
// editing, deleting or reordering any event breaks the chain from there on.
type AuditEvent struct {
	Seq        int64 // dense, from 1
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

// GenesisHash is the PrevHash of the first event.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// ComputeHash returns the SHA-256 over the canonical encoding of e.
// Each field is length-prefixed so that no two different events encode
// alike, whatever their contents.
func (e AuditEvent) ComputeHash() string {
	h := sha256.New()
	var n [8]byte
	put := func(s string) {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	put("emar-audit-v1")
	put(fmt.Sprint(e.Seq))
	put(e.ID)
	put(e.FacilityID)
	put(e.At.UTC().Format(time.RFC3339Nano))
	put(e.UserID)
	put(e.Role)
	put(e.Action)
	put(e.ObjectType)
	put(e.ObjectID)
	put(e.ResidentID)
	put(e.Outcome)
	put(e.SourceIP)
	put(e.Device)
	put(e.RequestID)
	put(fmt.Sprint(e.BreakGlass))
	put(e.Detail)
	put(e.PrevHash)
	return hex.EncodeToString(h.Sum(nil))
}

// ChainBreak describes the first event at which a chain fails to verify.
type ChainBreak struct {
	Seq    int64
	ID     string
	Reason string
}

func (b ChainBreak) Error() string {
	return fmt.Sprintf("audit chain broken at event %d (%s): %s", b.Seq, b.ID, b.Reason)
}

// ChainVerifier checks events one by one in sequence order.
type ChainVerifier struct {
	next     int64
	prevHash string
	Count    int64
}

// NewChainVerifier starts at the genesis of the chain.
func NewChainVerifier() *ChainVerifier {
	return &ChainVerifier{next: 1, prevHash: GenesisHash}
}

// Check verifies the next event. The first failure names the event that was
// edited (hash mismatch), deleted (sequence gap) or moved (link mismatch).
func (v *ChainVerifier) Check(e AuditEvent) *ChainBreak {
	switch {
	case e.Seq != v.next:
		if e.Seq > v.next {
			return &ChainBreak{Seq: v.next, ID: e.ID, Reason: fmt.Sprintf("event %d is missing (deleted): the next stored event is %d", v.next, e.Seq)}
		}
		return &ChainBreak{Seq: e.Seq, ID: e.ID, Reason: fmt.Sprintf("sequence %d repeated or out of order (expected %d)", e.Seq, v.next)}
	case e.PrevHash != v.prevHash:
		return &ChainBreak{Seq: e.Seq, ID: e.ID, Reason: "link to the previous event does not match (events reordered, or an earlier event removed and the chain rewritten)"}
	case e.ComputeHash() != e.Hash:
		return &ChainBreak{Seq: e.Seq, ID: e.ID, Reason: "contents do not match the stored hash (event edited)"}
	}
	v.next++
	v.prevHash = e.Hash
	v.Count++
	return nil
}

// Head returns the sequence number and hash of the last verified event.
func (v *ChainVerifier) Head() (int64, string) { return v.next - 1, v.prevHash }
