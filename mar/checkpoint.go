package mar

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// A Checkpoint is a signed statement of the audit trail's state, kept
// outside the database: the tree head (RFC 6962 Merkle root) over every
// event hash up to Size, and the event hashes added since the previous
// checkpoint. Someone with database rights can rewrite the chain and its
// head row, but not the checkpoints the operator holds, so verification
// against them names the first rewritten event.
type Checkpoint struct {
	Chain     string     // the chain it covers (mar.LegacyChain: the v1 format)
	Size      int64      // events covered: 1..Size
	Root      string     // hex Merkle root over the event hashes 1..Size
	Time      time.Time  // when it was written
	FromSeq   int64      // first event whose hash is listed (previous Size + 1)
	Hashes    []string   // event hashes FromSeq..Size
	Tree      MerkleTree // the tree's frontier, so the next checkpoint continues without rereading
	Signature []byte     // Ed25519 over Body()
}

const checkpointMagic = "emar audit checkpoint v1"

// checkpointMagicV2 names a checkpoint of one chain: a "chain" line follows.
const checkpointMagicV2 = "emar audit checkpoint v2"

// Body is the signed text.
func (c Checkpoint) Body() []byte {
	var b bytes.Buffer
	if c.Chain != LegacyChain {
		fmt.Fprintf(&b, "%s\nchain %s\n", checkpointMagicV2, c.Chain)
	}
	fmt.Fprintf(&b, "%s\nsize %d\nroot %s\ntime %s\nfrom %d\nfrontier %s\n", checkpointMagic, c.Size, c.Root, c.Time.UTC().Format(time.RFC3339Nano), c.FromSeq, c.Tree.frontier())
	for _, h := range c.Hashes {
		b.WriteString(h)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// Sign signs the checkpoint.
func (c *Checkpoint) Sign(key ed25519.PrivateKey) { c.Signature = ed25519.Sign(key, c.Body()) }

// Encode is the file form: the body then a signature line.
func (c Checkpoint) Encode() []byte {
	return append(c.Body(), []byte("sig "+base64.StdEncoding.EncodeToString(c.Signature)+"\n")...)
}

// ParseCheckpoint reads a checkpoint file and checks its signature.
func ParseCheckpoint(data []byte, pub ed25519.PublicKey) (Checkpoint, error) {
	i := bytes.LastIndex(data, []byte("sig "))
	if i < 0 {
		return Checkpoint{}, fmt.Errorf("checkpoint: no signature line")
	}
	body := data[:i]
	sig, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(data[i+4:])))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("checkpoint: signature: %w", err)
	}
	if !ed25519.Verify(pub, body, sig) {
		return Checkpoint{}, fmt.Errorf("checkpoint: signature does not verify with the given public key")
	}
	var c Checkpoint
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 1024), 1<<20)
	line := 0
	if bytes.HasPrefix(body, []byte(checkpointMagicV2+"\n")) {
		// A chain's checkpoint: its chain, then the v1 body.
		sc.Scan()
		if !sc.Scan() || !strings.HasPrefix(sc.Text(), "chain ") || strings.TrimPrefix(sc.Text(), "chain ") == "" {
			return Checkpoint{}, fmt.Errorf("checkpoint: no chain line")
		}
		c.Chain = strings.TrimPrefix(sc.Text(), "chain ")
	}
	for sc.Scan() {
		t := sc.Text()
		switch line {
		case 0:
			if t != checkpointMagic {
				return Checkpoint{}, fmt.Errorf("checkpoint: unknown format %q", t)
			}
		case 1:
			c.Size, err = strconv.ParseInt(strings.TrimPrefix(t, "size "), 10, 64)
		case 2:
			c.Root = strings.TrimPrefix(t, "root ")
		case 3:
			c.Time, err = time.Parse(time.RFC3339Nano, strings.TrimPrefix(t, "time "))
		case 4:
			c.FromSeq, err = strconv.ParseInt(strings.TrimPrefix(t, "from "), 10, 64)
		case 5:
			c.Tree, err = parseFrontier(strings.TrimPrefix(t, "frontier "))
		default:
			c.Hashes = append(c.Hashes, t)
		}
		if err != nil {
			return Checkpoint{}, fmt.Errorf("checkpoint line %d: %w", line+1, err)
		}
		line++
	}
	if int64(len(c.Hashes)) != c.Size-c.FromSeq+1 {
		return Checkpoint{}, fmt.Errorf("checkpoint: %d hashes listed for events %d..%d", len(c.Hashes), c.FromSeq, c.Size)
	}
	c.Signature = sig
	return c, nil
}

// MerkleTree computes the RFC 6962 tree head over a stream of leaves in
// O(log n) memory, so verifying years of events needs no index.
type MerkleTree struct {
	stack []merkleNode
	n     int64
}

type merkleNode struct {
	size int64
	hash [32]byte
}

func leafHash(data []byte) [32]byte {
	return sha256.Sum256(append([]byte{0}, data...))
}

func nodeHash(l, r [32]byte) [32]byte {
	b := make([]byte, 0, 65)
	b = append(b, 1)
	b = append(b, l[:]...)
	b = append(b, r[:]...)
	return sha256.Sum256(b)
}

// Add appends a leaf: an event's hash as stored (hex text).
func (m *MerkleTree) Add(eventHash string) {
	raw, err := hex.DecodeString(eventHash)
	if err != nil {
		raw = []byte(eventHash)
	}
	m.stack = append(m.stack, merkleNode{1, leafHash(raw)})
	m.n++
	for len(m.stack) >= 2 && m.stack[len(m.stack)-1].size == m.stack[len(m.stack)-2].size {
		r, l := m.stack[len(m.stack)-1], m.stack[len(m.stack)-2]
		m.stack = append(m.stack[:len(m.stack)-2], merkleNode{l.size * 2, nodeHash(l.hash, r.hash)})
	}
}

func (m *MerkleTree) frontier() string {
	parts := make([]string, len(m.stack))
	for i, n := range m.stack {
		parts[i] = fmt.Sprintf("%d:%s", n.size, hex.EncodeToString(n.hash[:]))
	}
	return strings.Join(parts, " ")
}

func parseFrontier(s string) (MerkleTree, error) {
	var m MerkleTree
	for _, p := range strings.Fields(s) {
		sz, h, ok := strings.Cut(p, ":")
		size, err := strconv.ParseInt(sz, 10, 64)
		raw, err2 := hex.DecodeString(h)
		if !ok || err != nil || err2 != nil || len(raw) != 32 || size <= 0 {
			return MerkleTree{}, fmt.Errorf("bad frontier entry %q", p)
		}
		var n merkleNode
		n.size = size
		copy(n.hash[:], raw)
		m.stack = append(m.stack, n)
		m.n += size
	}
	return m, nil
}

// Size is the number of leaves.
func (m *MerkleTree) Size() int64 { return m.n }

// Root returns the tree head for the leaves added so far.
func (m *MerkleTree) Root() string {
	if len(m.stack) == 0 {
		h := sha256.Sum256(nil)
		return hex.EncodeToString(h[:])
	}
	h := m.stack[len(m.stack)-1].hash
	for i := len(m.stack) - 2; i >= 0; i-- {
		h = nodeHash(m.stack[i].hash, h)
	}
	return hex.EncodeToString(h[:])
}

// CheckpointVerifier compares a chain, event by event, with the signed
// checkpoints.
type CheckpointVerifier struct {
	chain   string
	cps     []Checkpoint // sorted by Size
	next    int
	want    map[int64]string
	tree    MerkleTree
	checked int
}

// NewCheckpointVerifier takes checkpoints sorted by size; only those of
// the legacy chain are used.
func NewCheckpointVerifier(cps []Checkpoint) *CheckpointVerifier {
	return NewChainCheckpointVerifier(LegacyChain, cps)
}

// NewChainCheckpointVerifier takes checkpoints sorted by size and keeps
// those of chain.
func NewChainCheckpointVerifier(chain string, all []Checkpoint) *CheckpointVerifier {
	var cps []Checkpoint
	for _, c := range all {
		if c.Chain == chain {
			cps = append(cps, c)
		}
	}
	v := &CheckpointVerifier{chain: chain, cps: cps, want: map[int64]string{}}
	for _, c := range cps {
		for i, h := range c.Hashes {
			v.want[c.FromSeq+int64(i)] = h
		}
	}
	return v
}

// Check compares the next event of the chain with the exported hashes and
// tree heads.
func (v *CheckpointVerifier) Check(e AuditEvent) *ChainBreak {
	if len(v.cps) == 0 {
		return nil
	}
	pos := e.Pos()
	if h, ok := v.want[pos]; ok && h != e.Hash {
		return &ChainBreak{Chain: v.chain, Seq: pos, ID: e.ID, Reason: "differs from the hash exported in a signed checkpoint (the chain was rewritten from here)"}
	}
	v.tree.Add(e.Hash)
	for v.next < len(v.cps) && v.cps[v.next].Size == v.tree.Size() {
		c := v.cps[v.next]
		if c.Root != v.tree.Root() {
			return &ChainBreak{Chain: v.chain, Seq: pos, ID: e.ID, Reason: fmt.Sprintf("tree head over events 1..%d does not match the checkpoint signed at %s", c.Size, c.Time.Format(time.RFC3339))}
		}
		v.next++
		v.checked++
	}
	return nil
}

// Finish reports checkpoints beyond the end of the chain: events removed.
func (v *CheckpointVerifier) Finish(lastSeq int64) *ChainBreak {
	if v.next < len(v.cps) {
		c := v.cps[v.next]
		return &ChainBreak{Chain: v.chain, Seq: lastSeq + 1, Reason: fmt.Sprintf("the chain ends at event %d but a checkpoint signed at %s covers %d events: events were removed", lastSeq, c.Time.Format(time.RFC3339), c.Size)}
	}
	return nil
}

// LastHash is the hash of the checkpoint's last event (Size).
func (c Checkpoint) LastHash() string {
	if len(c.Hashes) == 0 {
		return ""
	}
	return c.Hashes[len(c.Hashes)-1]
}

// Checked is the number of checkpoints that matched.
func (v *CheckpointVerifier) Checked() int { return v.checked }
