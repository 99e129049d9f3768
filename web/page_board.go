package web

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/web/i18n"
)

// doseStatus is how a page shows a dose: a status class (the colour) and
// a label (the words; colour is never the only signal).
func doseStatus(d mar.ScheduledDose, now time.Time) (kind, label string) {
	switch d.Status {
	case mar.DoseGiven, mar.DoseHeld, mar.DoseRefused, mar.DoseNotGiven, mar.DoseMissed, mar.DoseSuspended, mar.DoseCancelled:
		kind = string(d.Status)
	default:
		switch {
		case now.Before(d.WindowStart):
			kind = "upcoming"
		case !now.After(d.WindowEnd):
			kind = "due"
		default:
			// The window closed undocumented: missed, whether or not the
			// sweeper has marked it yet.
			kind = "missed"
		}
	}
	return kind, stateLabel(kind)
}

// chosenUnit is the unit a page shows (?unit_id=, else the first) among
// those the caller may see, with its zone.
func (s *Server) chosenUnit(c *gin.Context) ([]mar.Unit, mar.Unit, *time.Location, error) {
	by := mustIdentity(c)
	units, err := s.svc.ListUnits(c.Request.Context(), by)
	if err != nil {
		return nil, mar.Unit{}, nil, err
	}
	if mar.ScopedToUnits(by.User.Role) {
		units = slices.DeleteFunc(units, func(u mar.Unit) bool { return !by.User.WorksOnUnit(u.ID) })
	}
	if len(units) == 0 {
		return nil, mar.Unit{}, nil, mar.Forbidden("you are not assigned to any unit")
	}
	unit := units[0]
	if id := c.Query("unit_id"); id != "" {
		i := slices.IndexFunc(units, func(u mar.Unit) bool { return u.ID == id })
		if i < 0 {
			return nil, mar.Unit{}, nil, mar.Forbidden("you are not assigned to this unit")
		}
		unit = units[i]
	}
	loc, err := unit.Location()
	return units, unit, loc, err
}

// dayRange is the unit's local day as UTC instants (23 or 25 hours long
// across a DST change).
func dayRange(day time.Time, loc *time.Location) (from, to time.Time) {
	y, m, d := day.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc).UTC(), time.Date(y, m, d+1, 0, 0, 0, 0, loc).UTC()
}

// parseDay reads a YYYY-MM-DD date in loc, defaulting to today there.
func parseDay(s string, now time.Time, loc *time.Location) (time.Time, error) {
	if s == "" {
		return now.In(loc), nil
	}
	t, err := time.ParseInLocation(time.DateOnly, s, loc)
	if err != nil {
		return time.Time{}, mar.Invalid("date", "must be a date YYYY-MM-DD")
	}
	return t, nil
}

type boardDose struct {
	Kind, Label string
	Medication  string
	Detail      string // who and when, for documented doses
}

type boardRow struct {
	Resident mar.Resident
	Cells    [][]boardDose // one per column of boardView.Times
}

type boardView struct {
	Units      []mar.Unit
	Unit       mar.Unit
	Date       string
	DayLabel   string
	Prev, Next string
	AsOf       string
	Times      []string
	Rows       []boardRow
	Counts     []statusCount
	Today      bool
}

type statusCount struct {
	Kind, Label string
	N           int
}

// boardFor builds the grid of a unit's day: residents by room, one column
// per dose time of the day.
func (s *Server) boardFor(c *gin.Context) (boardView, error) {
	by := mustIdentity(c)
	ctx := c.Request.Context()
	units, unit, loc, err := s.chosenUnit(c)
	if err != nil {
		return boardView{}, err
	}
	now := s.svc.Clock.Now()
	day, err := parseDay(c.Query("date"), now, loc)
	if err != nil {
		return boardView{}, err
	}
	from, to := dayRange(day, loc)
	b, err := s.svc.UnitBoard(ctx, by, unit.ID, from, to)
	if err != nil {
		return boardView{}, err
	}
	lc := s.locale(c)
	v := boardView{Units: units, Unit: unit, Date: day.Format(time.DateOnly), DayLabel: lc.FormatLongDate(day),
		Prev: day.AddDate(0, 0, -1).Format(time.DateOnly), Next: day.AddDate(0, 0, 1).Format(time.DateOnly),
		AsOf: lc.Format(now.In(loc), lc.Time+" MST"), Today: day.Format(time.DateOnly) == now.In(loc).Format(time.DateOnly)}
	col := map[string]int{}
	for _, d := range b.Doses {
		t := d.DueAt.In(loc).Format("15:04")
		if _, ok := col[t]; !ok {
			col[t] = 0
			v.Times = append(v.Times, t)
		}
	}
	slices.Sort(v.Times)
	for i, t := range v.Times {
		col[t] = i
	}
	row := map[string]int{}
	for _, r := range b.Residents {
		row[r.ID] = len(v.Rows)
		v.Rows = append(v.Rows, boardRow{Resident: r, Cells: make([][]boardDose, len(v.Times))})
	}
	counts := map[string]*statusCount{}
	for _, d := range b.Doses {
		ri, ok := row[d.ResidentID]
		if !ok {
			continue // discharged since
		}
		kind, label := doseStatus(d, now)
		label = lc.T(label)
		bd := boardDose{Kind: kind, Label: label, Medication: shortName(lc, b.Orders[d.OrderID])}
		if d.DocumentedAt != nil {
			bd.Detail = d.DocumentedAt.In(loc).Format("15:04")
			if u, ok := b.Staff[d.DocumentedBy]; ok {
				bd.Detail += " " + initials(u.DisplayName)
			}
		}
		ci := col[d.DueAt.In(loc).Format("15:04")]
		v.Rows[ri].Cells[ci] = append(v.Rows[ri].Cells[ci], bd)
		if counts[kind] == nil {
			counts[kind] = &statusCount{Kind: kind, Label: label}
		}
		counts[kind].N++
	}
	for _, k := range []string{"missed", "due", "upcoming", "given", "held", "refused", "not_given", "suspended", "cancelled"} {
		if sc := counts[k]; sc != nil {
			v.Counts = append(v.Counts, *sc)
		}
	}
	return v, nil
}

// shortName names a dose in a narrow cell: the ingredient and the
// ordered dose ("Metoprolol tartrate 25 mg"), which is what a nurse reads
// off the pack; the amount in the page's number format.
func shortName(lc *i18n.Locale, o mar.Order) string {
	name := o.Ingredient
	if name != "" {
		name = strings.ToUpper(name[:1]) + name[1:]
	}
	switch {
	case o.DoseValue > 0:
		return fmt.Sprintf("%s %s %s", name, lc.Number(o.DoseValue), o.DoseUnit)
	case len(o.SlidingScale) > 0:
		return name + " " + lc.T(tr("(sliding scale)"))
	}
	return name
}

func (s *Server) pageBoard(c *gin.Context) {
	v, err := s.boardFor(c)
	if err != nil {
		s.respondError(c, err)
		return
	}
	p := s.newPage(c, "Unit board", "board", "board.js")
	p.BodyClass = "board"
	p.Data = v
	s.render(c, http.StatusOK, "board", p)
}

// pageBoardGrid is the grid alone, which board.js swaps in when the alert
// stream says something changed.
func (s *Server) pageBoardGrid(c *gin.Context) {
	v, err := s.boardFor(c)
	if err != nil {
		s.respondError(c, err)
		return
	}
	p := s.newPage(c, "", "board")
	p.Data = v
	s.render(c, http.StatusOK, "board#grid", p)
}
