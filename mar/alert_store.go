package mar

// AlertTx is the data access the alert capability needs inside a transaction.
type AlertTx interface{}
