package mar

import (
	"context"
	"sort"
	"time"
)

// Groupings of the wristband-scan compliance report (GroupUnit and
// GroupNurse are shared with the dose report).
const GroupReason = "reason"

// WristbandScanRow is one administration as the wristband-scan report sees
// it: who charted it on which unit, and whether the resident was
// identified by a wristband scan or selected by hand (and why).
type WristbandScanRow struct {
	AdministrationID string
	UnitCode         string
	PerformerID      string
	NurseName        string
	Scanned          bool   // a wristband was scanned
	ManualReason     string // the resident was selected by hand, for this reason
}

// WristbandScanLine tallies one group.
type WristbandScanLine struct {
	Key             string
	Administrations int
	Scanned         int            // the wristband was scanned
	SelectedByHand  int            // selected by hand with two identifiers
	ByReason        map[string]int // SelectedByHand by reason
	ScanPct         float64        // Scanned of Administrations
}

// WristbandScanReport is the wristband-scan compliance report.
type WristbandScanReport struct {
	From, To time.Time
	Group    string
	Lines    []WristbandScanLine
	Total    WristbandScanLine
}

// WristbandScanReport tallies, for the administrations charted in a period
// (entered-in-error ones left out), how the resident was identified: by a
// wristband scan or selected by hand, per unit, nurse or reason. Charge
// nurses see their units; admins the facility. The read is audited.
func (s *Service) WristbandScanReport(ctx context.Context, by Identity, q DoseReportQuery) (WristbandScanReport, error) {
	if q.Group == "" {
		q.Group = GroupUnit
	}
	switch q.Group {
	case GroupUnit, GroupNurse, GroupReason:
	default:
		return WristbandScanReport{}, Invalid("group", "must be unit, nurse or reason")
	}
	if q.To.IsZero() {
		q.To = s.now()
	}
	if q.From.IsZero() {
		q.From = q.To.Add(-7 * 24 * time.Hour)
	}
	if !q.From.Before(q.To) {
		return WristbandScanReport{}, Invalid("from", "must be before to")
	}
	if q.To.Sub(q.From) > maxReportSpan {
		return WristbandScanReport{}, Invalid("to", "a report spans at most 93 days")
	}
	if q.UnitID != "" && !ValidID(q.UnitID) {
		return WristbandScanReport{}, Invalid("unit_id", "is not a valid id")
	}
	f := DoseReportFilter{FacilityID: by.User.FacilityID, From: q.From.UTC(), To: q.To.UTC()}
	switch by.User.Role {
	case RoleChargeNurse:
		if q.UnitID != "" && !by.User.WorksOnUnit(q.UnitID) {
			return WristbandScanReport{}, Forbidden("you are not assigned to this unit")
		}
		f.UnitIDs = by.User.UnitIDs
		if len(f.UnitIDs) == 0 {
			return WristbandScanReport{}, Forbidden("you are not assigned to any unit")
		}
	case RoleAdmin:
	default:
		return WristbandScanReport{}, Forbidden("the %s role may not run scanning reports", by.User.Role)
	}
	if q.UnitID != "" {
		f.UnitIDs = []string{q.UnitID}
	}
	var rows []WristbandScanRow
	err := s.Store.InTx(ctx, func(tx Tx) error {
		var err error
		if rows, err = tx.ReportWristbandScans(f); err != nil {
			return err
		}
		return s.audit(tx, by, AuditEntry{Action: "report.wristband_scans", ObjectType: "unit", ObjectID: q.UnitID,
			Detail: map[string]any{"from": f.From, "to": f.To, "group": q.Group, "administrations": len(rows)}})
	})
	if err != nil {
		return WristbandScanReport{}, err
	}
	return tallyWristbandScans(rows, q.Group, f.From, f.To), nil
}

func tallyWristbandScans(rows []WristbandScanRow, group string, from, to time.Time) WristbandScanReport {
	lines := map[string]*WristbandScanLine{}
	total := WristbandScanLine{Key: "total", ByReason: map[string]int{}}
	for _, r := range rows {
		var key string
		switch group {
		case GroupUnit:
			key = r.UnitCode
		case GroupNurse:
			key = r.NurseName
			if key == "" {
				key = r.PerformerID
			}
		case GroupReason:
			key = r.ManualReason
			if r.Scanned {
				key = "(wristband scanned)"
			} else if key == "" {
				key = "(not identified)"
			}
		}
		l := lines[key]
		if l == nil {
			l = &WristbandScanLine{Key: key, ByReason: map[string]int{}}
			lines[key] = l
		}
		l.add(r)
		total.add(r)
	}
	out := WristbandScanReport{From: from, To: to, Group: group}
	for _, l := range lines {
		l.finish()
		out.Lines = append(out.Lines, *l)
	}
	sort.Slice(out.Lines, func(i, j int) bool { return out.Lines[i].Key < out.Lines[j].Key })
	total.finish()
	out.Total = total
	return out
}

func (l *WristbandScanLine) add(r WristbandScanRow) {
	l.Administrations++
	switch {
	case r.Scanned:
		l.Scanned++
	case r.ManualReason != "":
		l.SelectedByHand++
		l.ByReason[r.ManualReason]++
	}
}

func (l *WristbandScanLine) finish() {
	if l.Administrations > 0 {
		l.ScanPct = round1(100 * float64(l.Scanned) / float64(l.Administrations))
	}
}
