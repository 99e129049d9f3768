package store

import (
	"context"
	"fmt"

	"github.com/emar-project/emar/mar"
)

// EachAuditEvent streams the audit trail in sequence order, a page at a
// time, so verifying years of events needs little memory.
func (s *Store) EachAuditEvent(ctx context.Context, afterSeq int64, fn func(mar.AuditEvent) error) error {
	const page = 2000
	for {
		var rows []auditRow
		if err := s.db.WithContext(ctx).Where("seq > ?", afterSeq).Order("seq").Limit(page).Find(&rows).Error; err != nil {
			return fmt.Errorf("read audit events after %d: %w", afterSeq, err)
		}
		for _, r := range rows {
			if err := fn(r.domain()); err != nil {
				return err
			}
			afterSeq = r.Seq
		}
		if len(rows) < page {
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
