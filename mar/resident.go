package mar

import (
	"strings"
	"time"
)

// ResidentStatus tells whether medications may be given to a resident.
type ResidentStatus string

const (
	Admitted   ResidentStatus = "admitted"
	Discharged ResidentStatus = "discharged"
)

// Resident is a patient or a care-home resident.
type Resident struct {
	ID           string
	FacilityID   string
	UnitID       string
	MRNSystem    string // the MRN's identifier system (FHIR identifier.system; HL7 via the assigning authority)
	MRN          string // its value: unique only together with MRNSystem
	WristbandID  string // what the wristband encodes; often the MRN
	FamilyName   string
	GivenName    string
	MiddleName   string // HL7 PID-5.3, FHIR name.given after the first
	BirthDate    string // YYYY-MM-DD; a date, not an instant
	Sex          string // FHIR administrative gender: male, female, other, unknown
	Room         string
	Bed          string
	Status       ResidentStatus
	AdmittedAt   time.Time
	DischargedAt *time.Time
	Allergies    []Allergy
	// Version counts the row's changes from 1 (FHIR meta.versionId), and
	// UpdatedAt is when it last changed (nil: never since admission).
	// ExpectVersion works as Order.ExpectVersion.
	Version       int64
	UpdatedAt     *time.Time
	ExpectVersion int64
}

// DisplayName is "Family, Given" as charts show it.
func (r Resident) DisplayName() string {
	if r.GivenName == "" {
		return r.FamilyName
	}
	return r.FamilyName + ", " + r.GivenName
}

// Allergy is a substance the resident must not receive.
type Allergy struct {
	ID         string
	ResidentID string
	Substance  string // an ingredient name, matched case-insensitively
	Reaction   string
	Severity   string // mild, moderate, severe
}

// Validate checks a resident before it is stored.
func (r Resident) Validate() error {
	switch {
	case strings.TrimSpace(r.FamilyName) == "":
		return Invalid("family_name", "is required")
	case strings.TrimSpace(r.MRN) == "":
		return Invalid("mrn", "is required")
	case strings.TrimSpace(r.MRNSystem) == "":
		return Invalid("mrn_system", "is required: an identifier is a (system, value) pair")
	case r.UnitID == "":
		return Invalid("unit_id", "is required")
	}
	if _, err := time.Parse(time.DateOnly, r.BirthDate); err != nil {
		return Invalid("birth_date", "must be a date YYYY-MM-DD")
	}
	switch r.Status {
	case Admitted, Discharged:
	default:
		return Invalid("status", "must be admitted or discharged")
	}
	return nil
}

// ResidentPhoto is a resident's identification photo, shown wherever the
// resident is selected. Data is a JPEG or PNG that was decoded on upload.
type ResidentPhoto struct {
	ResidentID    string
	FacilityID    string
	ContentType   string // image/jpeg or image/png
	Data          []byte
	SHA256        string // hex, the image's ETag
	Width, Height int
	UpdatedAt     time.Time
	UpdatedBy     string
}
