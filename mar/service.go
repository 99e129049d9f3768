package mar

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"time"
)

// Config holds the rules a facility can tune.
type Config struct {
	IdleTimeout     time.Duration // a web session ends after this long unused
	SessionLifetime time.Duration // and at the latest after this long
	DeviceLifetime  time.Duration // bearer tokens for devices
	MaxClockSkew    time.Duration // device times further off are flagged
	ScheduleHorizon time.Duration // doses are materialised this far ahead

	LockAfterFailures int           // failed sign-ins that lock an account
	LockDuration      time.Duration // for this long
	BreakGlassFor     time.Duration // how long an emergency grant lasts

	Pharmacy PharmacyConfig // order intake, verification and dispensing
	Alerts   AlertConfig
	Bedside  BedsideConfig // scanning, verification and documentation rules
	// Identifiers maps HL7 assigning authorities onto identifier systems
	// and names the system of an MRN sent without one.
	Identifiers IdentifierConfig
	// Scan is the default scanner configuration of facilities that have
	// saved none (zero: the built-in formats); see ScanSettings.
	Scan ScanSettings
}

// DefaultConfig follows the HIPAA-derived defaults in the research notes.
func DefaultConfig() Config {
	return Config{
		IdleTimeout:     15 * time.Minute,
		SessionLifetime: 12 * time.Hour,
		DeviceLifetime:  12 * time.Hour,
		MaxClockSkew:    5 * time.Minute,
		ScheduleHorizon: 48 * time.Hour,

		LockAfterFailures: 5,
		LockDuration:      15 * time.Minute,
		BreakGlassFor:     60 * time.Minute,

		Pharmacy: DefaultPharmacyConfig(),
		Alerts:   AlertConfig{Shifts: DefaultShiftStarts},
		Bedside:  DefaultBedsideConfig(),
	}
}

// Service applies the record's rules on top of a Store.
type Service struct {
	Store    Store
	Clock    Clock
	Config   Config
	Schedule ScheduleSettings
	Log      *slog.Logger
	// OnAdministration runs inside the transaction that charts an
	// administration (see AdministrationRecorded); cmd sets it to put the
	// HL7 RAS^O17 into the outbox, so the message exists if and only if
	// the administration does.
	OnAdministration func(tx Tx, rec AdministrationRecord) error

	scans scanCache // each facility's scanner settings, briefly
}

// NewService wires a service with the system clock and default config.
func NewService(store Store, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{Store: store, Clock: SystemClock{}, Config: DefaultConfig(), Schedule: DefaultScheduleSettings(), Log: log}
}

func (s *Service) now() time.Time { return s.Clock.Now().UTC().Truncate(time.Microsecond) }

// AuditEntry is what a service method knows about the event it records.
type AuditEntry struct {
	Action     string
	ObjectType string
	ObjectID   string
	ResidentID string
	// UnitID names a unit the event concerns besides the resident's
	// current one (a stock count, the unit a resident was moved from); it
	// is checked against the caller's scope and not stored.
	UnitID  string
	Outcome string
	Detail  any
	// Resident, when set, is ResidentID's row as this transaction already
	// read it (under the resident's lock where the change takes one): the
	// scope check uses it rather than reading the row again.
	Resident *Resident
}

// audit appends an event for the acting identity inside tx. Every state
// change writes its event in its own transaction, so this is also where
// the unit scope of every write is enforced (see checkScope): an event the
// caller may not cause fails, and the change is rolled back with it.
func (s *Service) audit(tx Tx, id Identity, e AuditEntry) error {
	if err := checkScope(tx, id, e); err != nil {
		return err
	}
	detail := ""
	if e.Detail != nil {
		b, err := json.Marshal(e.Detail)
		if err != nil {
			return err
		}
		detail = string(b)
	}
	if e.Outcome == "" {
		e.Outcome = "success"
	}
	return tx.AppendAudit(&AuditEvent{
		ID:         NewID(),
		FacilityID: id.User.FacilityID,
		At:         s.now(),
		UserID:     id.User.ID,
		Role:       string(id.User.Role),
		Action:     e.Action,
		ObjectType: e.ObjectType,
		ObjectID:   e.ObjectID,
		ResidentID: e.ResidentID,
		Outcome:    e.Outcome,
		SourceIP:   id.SourceIP,
		Device:     id.Device,
		RequestID:  id.RequestID,
		BreakGlass: id.BreakGlass,
		Detail:     detail,
	})
}

// newToken returns a random bearer token and the hash that is stored.
func newToken() (token, hash string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, TokenHash(token)
}

// TokenHash is how a session token is stored: a leaked table holds no
// usable credential.
func TokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
