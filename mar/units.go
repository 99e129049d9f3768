package mar

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/emar-project/emar/schedules"
)

// A facility's administrator sets up its units on the administration
// pages: name, time zone, the unit's own med-pass times and ISMP window
// widths. Orders store their frequency in canonical form (times spelled
// out), so changing a unit's times or windows moves no dose that is already
// scheduled, let alone documented: only orders written, and doses
// materialised, afterwards follow the new settings.

// UnitChange is an edit of a unit; nil fields stay as they are.
type UnitChange struct {
	Code, Name, TimeZone *string
	// PassTimes, when not nil, sets the unit's own times for the
	// abbreviations it names ("BID": "08:00, 20:00"); an empty value returns
	// that abbreviation to the facility's times; abbreviations not named
	// keep theirs.
	PassTimes *map[string]string
	// Windows, when not nil, replaces the unit's window widths (zero: the
	// facility's).
	Windows *UnitWindows
}

// maxUnitWindow keeps a window below half a day: wider overlaps the next
// BID dose and is surely a typing slip.
const maxUnitWindow = 12 * time.Hour

// ParseUnitPassTimes reads a unit's med-pass times as the pages and API
// send them ({"BID": "08:00, 20:00"}); errors name the field.
func ParseUnitPassTimes(field string, m map[string]string) (schedules.Defaults, error) {
	clean := map[string]string{}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		key := strings.ToUpper(strings.TrimSpace(k))
		if key == "" {
			return schedules.Defaults{}, Invalid(field, "an abbreviation is empty")
		}
		if !schedules.KnownAbbreviation(key) {
			return schedules.Defaults{}, Invalid(field+"."+key, "unknown abbreviation %q (BID, TID, QID, QD, QHS, …)", key)
		}
		if strings.TrimSpace(m[k]) == "" {
			continue // no times: the facility's
		}
		if _, dup := clean[key]; dup {
			return schedules.Defaults{}, Invalid(field+"."+key, "%s is given twice", key)
		}
		clean[key] = m[k]
		if _, err := schedules.ParseDefaults(map[string]string{key: m[k]}); err != nil {
			return schedules.Defaults{}, Invalid(field+"."+key, "%s", strings.TrimPrefix(err.Error(), "schedules: "))
		}
	}
	d, err := schedules.ParseDefaults(clean)
	if err != nil {
		return schedules.Defaults{}, Invalid(field, "%s", strings.TrimPrefix(err.Error(), "schedules: "))
	}
	if len(d.Times) == 0 {
		d.Times = nil
	}
	return d, nil
}

// ValidateUnitWindows checks a unit's window widths: each zero (the
// facility's) or from one minute to under 12 hours.
func ValidateUnitWindows(field string, w UnitWindows) error {
	for _, f := range []struct {
		name string
		d    time.Duration
	}{{"time_critical_minutes", w.TimeCritical}, {"frequent_minutes", w.Frequent}, {"daily_minutes", w.Daily}} {
		if f.d == 0 {
			continue
		}
		if f.d < time.Minute || f.d >= maxUnitWindow || f.d%time.Minute != 0 {
			return Invalid(field+"."+f.name, "must be whole minutes from 1 to 719 (0 or absent: the facility's)")
		}
	}
	return nil
}

// validateUnit checks a unit as a whole before it is stored.
func validateUnit(u *Unit) error {
	u.Code = strings.TrimSpace(u.Code)
	u.Name = strings.TrimSpace(u.Name)
	u.TimeZone = strings.TrimSpace(u.TimeZone)
	if u.Code == "" {
		return Invalid("code", "a short code is required (the code admission systems send, e.g. 3W)")
	}
	if len(u.Code) > 20 || strings.ContainsAny(u.Code, " \t^|~&\\") {
		return Invalid("code", "must be at most 20 characters without spaces or HL7 delimiters")
	}
	if u.Name == "" {
		return Invalid("name", "a name is required")
	}
	if len(u.Name) > 100 {
		return Invalid("name", "must be at most 100 characters")
	}
	if err := ValidateTimeZone("time_zone", u.TimeZone); err != nil {
		return err
	}
	return ValidateUnitWindows("windows", u.Windows)
}

// CreateUnit adds a unit to the caller's facility (audited).
func (s *Service) CreateUnit(ctx context.Context, by Identity, u Unit) (Unit, error) {
	if by.User.Role != RoleAdmin {
		return Unit{}, Forbidden("only an administrator sets up units")
	}
	u.ID = NewID()
	u.FacilityID = by.User.FacilityID
	if err := validateUnit(&u); err != nil {
		return Unit{}, err
	}
	err := s.Store.InTx(ctx, func(tx Tx) error {
		if _, err := tx.FindUnitByCode(u.FacilityID, u.Code); err == nil {
			return &Error{Code: EConflict, Field: "code", Reason: "duplicate", Message: fmt.Sprintf("a unit with code %q exists", u.Code)}
		} else if ErrorCodeOf(err) != ENotFound {
			return err
		}
		if err := tx.CreateUnit(&u); err != nil {
			return err
		}
		return s.audit(tx, by, AuditEntry{Action: "unit.create", ObjectType: "unit", ObjectID: u.ID, Detail: unitDetail(u)})
	})
	return u, err
}

// ChangeUnit edits a unit (audited with the old values). Doses already
// scheduled keep their times and windows.
func (s *Service) ChangeUnit(ctx context.Context, by Identity, unitID string, ch UnitChange) (Unit, error) {
	if by.User.Role != RoleAdmin {
		return Unit{}, Forbidden("only an administrator sets up units")
	}
	var out Unit
	err := s.Store.InTx(ctx, func(tx Tx) error {
		u, err := tx.GetUnit(unitID)
		if err == nil && u.FacilityID != by.User.FacilityID {
			err = NotFound("unit", unitID)
		}
		if err != nil {
			return err
		}
		before := unitDetail(u)
		if ch.Code != nil {
			u.Code = *ch.Code
		}
		if ch.Name != nil {
			u.Name = *ch.Name
		}
		if ch.TimeZone != nil {
			u.TimeZone = *ch.TimeZone
		}
		if ch.PassTimes != nil {
			// The abbreviations sent replace the unit's; an empty value
			// returns one to the facility's; the others stay.
			merged := UnitPassTimesText(u.PassTimes)
			sent := map[string]bool{}
			for k, v := range *ch.PassTimes {
				key := strings.ToUpper(strings.TrimSpace(k))
				if sent[key] {
					return Invalid("pass_times."+key, "%s is given twice", key)
				}
				sent[key] = true
				merged[key] = v
			}
			d, err := ParseUnitPassTimes("pass_times", merged)
			if err != nil {
				return err
			}
			u.PassTimes = d
		}
		if ch.Windows != nil {
			u.Windows = *ch.Windows
		}
		if err := validateUnit(&u); err != nil {
			return err
		}
		if other, err := tx.FindUnitByCode(u.FacilityID, u.Code); err == nil && other.ID != u.ID {
			return &Error{Code: EConflict, Field: "code", Reason: "duplicate", Message: fmt.Sprintf("a unit with code %q exists", u.Code)}
		} else if err != nil && ErrorCodeOf(err) != ENotFound {
			return err
		}
		if err := tx.UpdateUnit(u); err != nil {
			return err
		}
		out = u
		return s.audit(tx, by, AuditEntry{Action: "unit.change", ObjectType: "unit", ObjectID: u.ID, Detail: map[string]any{"before": before, "after": unitDetail(u)}})
	})
	return out, err
}

// UnitPassTimesText is a unit's own times as text per abbreviation.
func UnitPassTimesText(d schedules.Defaults) map[string]string {
	out := map[string]string{}
	for k, ts := range d.Times {
		parts := make([]string, len(ts))
		for i, t := range ts {
			parts[i] = t.String()
		}
		out[k] = strings.Join(parts, ", ")
	}
	return out
}

func unitDetail(u Unit) map[string]any {
	return map[string]any{"code": u.Code, "name": u.Name, "time_zone": u.TimeZone, "pass_times": UnitPassTimesText(u.PassTimes),
		"windows_minutes": []int{int(u.Windows.TimeCritical / time.Minute), int(u.Windows.Frequent / time.Minute), int(u.Windows.Daily / time.Minute)}}
}

// windowsFor is the window policy of a unit: the facility's, with the
// unit's own widths where it sets them.
func (s *Service) windowsFor(u Unit) schedules.WindowPolicy {
	p := s.Schedule.Windows
	if u.Windows.TimeCritical > 0 {
		p.TimeCritical = u.Windows.TimeCritical
	}
	if u.Windows.Frequent > 0 {
		p.Frequent = u.Windows.Frequent
	}
	if u.Windows.Daily > 0 {
		p.Daily = u.Windows.Daily
	}
	return p
}

// FacilityWindows is the window policy a unit without its own widths has.
func (s *Service) FacilityWindows() schedules.WindowPolicy { return s.Schedule.Windows }

// FacilityPassTimes is the times a unit without its own has (for the
// administration page to show).
func (s *Service) FacilityPassTimes(u Unit) schedules.Defaults {
	u.PassTimes = schedules.Defaults{}
	return s.timesFor(u)
}
