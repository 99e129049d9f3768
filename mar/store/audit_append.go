package store

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/emar-project/emar/mar"
)

// AppendAudit adds the event to the transaction's audit events. They are
// chained and written when the transaction's work is done, just before
// COMMIT (flushAudit): the head of each chain is then locked for one
// INSERT, one UPDATE and the commit, never while the transaction does its
// other work, and two facilities' transactions lock different heads.
// Seq, ChainSeq, PrevHash and Hash are set on e when they are written; a
// read of the trail inside the transaction (ListAudit, GetAuditEvent)
// writes them first.
func (t *tx) AppendAudit(e *mar.AuditEvent) error {
	if e.ID == "" {
		e.ID = mar.NewID()
	}
	e.At = e.At.UTC().Truncate(time.Microsecond)
	e.Chain = mar.ChainOf(e.FacilityID)
	t.pending = append(t.pending, e)
	return nil
}

// auditInsertColumns are the columns one event fills; seq is added on
// SQLite (PostgreSQL draws it from audit_events_seq).
const auditInsertColumns = "chain, chain_seq, id, facility_id, at, user_id, role, action, object_type, object_id, resident_id, outcome, source_ip, device, request_id, break_glass, detail, prev_hash, hash"

const auditInsertBatch = 1000

type chainHead struct {
	Chain string
	Seq   int64
	Hash  string
}

// flushAudit chains and writes the pending events: the heads of their
// chains are locked in the order of the chains' names (so two
// transactions never wait on each other in a cycle), the events go in with
// one multi-row INSERT, and each head moves to its chain's last event.
func (t *tx) flushAudit() error {
	if len(t.pending) == 0 {
		return nil
	}
	events := t.pending
	t.pending = nil
	var chains []string
	for _, e := range events {
		if !slices.Contains(chains, e.Chain) {
			chains = append(chains, e.Chain)
		}
	}
	slices.Sort(chains)
	heads, err := t.lockChainHeads(chains)
	if err != nil {
		return err
	}
	if len(heads) < len(chains) {
		// A chain's first event: its head starts at the legacy chain's
		// final hash, so the new chain is tied to the history before it.
		for _, c := range chains {
			if _, ok := heads[c]; ok {
				continue
			}
			if err := t.db.Exec("INSERT INTO audit_chain_heads (chain, seq, hash) SELECT ?, 0, hash FROM audit_head WHERE id = 1 ON CONFLICT (chain) DO NOTHING", c).Error; err != nil {
				return fmt.Errorf("start audit chain %s: %w", c, err)
			}
		}
		if heads, err = t.lockChainHeads(chains); err != nil {
			return err
		}
		if len(heads) < len(chains) {
			return fmt.Errorf("audit chain heads missing for %v", chains)
		}
	}
	for _, e := range events {
		h := heads[e.Chain]
		h.Seq++
		e.ChainSeq, e.PrevHash = h.Seq, h.Hash
		e.Hash = e.ComputeHash()
		h.Hash = e.Hash
	}
	var nextSeq int64
	if t.dialect == SQLite {
		if err := t.db.Raw("SELECT COALESCE(MAX(seq), 0) FROM audit_events").Scan(&nextSeq).Error; err != nil {
			return err
		}
	}
	for start := 0; start < len(events); start += auditInsertBatch {
		batch := events[start:min(start+auditInsertBatch, len(events))]
		var q strings.Builder
		args := make([]any, 0, len(batch)*20)
		q.WriteString("INSERT INTO audit_events (")
		if t.dialect == SQLite {
			q.WriteString("seq, ")
		}
		q.WriteString(auditInsertColumns)
		q.WriteString(") VALUES ")
		for i, e := range batch {
			if i > 0 {
				q.WriteByte(',')
			}
			if t.dialect == SQLite {
				nextSeq++
				e.Seq = nextSeq
				q.WriteString("(?,")
				args = append(args, e.Seq)
			} else {
				q.WriteByte('(')
			}
			q.WriteString("?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
			args = append(args, e.Chain, e.ChainSeq, e.ID, e.FacilityID, e.At, e.UserID, e.Role, e.Action, e.ObjectType, e.ObjectID,
				e.ResidentID, e.Outcome, e.SourceIP, e.Device, e.RequestID, e.BreakGlass, e.Detail, e.PrevHash, e.Hash)
		}
		if t.dialect == SQLite {
			if err := t.db.Exec(q.String(), args...).Error; err != nil {
				return fmt.Errorf("append audit events: %w", err)
			}
			continue
		}
		q.WriteString(" RETURNING id, seq")
		rows, err := t.db.Raw(q.String(), args...).Rows()
		if err != nil {
			return fmt.Errorf("append audit events: %w", err)
		}
		byID := make(map[string]int64, len(batch))
		for rows.Next() {
			var id string
			var seq int64
			if err := rows.Scan(&id, &seq); err != nil {
				rows.Close()
				return err
			}
			byID[id] = seq
		}
		if err := rows.Close(); err != nil {
			return err
		}
		for _, e := range batch {
			e.Seq = byID[e.ID]
		}
	}
	for _, c := range chains {
		h := heads[c]
		if err := t.db.Exec("UPDATE audit_chain_heads SET seq = ?, hash = ? WHERE chain = ?", h.Seq, h.Hash, c).Error; err != nil {
			return err
		}
	}
	return nil
}

// lockChainHeads locks the heads of chains (sorted) and returns those
// that exist.
func (t *tx) lockChainHeads(chains []string) (map[string]*chainHead, error) {
	q := "SELECT chain, seq, hash FROM audit_chain_heads WHERE chain IN ? ORDER BY chain"
	if t.dialect == Postgres {
		q += " FOR UPDATE"
	}
	var rows []chainHead
	if err := t.db.Raw(q, chains).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("lock audit chain heads: %w", err)
	}
	heads := make(map[string]*chainHead, len(rows))
	for i := range rows {
		heads[rows[i].Chain] = &rows[i]
	}
	return heads, nil
}
