package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/stdlib"

	"github.com/emar-project/emar/mar"
)

const auditColumnsSQL = `seq, chain, chain_seq, id, facility_id, at, user_id, role, action, object_type, object_id,
	resident_id, outcome, source_ip, device, request_id, break_glass, detail, prev_hash, hash`

func scanAudit(rows *sql.Rows, e *mar.AuditEvent) error {
	if err := rows.Scan(&e.Seq, &e.Chain, &e.ChainSeq, &e.ID, &e.FacilityID, &e.At, &e.UserID, &e.Role, &e.Action, &e.ObjectType, &e.ObjectID,
		&e.ResidentID, &e.Outcome, &e.SourceIP, &e.Device, &e.RequestID, &e.BreakGlass, &e.Detail, &e.PrevHash, &e.Hash); err != nil {
		return err
	}
	e.At = e.At.UTC()
	return nil
}

// EachAuditEvent streams the whole audit trail in the database-wide order
// (seq), a page at a time, whatever the chain.
func (s *Store) EachAuditEvent(ctx context.Context, afterSeq int64, fn func(mar.AuditEvent) error) error {
	return s.eachAudit(ctx, "", afterSeq, false, 2000, fn)
}

// EachChainEvent streams one chain in its order from position after+1.
func (s *Store) EachChainEvent(ctx context.Context, chain string, after int64, fn func(mar.AuditEvent) error) error {
	return s.eachAudit(ctx, chain, after, true, 2000, fn)
}

func (s *Store) eachAudit(ctx context.Context, chain string, after int64, oneChain bool, page int, fn func(mar.AuditEvent) error) error {
	buf := make([]mar.AuditEvent, 0, page)
	for {
		buf = buf[:0]
		var rows *sql.Rows
		var err error
		switch {
		case !oneChain:
			rows, err = s.sqlDB.QueryContext(ctx, s.rebind(`SELECT `+auditColumnsSQL+` FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?`), after, page)
		case chain == mar.LegacyChain:
			// The legacy chain is the prefix of the trail in seq order.
			rows, err = s.sqlDB.QueryContext(ctx, s.rebind(`SELECT `+auditColumnsSQL+` FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?`), after, page)
		default:
			rows, err = s.sqlDB.QueryContext(ctx, s.rebind(`SELECT `+auditColumnsSQL+` FROM audit_events WHERE chain = ? AND chain_seq > ? ORDER BY chain_seq LIMIT ?`), chain, after, page)
		}
		if err != nil {
			return fmt.Errorf("read audit events after %d: %w", after, err)
		}
		stop := false
		for rows.Next() {
			var e mar.AuditEvent
			if err := scanAudit(rows, &e); err != nil {
				rows.Close()
				return fmt.Errorf("read audit events after %d: %w", after, err)
			}
			if oneChain && chain == mar.LegacyChain && e.Chain != mar.LegacyChain {
				stop = true
				break
			}
			buf = append(buf, e)
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("read audit events after %d: %w", after, err)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read audit events after %d: %w", after, err)
		}
		for _, e := range buf {
			if err := fn(e); err != nil {
				return err
			}
			if oneChain && chain != mar.LegacyChain {
				after = e.ChainSeq
			} else {
				after = e.Seq
			}
		}
		if stop || len(buf) < page {
			return nil
		}
	}
}

// rebind turns ? placeholders into PostgreSQL's $n.
func (s *Store) rebind(q string) string {
	if s.dialect != Postgres {
		return q
	}
	var b bytes.Buffer
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// VerifyAudit checks every chain from its first event and returns the
// first break, or nil with the number of events checked.
func (s *Store) VerifyAudit(ctx context.Context) (int64, *mar.ChainBreak, error) {
	return s.VerifyAuditWith(ctx, nil)
}

// VerifyAuditWith also compares every chain with signed checkpoints kept
// outside the database, which catches a tail truncated and re-chained by
// someone who could also rewrite the head row.
func (s *Store) VerifyAuditWith(ctx context.Context, cps []mar.Checkpoint) (int64, *mar.ChainBreak, error) {
	r, err := s.VerifyAuditReport(ctx, AuditVerifyOptions{Checkpoints: cps, Full: true})
	return r.Events, r.Break, err
}

// AuditVerifyOptions says what VerifyAuditReport checks.
type AuditVerifyOptions struct {
	Checkpoints []mar.Checkpoint // signed, read from outside the database
	// Full verifies every chain from its first event. Otherwise a chain
	// with a checkpoint is verified from its last checkpoint on: the event
	// that checkpoint ends at must still carry the signed hash, and every
	// event after it is read and hashed; the events before it were
	// verified when that checkpoint was signed and are sealed by it.
	Full bool
}

// ChainReport is what verification found in one chain.
type ChainReport struct {
	Chain    string
	From     int64 // first position verified
	Head     int64 // last position
	Verified int64 // events read and hashed
	Sealed   int64 // events covered by a signed checkpoint (1..Sealed)
	// Unsealed events (Sealed+1..Head) are in no signed checkpoint yet;
	// OldestUnsealed is the time of the first of them.
	OldestUnsealed time.Time
}

// Unsealed is the number of events in no signed checkpoint.
func (c ChainReport) Unsealed() int64 { return c.Head - c.Sealed }

// AuditReport is the outcome of VerifyAuditReport.
type AuditReport struct {
	Events int64 // events read and hashed
	Chains []ChainReport
	Break  *mar.ChainBreak // the first break found, nil when intact
}

// Unsealed sums the events in no signed checkpoint.
func (r AuditReport) Unsealed() int64 {
	var n int64
	for _, c := range r.Chains {
		n += c.Unsealed()
	}
	return n
}

// auditChainState is a chain's head as the database records it.
type auditChainState struct {
	chain   string
	seq     int64
	hash    string
	genesis string // PrevHash of the chain's first event
}

func (s *Store) auditChains(ctx context.Context) ([]auditChainState, error) {
	var legacy auditChainState
	if err := s.sqlDB.QueryRowContext(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&legacy.seq, &legacy.hash); err != nil {
		return nil, fmt.Errorf("read audit head: %w", err)
	}
	legacy.genesis = mar.GenesisHash
	var out []auditChainState
	var first string
	err := s.sqlDB.QueryRowContext(ctx, "SELECT chain FROM audit_events ORDER BY seq LIMIT 1").Scan(&first)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	if legacy.seq > 0 || (err == nil && first == mar.LegacyChain) {
		out = append(out, legacy)
	}
	rows, err := s.sqlDB.QueryContext(ctx, "SELECT chain, seq, hash FROM audit_chain_heads ORDER BY chain")
	if err != nil {
		return nil, fmt.Errorf("read audit chain heads: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		c := auditChainState{genesis: legacy.hash}
		if err := rows.Scan(&c.chain, &c.seq, &c.hash); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// VerifyAuditReport verifies every chain of the trail (see
// AuditVerifyOptions) and reports per chain what was verified and what no
// checkpoint seals yet. It stops at the first break.
func (s *Store) VerifyAuditReport(ctx context.Context, opts AuditVerifyOptions) (AuditReport, error) {
	var rep AuditReport
	chains, err := s.auditChains(ctx)
	if err != nil {
		return rep, err
	}
	known := map[string]bool{}
	for _, c := range chains {
		known[c.chain] = true
	}
	for _, cp := range opts.Checkpoints {
		if !known[cp.Chain] {
			// A checkpoint names a chain the database no longer has.
			rep.Break = &mar.ChainBreak{Chain: cp.Chain, Seq: 1, Reason: fmt.Sprintf("a checkpoint signed at %s covers %d events of this chain, but the database has no such chain: its events were removed", cp.Time.Format(time.RFC3339), cp.Size)}
			return rep, nil
		}
	}
	fromStart := true
	for _, c := range chains {
		cr, brk, err := s.verifyChain(ctx, c, opts)
		fromStart = fromStart && cr.From <= 1
		rep.Events += cr.Verified
		rep.Chains = append(rep.Chains, cr)
		if err != nil || brk != nil {
			rep.Break = brk
			return rep, err
		}
	}
	if fromStart {
		// Every stored event must belong to a chain that verified: an
		// event slipped in outside any chain is named here. (Verifying
		// from checkpoints skips this count over the whole table.)
		var total int64
		if err := s.sqlDB.QueryRowContext(ctx, "SELECT COUNT(*) FROM audit_events").Scan(&total); err != nil {
			return rep, err
		}
		if total != rep.Events {
			var stray mar.AuditEvent
			errFound := errors.New("found")
			_ = s.EachAuditEvent(ctx, 0, func(e mar.AuditEvent) error {
				for _, c := range chains {
					if c.chain == e.Chain && e.Pos() >= 1 && e.Pos() <= c.seq {
						return nil
					}
				}
				stray = e
				return errFound
			})
			rep.Break = &mar.ChainBreak{Chain: stray.Chain, Seq: stray.Pos(), ID: stray.ID,
				Reason: fmt.Sprintf("%d events are stored but %d belong to the chains: event #%d lies outside every chain (inserted)", total, rep.Events, stray.Seq)}
		}
	}
	return rep, nil
}

func (s *Store) verifyChain(ctx context.Context, c auditChainState, opts AuditVerifyOptions) (ChainReport, *mar.ChainBreak, error) {
	cr := ChainReport{Chain: c.chain, Head: c.seq}
	var last *mar.Checkpoint
	for i := range opts.Checkpoints {
		if cp := &opts.Checkpoints[i]; cp.Chain == c.chain && (last == nil || cp.Size > last.Size) {
			last = cp
		}
	}
	after, prev := int64(0), c.genesis
	var cv *mar.CheckpointVerifier
	if last != nil {
		cr.Sealed = min(last.Size, c.seq)
	}
	if opts.Full || last == nil {
		cv = mar.NewChainCheckpointVerifier(c.chain, opts.Checkpoints)
	} else {
		// Start at the last checkpoint: its final event must still be there
		// with the hash that was signed.
		e, found, err := s.chainEventAt(ctx, c.chain, last.Size)
		if err != nil {
			return cr, nil, err
		}
		switch {
		case !found:
			return cr, &mar.ChainBreak{Chain: c.chain, Seq: last.Size, Reason: fmt.Sprintf("the checkpoint signed at %s covers %d events but event %d is not stored: events were removed", last.Time.Format(time.RFC3339), last.Size, last.Size)}, nil
		case e.Hash != last.LastHash():
			return cr, &mar.ChainBreak{Chain: c.chain, Seq: last.Size, ID: e.ID, Reason: "differs from the hash exported in a signed checkpoint (the chain was rewritten from here)"}, nil
		}
		after, prev = last.Size, last.LastHash()
	}
	cr.From = after + 1
	var brk *mar.ChainBreak
	var err error
	var head int64
	var headHash string
	if s.dialect == Postgres {
		cr.Verified, head, headHash, brk, err = s.verifyChainPG(ctx, c.chain, c.seq, after, prev, cv, nil)
	} else {
		v := mar.NewChainVerifierAt(c.chain, after, prev)
		err = s.EachChainEvent(ctx, c.chain, after, func(e mar.AuditEvent) error {
			if cv != nil {
				if b := cv.Check(e); b != nil {
					brk = b
					return errStop
				}
			}
			if b := v.Check(e); b != nil {
				brk = b
				return errStop
			}
			return nil
		})
		if err == errStop {
			err = nil
		}
		cr.Verified = v.Count
		head, headHash = v.Head()
	}
	if err != nil || brk != nil {
		return cr, brk, err
	}
	if cv != nil {
		if brk = cv.Finish(head); brk != nil {
			return cr, brk, nil
		}
	}
	if last != nil && head < last.Size {
		return cr, &mar.ChainBreak{Chain: c.chain, Seq: head + 1, Reason: fmt.Sprintf("the chain ends at event %d but a checkpoint signed at %s covers %d events: events were removed", head, last.Time.Format(time.RFC3339), last.Size)}, nil
	}
	// A deleted tail leaves no gap inside the table; the head row still
	// remembers how long the chain was.
	if c.seq != head || c.hash != headHash {
		return cr, &mar.ChainBreak{Chain: c.chain, Seq: head + 1, Reason: fmt.Sprintf("the chain ends at event %d but the head records %d events: the tail was removed or rewritten", head, c.seq)}, nil
	}
	if cr.Unsealed() > 0 {
		if e, found, err := s.chainEventAt(ctx, c.chain, cr.Sealed+1); err != nil {
			return cr, nil, err
		} else if found {
			cr.OldestUnsealed = e.At
		}
	}
	return cr, nil, nil
}

// chainEventAt reads the event at position pos of chain.
func (s *Store) chainEventAt(ctx context.Context, chain string, pos int64) (mar.AuditEvent, bool, error) {
	var e mar.AuditEvent
	var found bool
	errFound := errors.New("found")
	err := s.eachAudit(ctx, chain, pos-1, true, 1, func(ev mar.AuditEvent) error {
		if ev.Pos() == pos {
			e, found = ev, true
		}
		return errFound
	})
	if err != nil && !errors.Is(err, errFound) {
		return e, false, err
	}
	return e, found, nil
}

// pgEpoch is PostgreSQL's binary timestamp origin.
var pgEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// verifyChainPG reads one chain with pgx's lowest-level reader (binary
// columns, no decoding into strings, one query streamed to the end). The
// reading goroutine checks positions and links (which need only the
// stored hashes) and encodes each event canonically into a batch; hashing
// the batches is spread over the other cores, so reading, hashing and the
// database's own work overlap. The first event that fails either check is
// reported, with the reasons in the order mar.ChainVerifier gives them.
func (s *Store) verifyChainPG(ctx context.Context, chain string, headSeq, after int64, prev string, cv *mar.CheckpointVerifier, onHash func(hash string)) (n, head int64, headHash string, brk *mar.ChainBreak, err error) {
	head, headHash = after, prev
	conn, err := s.sqlDB.Conn(ctx)
	if err != nil {
		return
	}
	defer conn.Close()
	hp := newHashPool()
	defer hp.close()
	var linkBrk *mar.ChainBreak
	err = conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("audit verify: %T is not pgx", dc)
		}
		q := `SELECT ` + auditColumnsSQL + ` FROM audit_events WHERE chain = $1 AND chain_seq > $2 ORDER BY chain_seq`
		args := [][]byte{[]byte(chain), []byte(strconv.FormatInt(after, 10))}
		if chain == mar.LegacyChain {
			// The legacy chain is the prefix of the trail, 1..its head (one
			// more, to see a row beyond the head).
			q = `SELECT ` + auditColumnsSQL + ` FROM audit_events WHERE seq > $1 AND seq <= $2 ORDER BY seq`
			args = [][]byte{[]byte(strconv.FormatInt(after, 10)), []byte(strconv.FormatInt(headSeq+1, 10))}
		}
		rr := sc.Conn().PgConn().ExecParams(ctx, q, args, nil, nil, []int16{1})
		var (
			f        mar.AuditFields[[]byte]
			prevHash = []byte(prev)
			idText   [36]byte
		)
		b := hp.get()
		next := after + 1
		for rr.NextRow() {
			v := rr.Values()
			if len(v) != 20 {
				return fmt.Errorf("audit verify: %d columns", len(v))
			}
			rowChain := v[1]
			if chain == mar.LegacyChain && len(rowChain) != 0 {
				break // the legacy chain ends where the chained events begin
			}
			seq := int64(binary.BigEndian.Uint64(v[0]))
			pos := int64(binary.BigEndian.Uint64(v[2]))
			if chain == mar.LegacyChain {
				pos = seq
			}
			if len(v[3]) == 16 {
				encodeUUID(idText[:], v[3])
				f.ID = idText[:]
			} else {
				f.ID = v[3]
			}
			switch {
			case pos != next:
				if pos > next {
					linkBrk = &mar.ChainBreak{Chain: chain, Seq: next, ID: string(f.ID), Reason: mar.MissingReason(next, pos)}
				} else {
					linkBrk = &mar.ChainBreak{Chain: chain, Seq: pos, ID: string(f.ID), Reason: mar.RepeatedReason(pos, next)}
				}
			case !bytes.Equal(v[18], prevHash):
				linkBrk = &mar.ChainBreak{Chain: chain, Seq: pos, ID: string(f.ID), Reason: mar.ReasonLink}
			case cv != nil:
				linkBrk = cv.Check(mar.AuditEvent{Chain: chain, Seq: seq, ChainSeq: pos, ID: string(f.ID), Hash: string(v[19])})
			}
			if linkBrk != nil {
				break
			}
			f.Chain, f.Seq, f.ChainSeq = rowChain, seq, pos
			f.FacilityID = v[4]
			f.At = pgEpoch.Add(time.Duration(int64(binary.BigEndian.Uint64(v[5]))) * time.Microsecond)
			f.UserID, f.Role, f.Action, f.ObjectType, f.ObjectID = v[6], v[7], v[8], v[9], v[10]
			f.ResidentID, f.Outcome, f.SourceIP, f.Device, f.RequestID = v[11], v[12], v[13], v[14], v[15]
			f.BreakGlass = len(v[16]) == 1 && v[16][0] == 1
			f.Detail, f.PrevHash = v[17], v[18]
			b.add(&f, pos, v[19])
			if onHash != nil {
				onHash(string(v[19]))
			}
			prevHash = append(prevHash[:0], v[19]...)
			next++
			if b.full() {
				hp.submit(b)
				if hp.failed() {
					break
				}
				b = hp.get()
			}
		}
		hp.submit(b)
		_, cerr := rr.Close()
		head, headHash = next-1, string(prevHash)
		return cerr
	})
	bad := hp.wait()
	if bad != nil && (linkBrk == nil || bad.pos < linkBrk.Seq) {
		return bad.pos - 1 - after, head, headHash, &mar.ChainBreak{Chain: chain, Seq: bad.pos, ID: bad.id, Reason: mar.ReasonEdited}, err
	}
	if linkBrk != nil {
		return linkBrk.Seq - 1 - after, head, headHash, linkBrk, err
	}
	return head - after, head, headHash, nil, err
}

// hashBatch is events encoded for hashing, with their stored hashes.
type hashBatch struct {
	canon  []byte
	ends   []int
	pos    []int64
	ids    [][36]byte
	stored []byte // 64 hex bytes per event
}

const hashBatchSize = 512

func (b *hashBatch) add(f *mar.AuditFields[[]byte], pos int64, stored []byte) {
	b.canon = f.AppendCanonical(b.canon)
	b.ends = append(b.ends, len(b.canon))
	b.pos = append(b.pos, pos)
	var id [36]byte
	copy(id[:], f.ID)
	b.ids = append(b.ids, id)
	var h [64]byte
	copy(h[:], stored)
	b.stored = append(b.stored, h[:]...)
}

func (b *hashBatch) full() bool { return len(b.ends) >= hashBatchSize }

// hashBad is the first event whose contents do not match its hash.
type hashBad struct {
	pos int64
	id  string
}

// hashPool hashes batches on every core.
type hashPool struct {
	closed bool
	work   chan *hashBatch
	free   chan *hashBatch
	wg     sync.WaitGroup
	mu     sync.Mutex
	bad    *hashBad
	stop   atomic.Bool
}

func newHashPool() *hashPool {
	workers := max(runtime.GOMAXPROCS(0), 1)
	p := &hashPool{work: make(chan *hashBatch, 2*workers), free: make(chan *hashBatch, 4*workers)}
	work := p.work
	for i := 0; i < workers; i++ {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			var sumHex [64]byte
			for b := range work {
				start := 0
				for i, end := range b.ends {
					sum := sha256.Sum256(b.canon[start:end])
					start = end
					hex.Encode(sumHex[:], sum[:])
					if !bytes.Equal(sumHex[:], b.stored[64*i:64*i+64]) {
						p.mu.Lock()
						if p.bad == nil || b.pos[i] < p.bad.pos {
							p.bad = &hashBad{pos: b.pos[i], id: string(b.ids[i][:])}
						}
						p.mu.Unlock()
						p.stop.Store(true)
						break
					}
				}
				select {
				case p.free <- b:
				default:
				}
			}
		}()
	}
	return p
}

func (p *hashPool) get() *hashBatch {
	select {
	case b := <-p.free:
		b.canon, b.ends, b.pos, b.ids, b.stored = b.canon[:0], b.ends[:0], b.pos[:0], b.ids[:0], b.stored[:0]
		return b
	default:
		return &hashBatch{canon: make([]byte, 0, hashBatchSize*700), ends: make([]int, 0, hashBatchSize),
			pos: make([]int64, 0, hashBatchSize), ids: make([][36]byte, 0, hashBatchSize), stored: make([]byte, 0, 64*hashBatchSize)}
	}
}

func (p *hashPool) submit(b *hashBatch) {
	if len(b.ends) > 0 {
		p.work <- b
	}
}

func (p *hashPool) failed() bool { return p.stop.Load() }

// wait finishes the hashing and returns the first mismatch.
func (p *hashPool) wait() *hashBad {
	p.close()
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.bad
}

func (p *hashPool) close() {
	if !p.closed {
		p.closed = true
		close(p.work)
		p.wg.Wait()
	}
}

func encodeUUID(dst []byte, u []byte) {
	hex.Encode(dst[0:8], u[0:4])
	dst[8] = '-'
	hex.Encode(dst[9:13], u[4:6])
	dst[13] = '-'
	hex.Encode(dst[14:18], u[6:8])
	dst[18] = '-'
	hex.Encode(dst[19:23], u[8:10])
	dst[23] = '-'
	hex.Encode(dst[24:36], u[10:16])
}

type stopErr struct{}

func (stopErr) Error() string { return "stop" }

var errStop error = stopErr{}
