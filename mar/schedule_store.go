package mar

import "time"

// ScheduleTx is the data access the schedule job needs inside a transaction.
type ScheduleTx interface {
	// OrdersToMaterialize lists active, scheduled (not PRN-only) orders
	// whose doses are materialised only up to before `until`.
	OrdersToMaterialize(until time.Time, limit int) ([]Order, error)
	// SetMaterializedUntil records how far an order's doses exist; nil
	// makes the next run expand it again from its start bound.
	SetMaterializedUntil(orderID string, until *time.Time) error
}
