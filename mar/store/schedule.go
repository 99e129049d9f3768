package store

import (
	"time"

	"github.com/emar-project/emar/mar"
)

func (t *tx) OrdersToMaterialize(until time.Time, afterID string, limit int) ([]mar.Order, error) {
	var rows []orderRow
	q := t.db
	if afterID != "" {
		q = q.Where("id > ?", afterID)
	}
	err := q.Where("status = ? AND (materialized_until IS NULL OR materialized_until < ?) AND (stop_at IS NULL OR materialized_until IS NULL OR materialized_until < stop_at)",
		string(mar.OrderActive), until.UTC()).Order("id").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make([]mar.Order, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// SetMaterializedUntil writes the column with plain SQL: the field is
// read-only to GORM (so UpdateOrder never overwrites it), and GORM drops an
// Update of a read-only field without a word, even with Select.
func (t *tx) SetMaterializedUntil(orderID string, until *time.Time) error {
	return t.db.Exec("UPDATE orders SET materialized_until = ? WHERE id = ?", utcPtr(until), orderID).Error
}

func (t *tx) MarkMaterialized(orderIDs []string, until time.Time) error {
	if len(orderIDs) == 0 {
		return nil
	}
	return t.db.Exec("UPDATE orders SET materialized_until = ? WHERE id IN ?", until.UTC(), orderIDs).Error
}
