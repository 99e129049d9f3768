package mar

import (
	"strings"
	"time"
)

// Role is what a user does on the ward.
type Role string

const (
	RoleNurse       Role = "nurse"
	RoleChargeNurse Role = "charge_nurse"
	RolePharmacist  Role = "pharmacist"
	RoleAdmin       Role = "admin"
)

// Roles lists every role.
var Roles = []Role{RoleNurse, RoleChargeNurse, RolePharmacist, RoleAdmin}

// ParseRole checks a role name.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	return "", Invalid("role", "must be one of nurse, charge_nurse, pharmacist, admin")
}

// User is a person with an account. Accounts are personal: devices never
// share a login.
type User struct {
	ID           string
	FacilityID   string
	Username     string
	DisplayName  string
	Role         Role
	PasswordHash string
	BadgeID      string
	PINHash      string
	UnitIDs      []string // units the user works on
	Active       bool
	// Language is the user's own choice of language for the pages ("":
	// the unit's, else the facility's default).
	Language  string
	CreatedAt time.Time
}

// Identity is who is acting, as the transport authenticated them.
type Identity struct {
	User      User
	SessionID string
	SourceIP  string
	Device    string
	RequestID string
	// MustEnrol is set while an account whose role requires a second
	// factor has none: it may do nothing but enrol one.
	MustEnrol bool
	// BreakGlass is set while the user acts under an emergency grant;
	// every audit event they cause is flagged.
	BreakGlass bool
	// ClientID is set when an API client acts (SMART client credentials):
	// User is its account, and Scopes are what its access token allows.
	ClientID string
	Scopes   []string
}

// Session is a signed-in user on a browser or a device.
type Session struct {
	ID         string
	TokenHash  string
	UserID     string
	Kind       string // web or device
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute lifetime
	RevokedAt  *time.Time
	CSRFToken  string
}

// ValidateUsername checks a login name.
func ValidateUsername(s string) error {
	if len(s) < 2 || len(s) > 64 || strings.ContainsAny(s, " \t\r\n") {
		return Invalid("username", "must be 2–64 characters without spaces")
	}
	return nil
}
