package mar

import (
	"context"
	"time"
)

// Store runs units of work against the database.
type Store interface {
	// InTx runs fn in one transaction, retrying it on serialization
	// failures; fn must therefore be safe to run more than once.
	InTx(ctx context.Context, fn func(tx Tx) error) error

	// CheckSession is the session check of every authenticated request,
	// in one statement outside any transaction (see SessionCheck).
	CheckSession(ctx context.Context, c SessionCheck) (SessionState, error)
}

// SessionCheck asks for the session with a token hash and, in the same
// round trip, records the request: the session's last-seen time becomes
// Now when it was last seen before TouchBefore and the session is still
// in force at Now (not revoked, not expired and, for a web session, last
// seen at or after IdleAfter), so a session that has timed out is never
// revived and the time is written at most once per touch interval.
type SessionCheck struct {
	TokenHash   string
	Now         time.Time
	TouchBefore time.Time
	IdleAfter   time.Time
}

// SessionState is a session as stored before the check's touch, its
// account with its units, and whether the check wrote Now as last seen.
type SessionState struct {
	Session Session
	User    User
	// TOTPSecret is read only to tell whether the account has a second
	// factor; it never leaves Authenticate.
	TOTPSecret string
	Touched    bool
}

// Tx is the data access available inside one transaction. Methods return
// an *Error with ENotFound for unknown ids and EConflict for broken
// uniqueness, so the rules can answer without knowing SQL.
type Tx interface {
	Context() context.Context

	// Each capability adds the data access it needs in its own file.
	ScheduleTx
	BedsideTx
	AlertTx
	PharmacyTx
	TrustTx
	CountTx

	// Facilities and units
	CreateFacility(f *Facility) error
	ListFacilities() ([]Facility, error)
	// FacilityScanSettings is the facility's scanner configuration as
	// saved (JSON, "" for none); SetFacilityScanSettings replaces it.
	FacilityScanSettings(facilityID string) (string, error)
	SetFacilityScanSettings(facilityID, settings string) error
	CreateUnit(u *Unit) error
	// UpdateUnit replaces a unit's code, name, zone, times and windows.
	UpdateUnit(u Unit) error
	GetUnit(id string) (Unit, error)
	// ResidentPhoto is a resident's photo (ENotFound when none);
	// SetResidentPhoto stores or replaces it.
	ResidentPhoto(residentID string) (ResidentPhoto, error)
	SetResidentPhoto(p ResidentPhoto) error
	// ResidentPhotoHashes maps each of the residents that has a photo to
	// its SHA-256 (the photo's ETag), without reading the images.
	ResidentPhotoHashes(residentIDs []string) (map[string]string, error)
	SetUnitLanguage(unitID, lang string) error
	ListUnits(facilityID string) ([]Unit, error)

	// Users and sessions
	CreateUser(u *User) error
	GetUser(id string) (User, error)
	GetUserByUsername(username string) (User, error)
	GetUserByBadge(badge string) (User, error)
	ListUsers(facilityID string) ([]User, error)
	CreateSession(s *Session) error
	RevokeSession(id string, at time.Time) error
	RevokeUserSessions(userID string, at time.Time) (int64, error)

	// API clients (SMART client credentials) and their access tokens
	CreateAPIClient(c *APIClient) error
	GetAPIClient(id string) (APIClient, error)
	ListAPIClients(facilityID string) ([]APIClient, error)
	DisableAPIClient(id string, at time.Time) error
	CreateAPIToken(t *APIToken) error
	GetAPIToken(hash string) (APIToken, error)
	DeleteAPITokens(clientID string) (int64, error)
	DeleteExpiredAPITokens(clientID string, at time.Time) error

	// Residents
	CreateResident(r *Resident) error
	UpdateResident(r *Resident) error
	GetResident(id string) (Resident, error)
	FindResident(facilityID, identifier string) (Resident, error) // by wristband id or MRN, within the facility
	ListResidents(f ResidentFilter) ([]Resident, error)

	// Catalogue
	CreateProduct(p *Product) error
	GetProduct(id string) (Product, error)
	ListProducts(facilityID string) ([]Product, error)
	FindProductByCode(gtin, ndc string) (Product, Package, error)
	// UpdateProduct writes the product's own fields and ingredients and
	// raises its version, only if the row is still at expectVersion.
	UpdateProduct(p *Product, expectVersion int64) error
	// AddPackage adds a package to a product and raises its version.
	AddPackage(pk *Package) error

	// Orders and doses
	CreateOrder(o *Order) error
	GetOrder(id string) (Order, error)
	ListOrders(f OrderFilter) ([]Order, error)
	UpdateOrder(o *Order) error
	// InsertDoses stores doses, skipping any whose (order, due instant)
	// already exists; it returns how many were new.
	InsertDoses(doses []ScheduledDose) (int, error)
	ListDoses(f DoseFilter) ([]ScheduledDose, error)
	// SetDoseStatus moves doses of an order due at or after from, and whose
	// status is one of fromStatus, to the status to. Documented doses are
	// never among fromStatus.
	SetDoseStatus(orderID string, dueFrom time.Time, fromStatus []DoseStatus, to DoseStatus) (int64, error)

	// Audit
	AppendAudit(e *AuditEvent) error
	CountRows() (int64, error) // rows in residents+users+products: zero means empty
}

// ResidentFilter selects residents.
type ResidentFilter struct {
	IDs        []string // when set, only these residents
	FacilityID string
	UnitIDs    []string
	Status     ResidentStatus
}

// OrderFilter selects orders.
type OrderFilter struct {
	FacilityID string
	ResidentID string
	Statuses   []OrderStatus
	Ingredient string
	PRN        *bool
}

// DoseFilter selects scheduled doses.
type DoseFilter struct {
	OrderID    string
	ResidentID string
	UnitID     string
	Statuses   []DoseStatus
	DueFrom    time.Time
	DueTo      time.Time
	Limit      int
}
