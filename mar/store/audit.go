package store

import (
	"context"
	"fmt"

	"github.com/emar-project/emar/mar"
)

// EachAuditEvent streams the audit trail in sequence order, a page at a
// time, so verifying years of events needs little memory. Rows are
// scanned by hand rather than through GORM's reflection, which was most of
// the cost of verifying a long trail.
func (s *Store) EachAuditEvent(ctx context.Context, afterSeq int64, fn func(mar.AuditEvent) error) error {
	const page = 2000
	buf := make([]mar.AuditEvent, 0, page)
	for {
		buf = buf[:0]
		rows, err := s.db.WithContext(ctx).Raw(`SELECT seq, id, facility_id, at, user_id, role, action, object_type, object_id,
			resident_id, outcome, source_ip, device, request_id, break_glass, detail, prev_hash, hash
			FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?`, afterSeq, page).Rows()
		if err != nil {
			return fmt.Errorf("read audit events after %d: %w", afterSeq, err)
		}
		for rows.Next() {
			var e mar.AuditEvent
			if err := rows.Scan(&e.Seq, &e.ID, &e.FacilityID, &e.At, &e.UserID, &e.Role, &e.Action, &e.ObjectType, &e.ObjectID,
				&e.ResidentID, &e.Outcome, &e.SourceIP, &e.Device, &e.RequestID, &e.BreakGlass, &e.Detail, &e.PrevHash, &e.Hash); err != nil {
				rows.Close()
				return fmt.Errorf("read audit events after %d: %w", afterSeq, err)
			}
			e.At = e.At.UTC()
			buf = append(buf, e)
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("read audit events after %d: %w", afterSeq, err)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read audit events after %d: %w", afterSeq, err)
		}
		for _, e := range buf {
			if err := fn(e); err != nil {
				return err
			}
			afterSeq = e.Seq
		}
		if len(buf) < page {
			return nil
		}
	}
}

// VerifyAudit checks the whole chain and returns the first break, or nil
// with the number of events checked.
func (s *Store) VerifyAudit(ctx context.Context) (int64, *mar.ChainBreak, error) {
	return s.VerifyAuditWith(ctx, nil)
}

// VerifyAuditWith also compares the chain with signed checkpoints kept
// outside the database, which catches a tail truncated and re-chained by
// someone who could also rewrite the head row.
func (s *Store) VerifyAuditWith(ctx context.Context, cps []mar.Checkpoint) (int64, *mar.ChainBreak, error) {
	v := mar.NewChainVerifier()
	cv := mar.NewCheckpointVerifier(cps)
	var brk *mar.ChainBreak
	err := s.EachAuditEvent(ctx, 0, func(e mar.AuditEvent) error {
		if b := cv.Check(e); b != nil {
			brk = b
			return errStop
		}
		if b := v.Check(e); b != nil {
			brk = b
			return errStop
		}
		return nil
	})
	if err != nil && err != errStop {
		return v.Count, nil, err
	}
	if brk == nil {
		seq, _ := v.Head()
		brk = cv.Finish(seq)
	}
	if brk == nil {
		// A deleted tail leaves no gap inside the table; the head row
		// still remembers how long the chain was.
		var head auditHeadRow
		if err := s.db.WithContext(ctx).Take(&head, "id = 1").Error; err != nil {
			return v.Count, nil, err
		}
		seq, hash := v.Head()
		if head.Seq != seq || head.Hash != hash {
			brk = &mar.ChainBreak{Seq: seq + 1, Reason: fmt.Sprintf("the chain ends at event %d but the head records %d events: the tail was removed or rewritten", seq, head.Seq)}
		}
	}
	return v.Count, brk, nil
}

type stopErr struct{}

func (stopErr) Error() string { return "stop" }

var errStop error = stopErr{}
