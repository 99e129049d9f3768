package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar"
)

// The reports page draws the dose report (mar.DoseReport, which also
// serves GET /api/v1/reports/doses) as SVG bar charts: on-time
// administration and scanning compliance, per day and per nurse.

// Targets drawn on the charts: the share of doses a unit aims to give in
// their window, and of administrations with both wristband and pack
// scanned (BCMA programmes commonly aim at 95 %).
const (
	onTimeTarget   = 95
	scanningTarget = 95
)

type reportsView struct {
	Units            []mar.Unit
	Unit             mar.Unit
	From, To         string // YYYY-MM-DD, local days, inclusive
	Period           string
	Total            mar.DoseReportLine
	Charts           []barChart
	CSVDay, CSVNurse string
	// Wristband: how residents were identified (scanned or selected by
	// hand), with the reasons for selections by hand.
	Wristband        mar.WristbandScanLine
	WristbandReasons []reasonCount
}

type reasonCount struct {
	Reason string
	Count  int
}

func (s *Server) pageReports(c *gin.Context) {
	v, err := s.reportsFor(c)
	if err != nil {
		s.respondError(c, err)
		return
	}
	p := s.newPage(c, "Reports", "reports")
	p.Data = v
	s.render(c, http.StatusOK, "reports", p)
}

func (s *Server) reportsFor(c *gin.Context) (reportsView, error) {
	by := mustIdentity(c)
	ctx := c.Request.Context()
	units, unit, loc, err := s.chosenUnit(c)
	if err != nil {
		return reportsView{}, err
	}
	now := s.svc.Clock.Now()
	last, err := parseDay(c.Query("to"), now, loc)
	if err != nil {
		return reportsView{}, err
	}
	first := last.AddDate(0, 0, -6)
	lc := s.locale(c)
	if f := c.Query("from"); f != "" {
		if first, err = parseDay(f, now, loc); err != nil {
			return reportsView{}, err
		}
	}
	if first.After(last) {
		return reportsView{}, mar.Invalid("from", "must not be after to")
	}
	from, _ := dayRange(first, loc)
	_, to := dayRange(last, loc)
	q := mar.DoseReportQuery{UnitID: unit.ID, From: from, To: to}
	q.Group = mar.GroupDay
	byDay, err := s.svc.DoseReport(ctx, by, q)
	if err != nil {
		return reportsView{}, err
	}
	q.Group = mar.GroupNurse
	byNurse, err := s.svc.DoseReport(ctx, by, q)
	if err != nil {
		return reportsView{}, err
	}
	v := reportsView{Units: units, Unit: unit, From: first.Format(time.DateOnly), To: last.Format(time.DateOnly), Total: byDay.Total,
		Period: lc.FormatDayMonth(first) + " – " + lc.FormatDate(last)}
	csv := func(group string) string {
		return "/api/v1/reports/doses?" + url.Values{"unit_id": {unit.ID}, "from": {from.Format(time.RFC3339)}, "to": {to.Format(time.RFC3339)},
			"group": {group}, "format": {"csv"}}.Encode()
	}
	v.CSVDay, v.CSVNurse = csv(mar.GroupDay), csv(mar.GroupNurse)

	// Every day of the period gets a bar, also a day without doses.
	days := map[string]mar.DoseReportLine{}
	for _, l := range byDay.Lines {
		days[l.Key] = l
	}
	var dayLines []mar.DoseReportLine
	var dayLabels []string
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		l := days[d.Format(time.DateOnly)]
		dayLines = append(dayLines, l)
		dayLabels = append(dayLabels, lc.Format(d, "Mon ")+lc.FormatDayMonth(d))
	}
	nurseLabels := make([]string, len(byNurse.Lines))
	for i, l := range byNurse.Lines {
		nurseLabels[i] = l.Key
	}
	scanned := slices.DeleteFunc(slices.Clone(byNurse.Lines), func(l mar.DoseReportLine) bool { return l.Scanned+l.Unscanned == 0 })
	scannedLabels := make([]string, len(scanned))
	for i, l := range scanned {
		scannedLabels[i] = l.Key
	}
	v.Charts = []barChart{
		onTimeChart("ontime-day", "On time, per day", "Day", dayLabels, dayLines),
		scanChart("scan-day", "Scanning compliance, per day", "Day", dayLabels, dayLines),
		onTimeChart("ontime-nurse", "On time, per nurse", "Nurse", nurseLabels, byNurse.Lines),
		scanChart("scan-nurse", "Scanning compliance, per nurse", "Nurse", scannedLabels, scanned),
	}
	q.Group = mar.GroupNurse
	wb, err := s.svc.WristbandScanReport(ctx, by, q)
	if err != nil {
		return reportsView{}, err
	}
	v.Wristband = wb.Total
	for r, n := range wb.Total.ByReason {
		v.WristbandReasons = append(v.WristbandReasons, reasonCount{r, n})
	}
	slices.SortFunc(v.WristbandReasons, func(a, b reasonCount) int { return strings.Compare(a.Reason, b.Reason) })
	v.Charts = append(v.Charts, wristbandChart(wb.Lines))
	return v, nil
}

// wristbandChart: of the administrations charted, the share whose resident
// was identified by a wristband scan rather than selected by hand.
func wristbandChart(lines []mar.WristbandScanLine) barChart {
	c := barChart{ID: "wristband-nurse", Title: "Wristband scanned, per nurse", GroupLabel: "Nurse", Target: scanningTarget, EmptyText: "none charted",
		Summary: fmt.Sprintf("Share of administrations whose resident was identified by a wristband scan, not selected by hand, by nurse; target %d %%.", scanningTarget)}
	for _, l := range lines {
		c.Bars = append(c.Bars, chartBar{Label: l.Key, Value: l.ScanPct, Empty: l.Administrations == 0,
			Note: fmt.Sprintf("%d of %d", l.Scanned, l.Administrations)})
	}
	return c.layout(560)
}

// onTimeChart: of the doses that are settled (given, held, refused, not
// given or missed), the share given inside their window.
func onTimeChart(id, title, group string, labels []string, lines []mar.DoseReportLine) barChart {
	c := barChart{ID: id, Title: title, GroupLabel: group, Target: onTimeTarget, EmptyText: "no doses due",
		Summary: fmt.Sprintf("Share of settled doses given within their administration window, by %s; target %d %%.", group, onTimeTarget)}
	for i, l := range lines {
		settled := l.Due - l.Open
		c.Bars = append(c.Bars, chartBar{Label: labels[i], Value: l.OnTimePct, Empty: settled == 0,
			Note: fmt.Sprintf("%d of %d", l.OnTime, settled)})
	}
	return c.layout(560)
}

// scanChart: of the doses given, the share with both the wristband and
// the pack scanned (not keyed).
func scanChart(id, title, group string, labels []string, lines []mar.DoseReportLine) barChart {
	c := barChart{ID: id, Title: title, GroupLabel: group, Target: scanningTarget, EmptyText: "none given",
		Summary: fmt.Sprintf("Share of given doses with wristband and pack scanned, by %s; target %d %%.", group, scanningTarget)}
	for i, l := range lines {
		n := l.Scanned + l.Unscanned
		c.Bars = append(c.Bars, chartBar{Label: labels[i], Value: l.ScanPct, Empty: n == 0, Note: fmt.Sprintf("%d of %d", l.Scanned, n)})
	}
	return c.layout(560)
}
