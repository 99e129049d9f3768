package mar

// PharmacyTx is the data access the pharmacy capability needs inside a transaction.
type PharmacyTx interface{}
