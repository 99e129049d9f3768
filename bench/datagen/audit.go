package datagen

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/emar-project/emar/mar"
)

// auditColumns are the columns COPY fills; seq is left to its default
// (the audit_events_seq sequence), as the store's append does.
var auditColumns = []string{"chain", "chain_seq", "id", "facility_id", "at", "user_id", "role", "action", "object_type", "object_id",
	"resident_id", "outcome", "source_ip", "device", "request_id", "break_glass", "detail", "prev_hash", "hash"}

// AppendAudit chains n events onto the head of one facility's audit chain
// in one transaction, exactly as the store appends events at the end of a
// transaction: the chain's head row is locked (made at the legacy chain's
// final hash when the chain is new), each event gets the next position and
// the previous hash, its hash is mar.AuditEvent.ComputeHash (version 2),
// and the head moves to the last one. fill describes event i; every event
// must have the facility of the first (its chain). Chain, ChainSeq,
// PrevHash and Hash are set here. Events are streamed to COPY, so millions
// need little memory. The result verifies with store.VerifyAudit like any
// other trail.
func AppendAudit(ctx context.Context, db *sql.DB, n int, fill func(i int, e *mar.AuditEvent)) error {
	if n == 0 {
		return nil
	}
	var first mar.AuditEvent
	fill(0, &first)
	chain := mar.ChainOf(first.FacilityID)
	return withPgx(ctx, db, func(c *pgx.Conn) error {
		tx, err := c.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		if _, err := tx.Exec(ctx, "INSERT INTO audit_chain_heads (chain, seq, hash) SELECT $1, 0, hash FROM audit_head WHERE id = 1 ON CONFLICT (chain) DO NOTHING", chain); err != nil {
			return fmt.Errorf("start audit chain: %w", err)
		}
		var pos int64
		var prev string
		if err := tx.QueryRow(ctx, "SELECT seq, hash FROM audit_chain_heads WHERE chain = $1 FOR UPDATE", chain).Scan(&pos, &prev); err != nil {
			return fmt.Errorf("lock audit chain head: %w", err)
		}
		i := 0
		var ferr error
		row := make([]any, len(auditColumns))
		src := pgx.CopyFromFunc(func() ([]any, error) {
			if i == n {
				return nil, nil
			}
			var e mar.AuditEvent
			fill(i, &e)
			i++
			if mar.ChainOf(e.FacilityID) != chain {
				ferr = fmt.Errorf("datagen: event %d belongs to chain %s, not %s", i-1, mar.ChainOf(e.FacilityID), chain)
				return nil, ferr
			}
			pos++
			e.Chain, e.ChainSeq, e.PrevHash = chain, pos, prev
			e.At = e.At.UTC().Truncate(time.Microsecond)
			if e.Outcome == "" {
				e.Outcome = "success"
			}
			e.Hash = e.ComputeHash()
			prev = e.Hash
			row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8], row[9] = e.Chain, e.ChainSeq, e.ID, e.FacilityID, e.At, e.UserID, e.Role, e.Action, e.ObjectType, e.ObjectID
			row[10], row[11], row[12], row[13], row[14], row[15], row[16], row[17], row[18] = e.ResidentID, e.Outcome, e.SourceIP, e.Device, e.RequestID, e.BreakGlass, e.Detail, e.PrevHash, e.Hash
			return row, nil
		})
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"audit_events"}, auditColumns, src); err != nil {
			if ferr != nil {
				return ferr
			}
			return fmt.Errorf("copy audit events: %w", err)
		}
		if _, err := tx.Exec(ctx, "UPDATE audit_chain_heads SET seq = $1, hash = $2 WHERE chain = $3", pos, prev, chain); err != nil {
			return err
		}
		return tx.Commit(ctx)
	})
}
