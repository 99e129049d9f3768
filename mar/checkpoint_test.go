package mar_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/emar-project/emar/mar"
)

// rfc6962 computes the tree head recursively, straight from the RFC, as an
// independent check of the streaming implementation.
func rfc6962(leaves [][]byte) [32]byte {
	switch len(leaves) {
	case 0:
		return sha256.Sum256(nil)
	case 1:
		return sha256.Sum256(append([]byte{0}, leaves[0]...))
	}
	k := 1
	for k*2 < len(leaves) {
		k *= 2
	}
	l, r := rfc6962(leaves[:k]), rfc6962(leaves[k:])
	return sha256.Sum256(append(append([]byte{1}, l[:]...), r[:]...))
}

func TestMerkleTreeMatchesRFC6962(t *testing.T) {
	for n := 0; n <= 70; n++ {
		var tree mar.MerkleTree
		var leaves [][]byte
		for i := 0; i < n; i++ {
			h := sha256.Sum256([]byte(fmt.Sprint(i)))
			leaves = append(leaves, h[:])
			tree.Add(hex.EncodeToString(h[:]))
		}
		want := rfc6962(leaves)
		if got := tree.Root(); got != hex.EncodeToString(want[:]) {
			t.Fatalf("n=%d: root %s, want %x", n, got, want)
		}
	}
}

func TestCheckpointSignatureAndFrontierRoundTrip(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	var c mar.Checkpoint
	for i := 0; i < 5; i++ {
		h := sha256.Sum256([]byte{byte(i)})
		c.Tree.Add(hex.EncodeToString(h[:]))
		c.Hashes = append(c.Hashes, hex.EncodeToString(h[:]))
	}
	c.FromSeq, c.Size, c.Root, c.Time = 1, 5, c.Tree.Root(), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c.Sign(priv)
	got, err := mar.ParseCheckpoint(c.Encode(), pub)
	if err != nil {
		t.Fatal(err)
	}
	if got.Tree.Root() != c.Root || got.Size != 5 || len(got.Hashes) != 5 {
		t.Fatalf("round trip lost state: %+v", got)
	}
	forged := c.Encode()
	forged[len("emar audit checkpoint v1\nsize ")] = '9'
	if _, err := mar.ParseCheckpoint(forged, pub); err == nil {
		t.Fatal("an altered checkpoint verified")
	}
}
