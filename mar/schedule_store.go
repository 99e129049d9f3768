package mar

import "time"

// ScheduleTx is the data access the schedule job needs inside a transaction.
type ScheduleTx interface {
	// OrdersToMaterialize lists active, scheduled (not PRN-only) orders
	// whose doses are materialised only up to before `until`, in id order
	// from after afterID ("" from the start), so the job pages through
	// them without reading the orders it has done again.
	OrdersToMaterialize(until time.Time, afterID string, limit int) ([]Order, error)
	// SetMaterializedUntil records how far an order's doses exist; nil
	// makes the next run expand it again from its start bound.
	SetMaterializedUntil(orderID string, until *time.Time) error
	// MarkMaterialized records that the orders' doses exist up to until.
	MarkMaterialized(orderIDs []string, until time.Time) error
}
