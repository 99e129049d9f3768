package mar

// ScheduleTx is the data access the schedule capability needs inside a transaction.
type ScheduleTx interface{}
