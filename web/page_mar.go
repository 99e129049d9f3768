package web

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar"
)

// The MAR view is the classic paper grid that long-term-care facilities
// file: medications down the side (one line per administration time),
// the days of a week or a month across, and in each cell the initials of
// who gave the dose or a code for what happened instead.

// marCodes are the letters a cell shows for doses that were not given;
// what they mean is the state's meaning in the vocabulary (vocabulary.go).
var marCodes = []struct {
	Status mar.DoseStatus
	Code   string
}{
	{mar.DoseHeld, "H"},
	{mar.DoseRefused, "R"},
	{mar.DoseNotGiven, "N"},
	{mar.DoseMissed, "M"},
	{mar.DoseSuspended, "S"},
	{mar.DoseCancelled, "X"},
}

type marCell struct {
	Class string // status class; "" when no dose is scheduled
	Text  string // initials or code
	Title string // the dose in words
}

type marLine struct {
	First      bool // first line of its order: carries the order's text
	Lines      int  // lines of the order (rowspan)
	Medication string
	Order      mar.Order
	Dose       string // the ordered dose with the product's quantity: "10 units (0.1 mL)"
	Time       string // HH:MM, or "PRN"
	Cells      []marCell
}

type marDay struct {
	Date    string
	Day     string // day of month
	Weekday string // Mon …
	Today   bool
}

type marStaff struct {
	Initials, Name, Role string
}

type marView struct {
	Resident   mar.Resident
	Unit       mar.Unit
	Period     string // week or month
	Title      string // "November 2026" or "Week of 16 November 2026"
	Days       []marDay
	Lines      []marLine
	Codes      []struct{ Code, Meaning string }
	Staff      []marStaff
	Printed    string
	Prev, Next string
}

func (s *Server) pageMAR(c *gin.Context) {
	v, err := s.marFor(c)
	if err != nil {
		s.respondError(c, err)
		return
	}
	p := s.newPage(c, "MAR — "+v.Resident.DisplayName(), "", "mar.js")
	p.BodyClass = "mar-page"
	p.Data = v
	s.render(c, http.StatusOK, "mar", p)
}

func (s *Server) marFor(c *gin.Context) (marView, error) {
	period := c.DefaultQuery("period", "week")
	if period != "week" && period != "month" {
		return marView{}, mar.Invalid("period", "must be week or month")
	}
	now := s.svc.Clock.Now()
	var first time.Time
	v, err := s.marGrid(c, s.svc.ResidentMAR, func(loc *time.Location) (time.Time, int, error) {
		day, err := parseDay(c.Query("date"), now, loc)
		if err != nil {
			return time.Time{}, 0, err
		}
		y, m, d := day.Date()
		if period == "week" {
			first = time.Date(y, m, d-(int(day.Weekday())+6)%7, 0, 0, 0, 0, loc) // Monday
			return first, 7, nil
		}
		first = time.Date(y, m, 1, 0, 0, 0, 0, loc)
		return first, first.AddDate(0, 1, -1).Day(), nil
	})
	if err != nil {
		return marView{}, err
	}
	v.Period = period
	if period == "week" {
		v.Title = "Week of " + first.Format("Monday 2 January 2006")
		v.Prev, v.Next = first.AddDate(0, 0, -7).Format(time.DateOnly), first.AddDate(0, 0, 7).Format(time.DateOnly)
	} else {
		v.Title = first.Format("January 2006")
		v.Prev, v.Next = first.AddDate(0, -1, 0).Format(time.DateOnly), first.AddDate(0, 1, 0).Format(time.DateOnly)
	}
	return v, nil
}

// marRead reads a resident's record for a MAR (the page's read or the
// printed export's).
type marRead func(ctx context.Context, by mar.Identity, residentID string, period mar.MARPeriod) (mar.ResidentMAR, error)

// marGrid builds the grid of the n days from first, which pick chooses in
// the zone of the resident's unit.
func (s *Server) marGrid(c *gin.Context, read marRead, pick func(loc *time.Location) (first time.Time, n int, err error)) (marView, error) {
	by := mustIdentity(c)
	ctx := c.Request.Context()
	now := s.svc.Clock.Now()
	var v marView
	var first time.Time
	var n int
	// The period is chosen in the zone of the resident's unit, which the
	// read itself finds.
	rec, err := read(ctx, by, c.Param("id"), func(loc *time.Location) (time.Time, time.Time, error) {
		var err error
		if first, n, err = pick(loc); err != nil {
			return time.Time{}, time.Time{}, err
		}
		from, _ := dayRange(first, loc)
		_, to := dayRange(first.AddDate(0, 0, n-1), loc)
		return from, to, nil
	})
	if err != nil {
		return marView{}, err
	}
	loc, err := rec.Unit.Location()
	if err != nil {
		return marView{}, err
	}
	v.Resident, v.Unit = rec.Resident, rec.Unit
	v.Printed = now.In(loc).Format("2 Jan 2006 15:04 MST")
	dayIndex := map[string]int{}
	today := now.In(loc).Format(time.DateOnly)
	for i := range n {
		t := first.AddDate(0, 0, i)
		key := t.Format(time.DateOnly)
		dayIndex[key] = i
		v.Days = append(v.Days, marDay{Date: key, Day: t.Format("2"), Weekday: t.Format("Mon"), Today: key == today})
	}

	// One line per order and local time of day; PRN orders get one line.
	type lineKey struct{ order, time string }
	type marDose struct {
		mar.ScheduledDose
		projected bool
	}
	byOrder := map[string][]marDose{}
	for _, d := range rec.Doses {
		byOrder[d.OrderID] = append(byOrder[d.OrderID], marDose{ScheduledDose: d})
	}
	for _, d := range rec.Projected {
		byOrder[d.OrderID] = append(byOrder[d.OrderID], marDose{ScheduledDose: d, projected: true})
	}
	orders := make([]mar.Order, 0, len(rec.Orders))
	for _, o := range rec.Orders {
		orders = append(orders, o)
	}
	slices.SortFunc(orders, func(a, b mar.Order) int {
		if a.PRN != b.PRN {
			if a.PRN {
				return 1
			}
			return -1
		}
		return strings.Compare(rec.MedicationName(a), rec.MedicationName(b))
	})
	usedStaff := map[string]bool{}
	prnByOrder := map[string][]mar.Administration{}
	for _, a := range rec.PRN {
		prnByOrder[a.OrderID] = append(prnByOrder[a.OrderID], a)
	}
	for _, o := range orders {
		var product *mar.Product
		if p, ok := rec.Products[o.ProductID]; ok {
			product = &p
		}
		dose := mar.OrderDoseWords(o, product)
		times := []string{}
		cells := map[lineKey][]marCell{}
		for _, d := range byOrder[o.ID] {
			local := d.DueAt.In(loc)
			k := lineKey{o.ID, local.Format("15:04")}
			if _, ok := cells[k]; !ok {
				times = append(times, k.time)
				cells[k] = make([]marCell, n)
			}
			di, ok := dayIndex[local.Format(time.DateOnly)]
			if !ok {
				continue
			}
			if d.projected {
				cells[k][di] = marCell{Class: "projected", Title: stateLabel("projected") + ", due " + local.Format("Mon 2 Jan 15:04")}
				continue
			}
			cells[k][di] = marCellOf(d.ScheduledDose, now, loc, rec.Staff, usedStaff)
		}
		slices.Sort(times)
		prn := prnCells(prnByOrder[o.ID], n, dayIndex, loc, rec.Staff, usedStaff)
		lines := len(times)
		if o.PRN || prn != nil {
			lines++
		}
		if lines == 0 {
			v.Lines = append(v.Lines, marLine{First: true, Lines: 1, Medication: rec.MedicationName(o), Order: o, Dose: dose, Time: "—", Cells: make([]marCell, n)})
			continue
		}
		for i, t := range times {
			v.Lines = append(v.Lines, marLine{First: i == 0, Lines: lines, Medication: rec.MedicationName(o), Order: o, Dose: dose, Time: t, Cells: cells[lineKey{o.ID, t}]})
		}
		if o.PRN || prn != nil {
			if prn == nil {
				prn = make([]marCell, n)
			}
			v.Lines = append(v.Lines, marLine{First: len(times) == 0, Lines: lines, Medication: rec.MedicationName(o), Order: o, Dose: dose, Time: "PRN", Cells: prn})
		}
	}
	for _, mc := range marCodes {
		v.Codes = append(v.Codes, struct{ Code, Meaning string }{mc.Code, stateMeaning(string(mc.Status))})
	}
	for id := range usedStaff {
		u := rec.Staff[id]
		v.Staff = append(v.Staff, marStaff{Initials: initials(u.DisplayName), Name: u.DisplayName, Role: roleName(u.Role)})
	}
	slices.SortFunc(v.Staff, func(a, b marStaff) int { return strings.Compare(a.Name, b.Name) })
	return v, nil
}

func marCellOf(d mar.ScheduledDose, now time.Time, loc *time.Location, staff map[string]mar.User, used map[string]bool) marCell {
	kind, label := doseStatus(d, now)
	cell := marCell{Class: kind, Title: fmt.Sprintf("%s, due %s", label, d.DueAt.In(loc).Format("Mon 2 Jan 15:04"))}
	if d.DocumentedAt != nil {
		cell.Title += ", documented " + d.DocumentedAt.In(loc).Format("15:04")
		if u, ok := staff[d.DocumentedBy]; ok {
			cell.Title += " by " + u.DisplayName
		}
	}
	switch d.Status {
	case mar.DoseGiven:
		if u, ok := staff[d.DocumentedBy]; ok {
			cell.Text = initials(u.DisplayName)
			used[u.ID] = true
		} else {
			cell.Text = "✓"
		}
		return cell
	case mar.DoseScheduled:
		if kind != string(mar.DoseMissed) {
			return cell
		}
	}
	for _, mc := range marCodes {
		if string(mc.Status) == kind {
			cell.Text = mc.Code
		}
	}
	if d.DocumentedBy != "" {
		used[d.DocumentedBy] = true
	}
	return cell
}

// prnCells puts as-needed administrations on the days they were
// performed: initials (and how many times, when more than once), with the
// times and reasons in the cell's title. nil when there are none.
func prnCells(admins []mar.Administration, n int, dayIndex map[string]int, loc *time.Location, staff map[string]mar.User, used map[string]bool) []marCell {
	if len(admins) == 0 {
		return nil
	}
	cells := make([]marCell, n)
	count := make([]int, n)
	slices.SortFunc(admins, func(a, b mar.Administration) int { return a.PerformedAt.Compare(b.PerformedAt) })
	for _, a := range admins {
		local := a.PerformedAt.In(loc)
		di, ok := dayIndex[local.Format(time.DateOnly)]
		if !ok {
			continue
		}
		who := "?"
		name := ""
		if u, ok := staff[a.PerformerID]; ok {
			who, name = initials(u.DisplayName), u.DisplayName
			used[u.ID] = true
		}
		count[di]++
		c := &cells[di]
		what := string(a.Outcome)
		if a.Outcome == mar.OutcomeGiven && a.Unit != "" {
			what += " " + mar.DoseWords(a.Amount, a.Unit, a.Quantity, a.QuantityUnit)
		}
		if a.PRNIndication != "" {
			what += " for " + a.PRNIndication
		}
		entry := fmt.Sprintf("%s %s by %s", local.Format("15:04"), what, name)
		if c.Title == "" {
			c.Title, c.Text = "As needed: "+entry, who
			c.Class = "given"
			if a.Outcome != mar.OutcomeGiven {
				c.Class = string(a.Outcome.DoseStatus())
			}
		} else {
			c.Title += "; " + entry
			c.Text = fmt.Sprintf("%s ×%d", who, count[di])
		}
	}
	return cells
}
