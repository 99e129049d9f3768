package store

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/emar-project/emar/mar"
)

// Row structs mirror the migrations; domain types carry no tags, so each
// row converts to and from its domain type here.

type facilityRow struct {
	ID       string
	Name     string
	TimeZone string
}

func (facilityRow) TableName() string { return "facilities" }

type unitRow struct {
	ID                    string
	FacilityID            string
	Code                  string
	Name                  string
	TimeZone              string
	Language              string
	PassTimes             string // JSON: abbreviation to "HH:MM, …"; "" none
	WindowTimeCriticalMin *int
	WindowFrequentMin     *int
	WindowDailyMin        *int
}

func (unitRow) TableName() string { return "units" }

func (r unitRow) domain() mar.Unit {
	u := mar.Unit{ID: r.ID, FacilityID: r.FacilityID, Code: r.Code, Name: r.Name, TimeZone: r.TimeZone, Language: r.Language}
	if r.PassTimes != "" {
		var m map[string]string
		// Written by toUnitRow from validated times; a row that no
		// longer reads falls back to the facility's times.
		if json.Unmarshal([]byte(r.PassTimes), &m) == nil {
			if d, err := mar.ParseUnitPassTimes("pass_times", m); err == nil && len(d.Times) > 0 {
				u.PassTimes = d
			}
		}
	}
	mins := func(p *int) time.Duration {
		if p == nil {
			return 0
		}
		return time.Duration(*p) * time.Minute
	}
	u.Windows = mar.UnitWindows{TimeCritical: mins(r.WindowTimeCriticalMin), Frequent: mins(r.WindowFrequentMin), Daily: mins(r.WindowDailyMin)}
	return u
}

func toUnitRow(u mar.Unit) unitRow {
	r := unitRow{ID: u.ID, FacilityID: u.FacilityID, Code: u.Code, Name: u.Name, TimeZone: u.TimeZone, Language: u.Language}
	if len(u.PassTimes.Times) > 0 {
		b, _ := json.Marshal(mar.UnitPassTimesText(u.PassTimes))
		r.PassTimes = string(b)
	}
	mins := func(d time.Duration) *int {
		if d <= 0 {
			return nil
		}
		m := int(d / time.Minute)
		return &m
	}
	r.WindowTimeCriticalMin, r.WindowFrequentMin, r.WindowDailyMin = mins(u.Windows.TimeCritical), mins(u.Windows.Frequent), mins(u.Windows.Daily)
	return r
}

type userRow struct {
	ID           string
	FacilityID   string
	Username     string
	DisplayName  string
	Role         string
	PasswordHash string
	BadgeID      *string
	PINHash      string `gorm:"column:pin_hash"`
	Active       bool
	Language     string
	CreatedAt    time.Time
}

func (userRow) TableName() string { return "users" }

func (r userRow) domain(units []string) mar.User {
	u := mar.User{ID: r.ID, FacilityID: r.FacilityID, Username: r.Username, DisplayName: r.DisplayName,
		Role: mar.Role(r.Role), PasswordHash: r.PasswordHash, PINHash: r.PINHash, Active: r.Active,
		CreatedAt: r.CreatedAt.UTC(), UnitIDs: units, Language: r.Language}
	if r.BadgeID != nil {
		u.BadgeID = *r.BadgeID
	}
	return u
}

type userUnitRow struct {
	UserID string
	UnitID string
}

func (userUnitRow) TableName() string { return "user_units" }

type sessionRow struct {
	ID         string
	TokenHash  string
	UserID     string
	Kind       string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	RevokedAt  *time.Time
	CSRFToken  string `gorm:"column:csrf_token"`
}

func (sessionRow) TableName() string { return "sessions" }

func (r sessionRow) domain() mar.Session {
	return mar.Session{ID: r.ID, TokenHash: r.TokenHash, UserID: r.UserID, Kind: r.Kind, CreatedAt: r.CreatedAt.UTC(),
		LastSeenAt: r.LastSeenAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(), RevokedAt: utcPtr(r.RevokedAt), CSRFToken: r.CSRFToken}
}

type residentRow struct {
	ID           string
	FacilityID   string
	UnitID       string
	MRNSystem    string `gorm:"column:mrn_system"`
	MRN          string `gorm:"column:mrn"`
	WristbandID  string
	FamilyName   string
	GivenName    string
	MiddleName   string
	BirthDate    string
	Sex          string
	Room         string
	Bed          string
	Status       string
	AdmittedAt   time.Time
	DischargedAt *time.Time
	// ChangedAt is updated_at, named so that gorm leaves it to the
	// service's clock (migration 00016); Version is raised by the store.
	ChangedAt *time.Time `gorm:"column:updated_at"`
	Version   int64      `gorm:"->"`
}

func (residentRow) TableName() string { return "residents" }

func residentToRow(r *mar.Resident) residentRow {
	sex := r.Sex
	if sex == "" {
		sex = "unknown"
	}
	return residentRow{ID: r.ID, FacilityID: r.FacilityID, UnitID: r.UnitID, MRNSystem: r.MRNSystem, MRN: r.MRN, WristbandID: r.WristbandID,
		FamilyName: r.FamilyName, GivenName: r.GivenName, MiddleName: r.MiddleName, BirthDate: r.BirthDate, Sex: sex, Room: r.Room, Bed: r.Bed,
		Status: string(r.Status), AdmittedAt: r.AdmittedAt.UTC(), DischargedAt: utcPtr(r.DischargedAt), ChangedAt: utcPtr(r.UpdatedAt)}
}

func (r residentRow) domain(allergies []mar.Allergy) mar.Resident {
	return mar.Resident{ID: r.ID, FacilityID: r.FacilityID, UnitID: r.UnitID, MRNSystem: r.MRNSystem, MRN: r.MRN, WristbandID: r.WristbandID,
		FamilyName: r.FamilyName, GivenName: r.GivenName, MiddleName: r.MiddleName, BirthDate: r.BirthDate, Sex: r.Sex, Room: r.Room, Bed: r.Bed,
		Status: mar.ResidentStatus(r.Status), AdmittedAt: r.AdmittedAt.UTC(), DischargedAt: utcPtr(r.DischargedAt), Allergies: allergies,
		UpdatedAt: utcPtr(r.ChangedAt), Version: r.Version}
}

type allergyRow struct {
	ID         string
	ResidentID string
	Substance  string
	Reaction   string
	Severity   string
}

func (allergyRow) TableName() string { return "allergies" }

type productRow struct {
	ID            string
	FacilityID    string
	Name          string
	Form          string
	Routes        string
	HighAlert     string
	Controlled    string
	TimeCritical  bool
	Psychotropic  bool
	Antipsychotic bool
	// Splitting and Crushable: migration 00007 ('' and NULL = inferred
	// from the form).
	Splitting string
	Crushable *bool
	// Version is raised by the store (migration 00027).
	Version int64 `gorm:"->"`
}

func (productRow) TableName() string { return "products" }

type ingredientRow struct {
	ProductID     string
	Position      int
	Name          string
	StrengthValue float64
	StrengthUnit  string
}

func (ingredientRow) TableName() string { return "product_ingredients" }

type packageRow struct {
	ID          string
	ProductID   string
	GTIN        string `gorm:"column:gtin"`
	NDC         string `gorm:"column:ndc"`
	Description string
	Quantity    float64
}

func (packageRow) TableName() string { return "product_packages" }

func (r packageRow) domain() mar.Package {
	return mar.Package{ID: r.ID, ProductID: r.ProductID, GTIN: r.GTIN, NDC: r.NDC, Description: r.Description, Quantity: r.Quantity}
}

type orderRow struct {
	ID           string
	FacilityID   string
	ResidentID   string
	ProductID    *string
	Ingredient   string
	DoseValue    float64
	DoseUnit     string
	MaxDose      float64 // migration 00013
	Route        string
	Frequency    string
	PRN          bool   `gorm:"column:prn"`
	PRNReason    string `gorm:"column:prn_reason"`
	StartAt      time.Time
	StopAt       *time.Time
	Status       string
	Prescriber   string
	Instructions string
	DoseForm     string // migration 00007
	WindowClass  string
	HoldParams   string
	SlidingScale string
	Source       string
	ExternalID   string
	FillerID     string
	StatusReason string
	HoldOnVerify string // migration 00022
	// RegulatoryStopAt is the PRN psychotropic limit (migration 00004).
	RegulatoryStopAt *time.Time
	VerifiedBy       *string
	VerifiedAt       *time.Time
	CreatedAt        time.Time
	// ChangedAt is updated_at, named so that gorm does not overwrite it
	// with the wall clock: it is the service clock's (FHIR lastUpdated).
	ChangedAt time.Time `gorm:"column:updated_at"`
	// MaterializedUntil is written only by SetMaterializedUntil.
	MaterializedUntil *time.Time `gorm:"->"`
	// Version is raised by UpdateOrder only (migration 00016).
	Version int64 `gorm:"->"`
}

func (orderRow) TableName() string { return "orders" }

func orderToRow(o *mar.Order) orderRow {
	hp, _ := json.Marshal(nonNil(o.HoldParams))
	ss, _ := json.Marshal(nonNil(o.SlidingScale))
	return orderRow{ID: o.ID, FacilityID: o.FacilityID, ResidentID: o.ResidentID, ProductID: strPtr(o.ProductID),
		Ingredient: o.Ingredient, DoseValue: o.DoseValue, DoseUnit: o.DoseUnit, MaxDose: o.MaxDose, Route: o.Route, Frequency: o.Frequency,
		PRN: o.PRN, PRNReason: o.PRNReason, StartAt: o.StartAt.UTC(), StopAt: utcPtr(o.StopAt), Status: string(o.Status),
		Prescriber: o.Prescriber, Instructions: o.Instructions, DoseForm: o.DoseForm, WindowClass: o.WindowClass, HoldParams: string(hp),
		SlidingScale: string(ss), Source: o.Source, ExternalID: o.ExternalID, FillerID: o.FillerID, StatusReason: o.StatusReason, HoldOnVerify: o.HoldOnVerify,
		RegulatoryStopAt: utcPtr(o.RegulatoryStop), VerifiedBy: strPtr(o.VerifiedBy),
		VerifiedAt: utcPtr(o.VerifiedAt), CreatedAt: o.CreatedAt.UTC(), ChangedAt: o.UpdatedAt.UTC()}
}

func (r orderRow) domain() mar.Order {
	o := mar.Order{ID: r.ID, FacilityID: r.FacilityID, ResidentID: r.ResidentID, ProductID: deref(r.ProductID),
		Ingredient: r.Ingredient, DoseValue: r.DoseValue, DoseUnit: r.DoseUnit, MaxDose: r.MaxDose, Route: r.Route, Frequency: r.Frequency,
		PRN: r.PRN, PRNReason: r.PRNReason, StartAt: r.StartAt.UTC(), StopAt: utcPtr(r.StopAt), Status: mar.OrderStatus(r.Status),
		Prescriber: r.Prescriber, Instructions: r.Instructions, DoseForm: r.DoseForm, WindowClass: r.WindowClass, Source: r.Source,
		ExternalID: r.ExternalID, FillerID: r.FillerID, StatusReason: r.StatusReason, HoldOnVerify: r.HoldOnVerify, RegulatoryStop: utcPtr(r.RegulatoryStopAt),
		VerifiedBy: deref(r.VerifiedBy), VerifiedAt: utcPtr(r.VerifiedAt),
		MaterializedUntil: utcPtr(r.MaterializedUntil), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.ChangedAt.UTC(), Version: r.Version}
	_ = json.Unmarshal([]byte(r.HoldParams), &o.HoldParams)
	_ = json.Unmarshal([]byte(r.SlidingScale), &o.SlidingScale)
	return o
}

type doseRow struct {
	ID           string
	FacilityID   string
	OrderID      string
	ResidentID   string
	UnitID       string
	DueAt        time.Time
	WindowStart  time.Time
	WindowEnd    time.Time
	Status       string
	Step         int
	StepDose     string
	DocumentedBy *string
	DocumentedAt *time.Time
	AdminID      *string
}

func (doseRow) TableName() string { return "scheduled_doses" }

func doseToRow(d *mar.ScheduledDose) doseRow {
	return doseRow{ID: d.ID, FacilityID: d.FacilityID, OrderID: d.OrderID, ResidentID: d.ResidentID, UnitID: d.UnitID,
		DueAt: d.DueAt.UTC(), WindowStart: d.WindowStart.UTC(), WindowEnd: d.WindowEnd.UTC(), Status: string(d.Status),
		Step: d.Step, StepDose: d.StepDose, DocumentedBy: strPtr(d.DocumentedBy), DocumentedAt: utcPtr(d.DocumentedAt),
		AdminID: strPtr(d.AdminID)}
}

func (r doseRow) domain() mar.ScheduledDose {
	return mar.ScheduledDose{ID: r.ID, FacilityID: r.FacilityID, OrderID: r.OrderID, ResidentID: r.ResidentID,
		UnitID: r.UnitID, DueAt: r.DueAt.UTC(), WindowStart: r.WindowStart.UTC(), WindowEnd: r.WindowEnd.UTC(),
		Status: mar.DoseStatus(r.Status), Step: r.Step, StepDose: r.StepDose, DocumentedBy: deref(r.DocumentedBy),
		DocumentedAt: utcPtr(r.DocumentedAt), AdminID: deref(r.AdminID)}
}

type auditRow struct {
	Seq        int64 `gorm:"primaryKey;autoIncrement:false"`
	Chain      string
	ChainSeq   int64
	ID         string
	FacilityID string
	At         time.Time
	UserID     string
	Role       string
	Action     string
	ObjectType string
	ObjectID   string
	ResidentID string
	Outcome    string
	SourceIP   string `gorm:"column:source_ip"`
	Device     string
	RequestID  string
	BreakGlass bool
	Detail     string
	PrevHash   string
	Hash       string
}

func (auditRow) TableName() string { return "audit_events" }

func (r auditRow) domain() mar.AuditEvent {
	return mar.AuditEvent{Seq: r.Seq, Chain: r.Chain, ChainSeq: r.ChainSeq, ID: r.ID, FacilityID: r.FacilityID, At: r.At.UTC(), UserID: r.UserID, Role: r.Role,
		Action: r.Action, ObjectType: r.ObjectType, ObjectID: r.ObjectID, ResidentID: r.ResidentID, Outcome: r.Outcome,
		SourceIP: r.SourceIP, Device: r.Device, RequestID: r.RequestID, BreakGlass: r.BreakGlass, Detail: r.Detail,
		PrevHash: r.PrevHash, Hash: r.Hash}
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
