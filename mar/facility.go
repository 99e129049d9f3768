package mar

import (
	"fmt"
	"time"

	"github.com/emar-project/emar/schedules"
)

// Facility is a care home or hospital: the tenant every row belongs to.
type Facility struct {
	ID       string
	Name     string
	TimeZone string // IANA zone, the default for its units
}

// Unit is a ward or wing. Its time zone drives schedule expansion and the
// local times shown to nurses.
type Unit struct {
	ID         string
	FacilityID string
	Code       string
	Name       string
	TimeZone   string
	// PassTimes are the unit's own med-pass times by abbreviation (BID,
	// TID, …); an abbreviation it does not set has the facility's times.
	PassTimes schedules.Defaults
	// Windows are the unit's ISMP window widths; a zero width is the
	// facility's.
	Windows UnitWindows
	// Language is the unit's language for the pages of users who chose
	// none ("": the facility's default).
	Language string
}

// UnitWindows are a unit's ISMP window half-widths (± around the due time)
// per class; zero means the facility's setting.
type UnitWindows struct {
	TimeCritical, Frequent, Daily time.Duration
}

// Location loads the unit's IANA zone.
func (u Unit) Location() (*time.Location, error) {
	loc, err := time.LoadLocation(u.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("unit %s: time zone %q: %w", u.Code, u.TimeZone, err)
	}
	return loc, nil
}

// ValidateTimeZone checks an IANA zone name.
func ValidateTimeZone(field, tz string) error {
	if tz == "" {
		return Invalid(field, "a time zone is required (an IANA name such as America/New_York)")
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return Invalid(field, "unknown time zone %q", tz)
	}
	return nil
}
