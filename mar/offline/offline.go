// Package offline carries the bedside's checks to a device that cannot
// reach the server: the signed snapshot's envelope, and the JSON call the
// WebAssembly build (cmd/emar-wasm) exposes to the page. The checks are
// mar.OfflineVerify, that is the server's own rules (see docs/offline.md);
// this package only seals, opens and translates.
package offline

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/emar-project/emar/mar"
)

// Envelope is a signed snapshot as the server sends it and the page keeps
// it. Payload is the snapshot's JSON text, signed as it stands (Ed25519);
// it is a string so that no JSON parser on the way reformats what was signed.
type Envelope struct {
	Payload   string    `json:"payload"`
	Signature string    `json:"signature"` // base64 of Ed25519 over Payload
	KeyID     string    `json:"key_id"`    // base64 of the public key
	IssuedAt  time.Time `json:"issued_at"`
	ExpiresAt time.Time `json:"expires_at"`
	UnitID    string    `json:"unit_id"`
	UserID    string    `json:"user_id"`
}

// Seal signs a snapshot.
func Seal(snap mar.Snapshot, key ed25519.PrivateKey) (Envelope, error) {
	payload, err := json.Marshal(snap)
	if err != nil {
		return Envelope{}, err
	}
	return Envelope{Payload: string(payload), Signature: base64.StdEncoding.EncodeToString(ed25519.Sign(key, payload)),
		KeyID: base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey)), IssuedAt: snap.IssuedAt, ExpiresAt: snap.ExpiresAt,
		UnitID: snap.Unit.ID, UserID: snap.User.ID}, nil
}

// ErrBadSignature: the snapshot was not signed by the key the page trusts.
var ErrBadSignature = errors.New("the offline data's signature does not verify")

// Open checks the envelope's signature with pub and decodes the snapshot.
func Open(env Envelope, pub ed25519.PublicKey) (mar.Snapshot, error) {
	sig, err := base64.StdEncoding.DecodeString(env.Signature)
	if err != nil || len(pub) != ed25519.PublicKeySize || !ed25519.Verify(pub, []byte(env.Payload), sig) {
		return mar.Snapshot{}, ErrBadSignature
	}
	var snap mar.Snapshot
	if err := json.Unmarshal([]byte(env.Payload), &snap); err != nil {
		return mar.Snapshot{}, fmt.Errorf("offline data: %w", err)
	}
	return snap, nil
}
