package mar

import (
	"context"
	"sort"
	"time"
)

// Report groupings.
const (
	GroupUnit       = "unit"
	GroupShift      = "shift"
	GroupNurse      = "nurse"
	GroupMedication = "medication"
	GroupDay        = "day" // the local date of the due time, YYYY-MM-DD
)

// maxReportSpan bounds one report, so a request cannot scan years of doses.
const maxReportSpan = 93 * 24 * time.Hour

// DoseReportFilter selects the doses of a report.
type DoseReportFilter struct {
	FacilityID string
	UnitIDs    []string // empty = every unit
	From, To   time.Time
}

// DoseReportRow is one dose as the report sees it.
type DoseReportRow struct {
	DoseID       string
	UnitID       string
	UnitCode     string
	TimeZone     string
	DueAt        time.Time
	WindowEnd    time.Time
	Status       DoseStatus
	DocumentedAt *time.Time
	DocumentedBy string
	NurseName    string
	Medication   string
	// Scanning, from the administration that documented a given dose.
	// HasScanInfo is false where no administration is linked.
	HasScanInfo    bool
	Keyed          bool
	ScannedWrist   bool
	ScannedProduct bool
}

// DoseReportLine is the tally of one group.
type DoseReportLine struct {
	Key       string
	Due       int // doses due, less those cancelled or suspended with their order
	Open      int // still waiting (not yet due or not yet swept)
	Given     int
	OnTime    int // given before the window closed
	Late      int // given after the window closed
	Missed    int
	Held      int
	Refused   int
	NotGiven  int
	OnTimePct float64 // OnTime of the doses that are settled (Due - Open)
	Scanned   int     // given with both the wristband and the product scanned
	Unscanned int     // given with the product keyed or a scan missing
	ScanPct   float64 // Scanned of Scanned + Unscanned
}

// DoseReport is the answer to a report request.
type DoseReport struct {
	From, To time.Time
	Group    string
	Lines    []DoseReportLine
	Total    DoseReportLine
}

// DoseReportQuery is what the caller asks for.
type DoseReportQuery struct {
	UnitID   string
	From, To time.Time
	Group    string
}

// DoseReport tallies missed and late doses, on-time administration and
// scanning compliance, grouped by unit, shift, nurse or medication.
func (s *Service) DoseReport(ctx context.Context, by Identity, q DoseReportQuery) (DoseReport, error) {
	if q.Group == "" {
		q.Group = GroupUnit
	}
	switch q.Group {
	case GroupUnit, GroupShift, GroupNurse, GroupMedication, GroupDay:
	default:
		return DoseReport{}, Invalid("group", "must be unit, shift, nurse, medication or day")
	}
	if q.To.IsZero() {
		q.To = s.now()
	}
	if q.From.IsZero() {
		q.From = q.To.Add(-7 * 24 * time.Hour)
	}
	if !q.From.Before(q.To) {
		return DoseReport{}, Invalid("from", "must be before to")
	}
	if q.To.Sub(q.From) > maxReportSpan {
		return DoseReport{}, Invalid("to", "a report spans at most 93 days")
	}
	if q.UnitID != "" && !ValidID(q.UnitID) {
		return DoseReport{}, Invalid("unit_id", "is not a valid id")
	}
	f := DoseReportFilter{FacilityID: by.User.FacilityID, From: q.From.UTC(), To: q.To.UTC()}
	switch by.User.Role {
	case RoleChargeNurse:
		if q.UnitID != "" && !by.User.WorksOnUnit(q.UnitID) {
			return DoseReport{}, Forbidden("you are not assigned to this unit")
		}
		f.UnitIDs = by.User.UnitIDs
		if len(f.UnitIDs) == 0 {
			return DoseReport{}, Forbidden("you are not assigned to any unit")
		}
	case RoleAdmin:
	default:
		return DoseReport{}, Forbidden("the %s role may not run dose reports", by.User.Role)
	}
	if q.UnitID != "" {
		f.UnitIDs = []string{q.UnitID}
	}
	var rows []DoseReportRow
	err := s.Store.InTx(ctx, func(tx Tx) error {
		var err error
		if rows, err = tx.ReportDoses(f); err != nil {
			return err
		}
		return s.audit(tx, by, AuditEntry{Action: "report.doses", ObjectType: "unit", ObjectID: q.UnitID,
			Detail: map[string]any{"from": f.From, "to": f.To, "group": q.Group, "doses": len(rows)}})
	})
	if err != nil {
		return DoseReport{}, err
	}
	return tallyDoses(rows, q.Group, s.shifts(), f.From, f.To), nil
}

func tallyDoses(rows []DoseReportRow, group string, shifts ShiftStarts, from, to time.Time) DoseReport {
	lines := map[string]*DoseReportLine{}
	total := DoseReportLine{Key: "total"}
	locs := map[string]*time.Location{}
	for _, r := range rows {
		if r.Status == DoseCancelled || r.Status == DoseSuspended {
			continue
		}
		var key string
		switch group {
		case GroupUnit:
			key = r.UnitCode
		case GroupShift, GroupDay:
			loc, ok := locs[r.TimeZone]
			if !ok {
				var err error
				if loc, err = time.LoadLocation(r.TimeZone); err != nil {
					loc = time.UTC
				}
				locs[r.TimeZone] = loc
			}
			if group == GroupDay {
				key = r.DueAt.In(loc).Format(time.DateOnly)
			} else {
				key, _ = shifts.At(r.DueAt, loc)
			}
		case GroupNurse:
			key = r.NurseName
			if key == "" && r.DocumentedBy != "" {
				key = r.DocumentedBy
			}
			if key == "" {
				key = "(not documented)"
			}
		case GroupMedication:
			key = r.Medication
		}
		l := lines[key]
		if l == nil {
			l = &DoseReportLine{Key: key}
			lines[key] = l
		}
		l.add(r)
		total.add(r)
	}
	out := DoseReport{From: from, To: to, Group: group}
	for _, l := range lines {
		l.finish()
		out.Lines = append(out.Lines, *l)
	}
	order := func(k string) int {
		if group == GroupShift {
			return shiftIndex(k)
		}
		return 0
	}
	sort.Slice(out.Lines, func(i, j int) bool {
		a, b := out.Lines[i].Key, out.Lines[j].Key
		if oa, ob := order(a), order(b); oa != ob {
			return oa < ob
		}
		return a < b
	})
	total.finish()
	out.Total = total
	return out
}

func (l *DoseReportLine) add(r DoseReportRow) {
	l.Due++
	switch r.Status {
	case DoseScheduled:
		l.Open++
	case DoseGiven:
		l.Given++
		if r.DocumentedAt != nil && r.DocumentedAt.After(r.WindowEnd) {
			l.Late++
		} else {
			l.OnTime++
		}
		if r.HasScanInfo {
			if !r.Keyed && r.ScannedWrist && r.ScannedProduct {
				l.Scanned++
			} else {
				l.Unscanned++
			}
		}
	case DoseMissed:
		l.Missed++
	case DoseHeld:
		l.Held++
	case DoseRefused:
		l.Refused++
	case DoseNotGiven:
		l.NotGiven++
	}
}

func (l *DoseReportLine) finish() {
	if settled := l.Due - l.Open; settled > 0 {
		l.OnTimePct = round1(100 * float64(l.OnTime) / float64(settled))
	}
	if n := l.Scanned + l.Unscanned; n > 0 {
		l.ScanPct = round1(100 * float64(l.Scanned) / float64(n))
	}
}

func round1(f float64) float64 { return float64(int64(f*10+0.5)) / 10 }
