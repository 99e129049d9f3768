package mar

import "time"

// BedsideTx is the data access the bedside capability needs inside a transaction.
type BedsideTx interface {
	// ClaimIdempotencyKey inserts the key as in progress. claimed is false
	// when the (user, key) pair already exists; prev is then the stored
	// record. On PostgreSQL a concurrent claim of the same pair waits for
	// the first transaction to end.
	ClaimIdempotencyKey(rec IdempotencyRecord) (prev IdempotencyRecord, claimed bool, err error)
	// CompleteIdempotencyKey stores the answer of a claimed key.
	CompleteIdempotencyKey(userID, key string, status int, body []byte) error

	CreateBedsideContext(c *BedsideContext) error
	GetBedsideContext(id string) (BedsideContext, error)
	// GetBedsideContextResident reads a context with its resident and the
	// resident's unit at once (the resident's allergies too when asked);
	// ENotFound when there is no such context.
	GetBedsideContextResident(id string, allergies bool) (BedsideContext, Resident, Unit, error)

	// LockResident serialises writers of one resident's record for the rest
	// of the transaction (SELECT … FOR UPDATE on PostgreSQL; SQLite has one
	// writer).
	LockResident(id string) error
	// LockAndGetResident is LockResident answering the resident (with
	// allergies) as it stands once the lock is held.
	LockAndGetResident(id string) (Resident, error)

	GetDose(id string) (ScheduledDose, error)
	// DocumentDose moves an open dose (status in from) to its documented
	// status; it returns the number of rows changed, 0 when another
	// transaction documented it first.
	DocumentDose(doseID string, from []DoseStatus, to DoseStatus, by string, at time.Time, adminID string) (int64, error)
	// DocumentDoseReturning is DocumentDose answering the dose as it left
	// it, in the same statement; ok is false when it changed nothing.
	DocumentDoseReturning(doseID string, from []DoseStatus, to DoseStatus, by string, at time.Time, adminID string) (d ScheduledDose, ok bool, err error)
	// ReopenDose undoes DocumentDose for the administration adminID.
	ReopenDose(doseID, adminID string, to DoseStatus) (int64, error)

	// CreateAdministration stores a; a second live administration of the
	// same dose is refused by a unique index with EConflict and reason
	// already_documented.
	CreateAdministration(a *Administration) error
	GetAdministration(id string) (Administration, error)
	ListAdministrations(f AdministrationFilter) ([]Administration, error)
	// MarkEnteredInError flags a live administration; 0 rows when it was
	// already flagged.
	MarkEnteredInError(id, by, reason string, at time.Time) (int64, error)

	CreateStockMovement(m *StockMovement) error

	CreatePRNFollowup(f *PRNFollowup) error
	GetPRNFollowup(administrationID string) (PRNFollowup, error)
	ListPRNFollowups(administrationIDs []string) ([]PRNFollowup, error)
	// CompletePRNFollowup documents a due follow-up; 0 rows when it was not due.
	CompletePRNFollowup(f *PRNFollowup) (int64, error)
	// CancelPRNFollowup closes a due follow-up whose dose was entered in
	// error (documented_at is set, so no alert is raised for it).
	CancelPRNFollowup(administrationID, by string, at time.Time) error

	CreatePatchRemoval(r *PatchRemoval) error
	ListPatchRemovals(administrationIDs []string) ([]PatchRemoval, error)

	CreateVital(v *Vital) error
	// LatestVitals returns the newest reading of each kind taken at or
	// after since (and not after until).
	LatestVitals(residentID string, kinds []string, since, until time.Time) (map[string]Vital, error)
	ListVitals(residentID string, since time.Time, limit int) ([]Vital, error)

	// GetUsers returns the users with the given ids (unknown ids are skipped).
	GetUsers(ids []string) (map[string]User, error)
	// GetProducts returns the products with the given ids.
	GetProducts(ids []string) (map[string]Product, error)
}
