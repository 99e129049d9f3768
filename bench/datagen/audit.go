package datagen

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/emar-project/emar/mar"
)

var auditColumns = []string{"seq", "id", "facility_id", "at", "user_id", "role", "action", "object_type", "object_id",
	"resident_id", "outcome", "source_ip", "device", "request_id", "break_glass", "detail", "prev_hash", "hash"}

// AppendAudit chains n events onto the head of the audit trail in one
// transaction, exactly as the store's AppendAudit does for one event: the
// head row is locked, each event gets the next sequence number and the
// previous hash, its hash is mar.AuditEvent.ComputeHash, and the head moves
// to the last one. fill describes event i; Seq, PrevHash and Hash are set
// here. Events are streamed to COPY, so a million need little memory.
// The result verifies with store.VerifyAudit like any other trail.
func AppendAudit(ctx context.Context, db *sql.DB, n int, fill func(i int, e *mar.AuditEvent)) error {
	return withPgx(ctx, db, func(c *pgx.Conn) error {
		tx, err := c.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		var seq int64
		var prev string
		if err := tx.QueryRow(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE").Scan(&seq, &prev); err != nil {
			return fmt.Errorf("lock audit head: %w", err)
		}
		i := 0
		row := make([]any, len(auditColumns))
		src := pgx.CopyFromFunc(func() ([]any, error) {
			if i == n {
				return nil, nil
			}
			var e mar.AuditEvent
			fill(i, &e)
			i++
			seq++
			e.Seq, e.PrevHash = seq, prev
			e.At = e.At.UTC().Truncate(time.Microsecond)
			if e.Outcome == "" {
				e.Outcome = "success"
			}
			e.Hash = e.ComputeHash()
			prev = e.Hash
			row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8] = e.Seq, e.ID, e.FacilityID, e.At, e.UserID, e.Role, e.Action, e.ObjectType, e.ObjectID
			row[9], row[10], row[11], row[12], row[13], row[14], row[15], row[16], row[17] = e.ResidentID, e.Outcome, e.SourceIP, e.Device, e.RequestID, e.BreakGlass, e.Detail, e.PrevHash, e.Hash
			return row, nil
		})
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"audit_events"}, auditColumns, src); err != nil {
			return fmt.Errorf("copy audit events: %w", err)
		}
		if _, err := tx.Exec(ctx, "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1", seq, prev); err != nil {
			return err
		}
		return tx.Commit(ctx)
	})
}
