package mar

// TrustTx is the data access the trust capability needs inside a transaction.
type TrustTx interface{}
