package store

import (
	"time"

	"github.com/emar-project/emar/mar"
)

func (t *tx) OrdersToMaterialize(until time.Time, limit int) ([]mar.Order, error) {
	var rows []orderRow
	err := t.db.Where("status = ? AND (materialized_until IS NULL OR materialized_until < ?) AND (stop_at IS NULL OR materialized_until IS NULL OR materialized_until < stop_at)",
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

func (t *tx) SetMaterializedUntil(orderID string, until *time.Time) error {
	return t.db.Model(&orderRow{}).Where("id = ?", orderID).Update("materialized_until", utcPtr(until)).Error
}
