package mar

// BedsideTx is the data access the bedside capability needs inside a transaction.
type BedsideTx interface{}
