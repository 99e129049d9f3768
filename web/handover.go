package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar"
)

// handoverRoutes are the shift handover as JSON and as the charge nurse's
// page, and the surveyor's MAR export.
func (s *Server) handoverRoutes() []Route {
	return []Route{
		{"GET", "/api/v1/handover", nursing, "the shift handover of a unit (unit_id, shift=day|evening|night, date=YYYY-MM-DD; times in the unit's zone)", s.handoverJSON},
		{"POST", "/api/v1/handover/acknowledge", nursing, "acknowledge the handover of a unit's shift as the incoming nurse (unit_id, shift, date, note), once per person", s.acknowledgeHandover},
		{"GET", "/counts", clinical, "the controlled-substance count page of a unit (unit_id): the blind count with the incoming nurse's signature, open discrepancies to resolve", s.pageCounts},
		{"GET", "/handover", nursing, "the shift handover page of a unit (unit_id, shift, date), printable", s.pageHandover},
		{"GET", "/api/v1/residents/:id/mar.csv", clinical, "a resident's MAR over a period as CSV for surveyors (from, to; at most 93 days)", s.marCSV},
		{"GET", "/api/v1/residents/:id/mar.pdf", clinical, "a resident's MAR over a period as a paginated PDF for surveyors (from, to; at most 93 days; paper=letter|a4, landscape)", s.marPDF},
	}
}

func (s *Server) handoverQuery(c *gin.Context) mar.HandoverQuery {
	return mar.HandoverQuery{UnitID: c.Query("unit_id"), Shift: c.Query("shift"), Date: c.Query("date")}
}

type handoverDoseJSON struct {
	DoseID      string     `json:"dose_id,omitempty"`
	OrderID     string     `json:"order_id"`
	Medication  string     `json:"medication"`
	DueAt       time.Time  `json:"due_at"`
	Status      string     `json:"status"`
	Late        bool       `json:"late"`
	ReasonCode  string     `json:"reason_code,omitempty"`
	ReasonText  string     `json:"reason_text,omitempty"`
	PerformedAt *time.Time `json:"performed_at,omitempty"`
	By          string     `json:"by,omitempty"`
}

type handoverPRNJSON struct {
	AdministrationID string     `json:"administration_id"`
	OrderID          string     `json:"order_id"`
	Medication       string     `json:"medication"`
	Indication       string     `json:"indication,omitempty"`
	GivenAt          time.Time  `json:"given_at"`
	By               string     `json:"by"`
	FollowupDueAt    *time.Time `json:"followup_due_at,omitempty"`
	FollowupStatus   string     `json:"followup_status,omitempty"`
	FollowupOverdue  bool       `json:"followup_overdue"`
	FollowupResult   string     `json:"followup_result,omitempty"`
}

type handoverResidentJSON struct {
	ResidentID string             `json:"resident_id"`
	Name       string             `json:"name"`
	Room       string             `json:"room"`
	Bed        string             `json:"bed"`
	Doses      []handoverDoseJSON `json:"doses"`
	PRNs       []handoverPRNJSON  `json:"prns"`
}

type handoverOrderJSON struct {
	OrderID    string    `json:"order_id"`
	ResidentID string    `json:"resident_id"`
	Resident   string    `json:"resident"`
	Medication string    `json:"medication"`
	Status     string    `json:"status"`
	Change     string    `json:"change,omitempty"`
	Reason     string    `json:"reason,omitempty"`
	At         time.Time `json:"at"`
}

type handoverJSON struct {
	UnitID            string                 `json:"unit_id"`
	Unit              string                 `json:"unit"`
	TimeZone          string                 `json:"time_zone"`
	Shift             string                 `json:"shift"`
	ShiftDate         string                 `json:"shift_date"`
	From              time.Time              `json:"from"`
	To                time.Time              `json:"to"`
	GeneratedAt       time.Time              `json:"generated_at"`
	Tally             map[string]int         `json:"tally"`
	Residents         []handoverResidentJSON `json:"residents"`
	Alerts            []alertJSON            `json:"alerts"`
	Pending           []handoverOrderJSON    `json:"pending_verifications"`
	Changes           []handoverOrderJSON    `json:"order_changes"`
	CountDone         bool                   `json:"count_done"`
	LastCount         *controlledCountJSON   `json:"last_count"`
	OpenDiscrepancies []countLineJSON        `json:"open_discrepancies"`
	Acknowledgements  []handoverAckJSON      `json:"acknowledgements"`
}

type handoverAckJSON struct {
	UserID         string    `json:"user_id"`
	Name           string    `json:"name,omitempty"`
	AcknowledgedAt time.Time `json:"acknowledged_at"`
	Note           string    `json:"note,omitempty"`
}

func tallyMap(t mar.HandoverTally) map[string]int {
	return map[string]int{"due": t.Due, "given": t.Given, "late": t.Late, "held": t.Held, "refused": t.Refused, "not_given": t.NotGiven, "missed": t.Missed, "open": t.Open}
}

func medicationOf(o mar.Order) string {
	s := o.Ingredient
	if o.DoseValue > 0 {
		s += " " + formatQty(o.DoseValue) + " " + o.DoseUnit
	}
	return s
}

func formatQty(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func toHandoverJSON(r mar.HandoverReport) handoverJSON {
	loc := r.Location
	in := func(t time.Time) time.Time { return t.In(loc) }
	inp := func(t *time.Time) *time.Time {
		if t == nil {
			return nil
		}
		v := t.In(loc)
		return &v
	}
	out := handoverJSON{UnitID: r.Unit.ID, Unit: r.Unit.Name, TimeZone: r.Unit.TimeZone, Shift: r.Shift, ShiftDate: r.ShiftDate,
		From: in(r.From), To: in(r.To), GeneratedAt: in(r.GeneratedAt), Tally: tallyMap(r.Tally),
		Residents: []handoverResidentJSON{}, Alerts: []alertJSON{}, Pending: []handoverOrderJSON{}, CountDone: r.CountDone, OpenDiscrepancies: []countLineJSON{}}
	for _, res := range r.Residents {
		rj := handoverResidentJSON{ResidentID: res.Resident.ID, Name: res.Resident.DisplayName(), Room: res.Resident.Room, Bed: res.Resident.Bed,
			Doses: []handoverDoseJSON{}, PRNs: []handoverPRNJSON{}}
		for _, d := range res.Doses {
			rj.Doses = append(rj.Doses, handoverDoseJSON{DoseID: d.DoseID, OrderID: d.OrderID, Medication: d.Medication, DueAt: in(d.DueAt), Status: string(d.Status),
				Late: d.Late, ReasonCode: d.ReasonCode, ReasonText: d.ReasonText, PerformedAt: inp(d.PerformedAt), By: d.By})
		}
		for _, p := range res.PRNs {
			rj.PRNs = append(rj.PRNs, handoverPRNJSON{AdministrationID: p.AdministrationID, OrderID: p.OrderID, Medication: p.Medication, Indication: p.Indication,
				GivenAt: in(p.GivenAt), By: p.By, FollowupDueAt: inp(p.FollowupDueAt), FollowupStatus: p.FollowupStatus, FollowupOverdue: p.FollowupOverdue, FollowupResult: p.FollowupResult})
		}
		out.Residents = append(out.Residents, rj)
	}
	for _, a := range r.Alerts {
		out.Alerts = append(out.Alerts, toAlertJSON(a))
	}
	order := func(p mar.HandoverOrder) handoverOrderJSON {
		return handoverOrderJSON{OrderID: p.Order.ID, ResidentID: p.Resident.ID, Resident: p.Resident.DisplayName(), Medication: medicationOf(p.Order),
			Status: string(p.Order.Status), Change: p.Change, Reason: p.Order.StatusReason, At: in(p.At)}
	}
	for _, p := range r.Pending {
		out.Pending = append(out.Pending, order(p))
	}
	out.Changes = []handoverOrderJSON{}
	for _, p := range r.Changes {
		out.Changes = append(out.Changes, order(p))
	}
	if r.LastCount != nil {
		lc := toControlledCountJSON(*r.LastCount)
		lc.CountedAt = in(lc.CountedAt)
		out.LastCount = &lc
	}
	for _, l := range r.OpenDiscrepancies {
		out.OpenDiscrepancies = append(out.OpenDiscrepancies, toCountLineJSON(l))
	}
	out.Acknowledgements = []handoverAckJSON{}
	for _, a := range r.Acknowledgements {
		out.Acknowledgements = append(out.Acknowledgements, handoverAckJSON{UserID: a.UserID, Name: r.AckNames[a.UserID], AcknowledgedAt: in(a.AcknowledgedAt), Note: a.Note})
	}
	return out
}

func (s *Server) handoverJSON(c *gin.Context) {
	rep, err := s.svc.Handover(c.Request.Context(), mustIdentity(c), s.handoverQuery(c))
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, toHandoverJSON(rep))
}

// handoverView is what the handover page shows.
type handoverView struct {
	Units  []mar.Unit
	Report mar.HandoverReport
	Shifts []string
	Date   string
}

func (s *Server) pageHandover(c *gin.Context) {
	units, unit, _, err := s.chosenUnit(c)
	if err != nil {
		s.respondError(c, err)
		return
	}
	q := s.handoverQuery(c)
	q.UnitID = unit.ID
	rep, err := s.svc.Handover(c.Request.Context(), mustIdentity(c), q)
	if err != nil {
		s.respondError(c, err)
		return
	}
	p := s.newPage(c, "Shift handover", "handover", "handover.js")
	p.Data = handoverView{Units: units, Report: rep, Shifts: mar.Shifts, Date: rep.ShiftDate}
	s.render(c, http.StatusOK, "handover", p)
}

// exportDays is the first and last local day of a surveyor's export:
// from and to (YYYY-MM-DD, to inclusive); from alone: a month from it;
// neither: the current month.
func exportDays(c *gin.Context, now time.Time, loc *time.Location) (first, last time.Time, err error) {
	today := now.In(loc)
	first = time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, loc)
	last = first.AddDate(0, 1, -1)
	if f := c.Query("from"); f != "" {
		if first, err = time.ParseInLocation(time.DateOnly, f, loc); err != nil {
			return time.Time{}, time.Time{}, mar.Invalid("from", "must be a date YYYY-MM-DD")
		}
		if c.Query("to") == "" {
			last = first.AddDate(0, 1, -1)
		}
	}
	if t := c.Query("to"); t != "" {
		if last, err = time.ParseInLocation(time.DateOnly, t, loc); err != nil {
			return time.Time{}, time.Time{}, mar.Invalid("to", "must be a date YYYY-MM-DD")
		}
	}
	if last.Before(first) {
		return time.Time{}, time.Time{}, mar.Invalid("to", "must not be before from")
	}
	return first, last, nil
}

// marCSV answers a resident's MAR over a period as CSV (RFC 4180, through
// encoding/csv): one row per scheduled dose with what was documented for
// it, one per as-needed administration; administrations entered in error
// stay, marked. Times are in the unit's zone with their offset. from and
// to are local dates (inclusive); the default is the current month.
func (s *Server) marCSV(c *gin.Context) {
	now := s.svc.Clock.Now()
	var first, last time.Time
	exp, err := s.svc.ExportMAR(c.Request.Context(), mustIdentity(c), c.Param("id"), func(loc *time.Location) (time.Time, time.Time, error) {
		var err error
		if first, last, err = exportDays(c, now, loc); err != nil {
			return time.Time{}, time.Time{}, err
		}
		from, _ := dayRange(first, loc)
		_, to := dayRange(last, loc)
		return from, to, nil
	})
	if err != nil {
		s.respondError(c, err)
		return
	}
	loc := exp.Location
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(loc).Format(time.RFC3339)
	}
	r := exp.Resident
	rows := [][]string{{"resident", "mrn_system", "mrn", "birth_date", "unit", "time_zone", "order_id", "medication", "route", "frequency", "prn",
		"dose_id", "due", "window_end", "status", "performed", "recorded", "performed_by", "witness", "amount", "unit_of_measure", "quantity",
		"lot", "reason_code", "reason_text", "prn_indication", "late", "back_documented", "entered_in_error", "error_reason"}}
	for _, row := range exp.Rows {
		o := row.Order
		line := []string{r.DisplayName(), r.MRNSystem, r.MRN, r.BirthDate, exp.Unit.Name, exp.Unit.TimeZone, o.ID, medicationOf(o), o.Route, o.Frequency, strconv.FormatBool(o.PRN)}
		if d := row.Dose; d != nil {
			line = append(line, d.ID, ts(d.DueAt), ts(d.WindowEnd), string(d.Status))
		} else {
			status := ""
			if row.Administration != nil {
				status = string(row.Administration.Outcome)
			}
			line = append(line, "", "", "", status)
		}
		if a := row.Administration; a != nil {
			late := a.Late || (row.Dose != nil && a.PerformedAt.After(row.Dose.WindowEnd))
			line = append(line, ts(a.PerformedAt), ts(a.RecordedAt), row.PerformerName, row.WitnessName, formatQty(a.Amount), a.Unit, formatQty(a.Quantity),
				a.Lot, a.ReasonCode, a.ReasonText, a.PRNIndication, strconv.FormatBool(late), strconv.FormatBool(a.BackDocumented),
				strconv.FormatBool(a.EnteredInError), a.ErrorReason)
		} else {
			line = append(line, "", "", "", "", "", "", "", "", "", "", "", "false", "false", "false", "")
		}
		rows = append(rows, line)
	}
	safeMRN := strings.Map(func(c rune) rune {
		if c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '-' {
			return c
		}
		return '_'
	}, r.MRN)
	writeCSV(c, "mar-"+safeMRN+"-"+first.Format("20060102")+"-"+last.Format("20060102")+".csv", rows)
}

func (s *Server) acknowledgeHandover(c *gin.Context) {
	var req struct {
		UnitID string `json:"unit_id"`
		Shift  string `json:"shift"`
		Date   string `json:"date"`
		Note   string `json:"note"`
	}
	if _, err := readJSON(c, &req); err != nil {
		s.respondError(c, err)
		return
	}
	a, err := s.svc.AcknowledgeHandover(c.Request.Context(), mustIdentity(c), mar.HandoverQuery{UnitID: req.UnitID, Shift: req.Shift, Date: req.Date}, req.Note)
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"id": a.ID, "unit_id": a.UnitID, "shift": a.Shift, "shift_date": a.ShiftDate, "user_id": a.UserID, "acknowledged_at": a.AcknowledgedAt})
}
