package web

import (
	"bytes"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/web/i18n"
)

// The MAR as a PDF for surveyors: the same grid as the printed page (one
// line per order and time of day, the days across), drawn on landscape
// Letter or A4 by the server so that what is filed does not depend on a
// browser's print engine. Every page repeats the resident's identity and
// allergies, the period, the day headers and the key; a period longer than
// fits across a page is split into blocks of at most 31 days.

// marPDFText holds the words the PDF prints.
type marPDFText struct {
	Title, Born, MRN, Room, Allergies, NoAllergies, TimesIn, Printed, Page, Of string
	Medication, Time, Continued, Signatures, Key                               string
	KeyInitials, KeyProjected, KeyLater, KeyNone, AsNeeded                     string
	KeyGivenUnsigned, NoOrders                                                 string
	SlidingScale, From, To                                                     string
}

// marPDFWords are the words the PDF prints, in English, in one place for
// translation: ServerTexts lists them for the catalogue, and the PDF is
// drawn with them translated into the request's language (in).
var marPDFWords = marPDFText{
	Title: "Medication administration record", Born: "born", MRN: "MRN", Room: "Room", Allergies: "Allergies", NoAllergies: "none recorded",
	TimesIn: "times in", Printed: "printed", Page: "Page", Of: "of",
	Medication: "Medication", Time: "Time", Continued: "(continued)", Signatures: "Signatures", Key: "Key",
	KeyInitials: "initials: given by (see signatures)", KeyProjected: "projected from the order's schedule (beyond the doses scheduled so far)",
	KeyLater: "white: due later", KeyNone: "grey: not scheduled", AsNeeded: "as needed",
	KeyGivenUnsigned: "given (the signer is not on this facility's staff list)", SlidingScale: "by sliding scale", NoOrders: "No medication orders in this period.", From: "from", To: "to",
}

// texts lists the words, for the completeness test.
func (w marPDFText) texts() []string {
	v := reflect.ValueOf(w)
	out := make([]string, v.NumField())
	for i := range out {
		out[i] = v.Field(i).String()
	}
	return out
}

// in is the words translated into the locale's language (English when lc
// is nil or has no translation).
func (w marPDFText) in(lc *i18n.Locale) marPDFText {
	v := reflect.ValueOf(&w).Elem()
	for i := 0; i < v.NumField(); i++ {
		v.Field(i).SetString(lc.T(v.Field(i).String()))
	}
	return w
}

// pdfDates writes the PDF's dates: in English as before ("2 January
// 2006"), in another language in its locale's formats (06.12.2026).
type pdfDates struct{ lc *i18n.Locale }

func (d pdfDates) english() bool { return d.lc == nil || d.lc.Tag == i18n.English }

// day is a date of the period ("2 January 2006").
func (d pdfDates) day(t time.Time) string {
	if d.english() {
		return t.Format("2 January 2006")
	}
	return d.lc.FormatDate(t)
}

// short is an order's start or stop ("2 Jan 2006").
func (d pdfDates) short(t time.Time) string {
	if d.english() {
		return t.Format("2 Jan 2006")
	}
	return d.lc.FormatDate(t)
}

// month is a whole month ("January 2006").
func (d pdfDates) month(t time.Time) string {
	if d.english() {
		return t.Format("January 2006")
	}
	return d.lc.FormatMonth(t)
}

// stamp is when the PDF was printed, with the zone.
func (d pdfDates) stamp(t time.Time) string {
	if d.english() {
		return t.Format("2 Jan 2006 15:04 MST")
	}
	return d.lc.FormatDateTime(t) + " " + t.Format("MST")
}

// weekday is a day header's weekday (the grid's English "Mon" otherwise).
func (d pdfDates) weekday(day marDay) string {
	t, err := time.Parse(time.DateOnly, day.Date)
	if d.english() || err != nil {
		return day.Weekday
	}
	return d.lc.Format(t, "Mon")
}

// marPDFProjected is the mark of a projected dose (its cell is also dotted).
const marPDFProjected = "P"

// marPDFGiven marks a dose given by someone the staff list does not name.
const marPDFGiven = "+"

// paperSizes are the landscape sheets the PDF is drawn on.
var paperSizes = map[string]string{"letter": "Letter", "a4": "A4"}

func (s *Server) marPDF(c *gin.Context) {
	paper := c.DefaultQuery("paper", "letter")
	size, ok := paperSizes[paper]
	if !ok {
		s.respondError(c, mar.Invalid("paper", "must be letter or a4"))
		return
	}
	now := s.svc.Clock.Now()
	var first, last time.Time
	v, err := s.marGrid(c, s.svc.PrintableMAR, func(loc *time.Location) (time.Time, int, error) {
		var err error
		if first, last, err = exportDays(c, now, loc); err != nil {
			return time.Time{}, 0, err
		}
		n := 0
		for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
			n++
		}
		return first, n, nil
	})
	if err != nil {
		s.respondError(c, err)
		return
	}
	lc := s.locale(c)
	dates := pdfDates{lc}
	v.Title = dates.day(first) + " – " + dates.day(last)
	if first.Day() == 1 && last.Equal(first.AddDate(0, 1, -1)) {
		v.Title = dates.month(first)
	}
	out, err := renderMARPDF(v, size, now, marPDFWords.in(lc), dates)
	if err != nil {
		s.respondError(c, err)
		return
	}
	safeMRN := strings.Map(func(c rune) rune {
		if c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '-' {
			return c
		}
		return '_'
	}, v.Resident.MRN)
	c.Header("Content-Disposition", `attachment; filename="mar-`+safeMRN+"-"+first.Format("20060102")+"-"+last.Format("20060102")+`.pdf"`)
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "application/pdf", out)
}

// PDF geometry, in millimetres.
const (
	pdfMargin   = 10.0
	pdfMedW     = 64.0 // the medication column
	pdfTimeW    = 11.0
	pdfRowH     = 6.0
	pdfHeadH    = 17.0 // identity lines above the grid
	pdfDayHeadH = 7.0
	pdfFootH    = 15.0 // the key and the page number
	pdfMaxDays  = 31   // days across one page
)

// renderMARPDF draws the grid of v on landscape pages of the given size
// ("Letter" or "A4"), with the words w and dates in their language.
func renderMARPDF(v marView, size string, now time.Time, w marPDFText, dates pdfDates) ([]byte, error) {
	pdf := fpdf.New("L", "mm", size, "")
	pdf.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	pdf.SetAutoPageBreak(false, 0)
	pdf.AliasNbPages("{nb}")
	pdf.SetCreationDate(now)
	pdf.SetModificationDate(now)
	cp1252 := pdf.UnicodeTranslatorFromDescriptor("") // cp1252 for the core fonts
	r := v.Resident
	pdf.SetTitle(cp1252(w.Title+" — "+r.DisplayName()+" — "+v.Title), false)
	pdf.SetCreator("eMAR", false)
	pageW, pageH := pdf.GetPageSize()
	usable := pageW - 2*pdfMargin
	bodyTop := pdfMargin + pdfHeadH + pdfDayHeadH
	bodyBottom := pageH - pdfMargin - pdfFootH

	allergies := w.NoAllergies
	if len(r.Allergies) > 0 {
		parts := make([]string, len(r.Allergies))
		for i, a := range r.Allergies {
			parts[i] = a.Substance
			if a.Reaction != "" {
				parts[i] += " (" + a.Reaction + ")"
			}
		}
		allergies = strings.Join(parts, "; ")
	}
	identity := fmt.Sprintf("%s · %s %s · %s %s · %s %s%s · %s", r.DisplayName(), w.Born, r.BirthDate, w.MRN, r.MRN, w.Room, r.Room, r.Bed, v.Unit.Name)
	// The identifier's system goes in the footer: the header keeps to what
	// a nurse reads.
	mrnFull := r.MRN
	if r.MRNSystem != "" {
		mrnFull += " (" + r.MRNSystem + ")"
	}
	printed := dates.stamp(now.In(mustLoc(v.Unit)))

	var days []marDay // the block of days on the current page
	var dayW float64
	blockTitle := v.Title // the period, or the block's days when the period spans several

	// fit shortens text to a width, marking the cut.
	fit := func(s string, width float64) string {
		s = cp1252(s)
		if pdf.GetStringWidth(s) <= width {
			return s
		}
		ell := cp1252("…")
		for len(s) > 0 && pdf.GetStringWidth(s+ell) > width {
			s = s[:len(s)-1]
		}
		return s + ell
	}

	pdf.SetHeaderFuncMode(func() {
		x, y := pdfMargin, pdfMargin
		pdf.SetTextColor(0, 0, 0)
		pdf.SetFont("Helvetica", "B", 10)
		pdf.SetXY(x, y)
		pdf.CellFormat(usable*0.62, 5, fit(identity, usable*0.62), "", 0, "L", false, 0, "")
		pdf.SetFont("Helvetica", "B", 9)
		pdf.CellFormat(usable*0.38, 5, fit(w.Title, usable*0.38), "", 1, "R", false, 0, "")
		pdf.SetX(x)
		pdf.SetFont("Helvetica", "B", 9)
		if len(r.Allergies) > 0 {
			pdf.SetTextColor(170, 0, 0)
		}
		pdf.CellFormat(usable*0.62, 5, fit(w.Allergies+": "+allergies, usable*0.62), "", 0, "L", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
		pdf.SetFont("Helvetica", "", 9)
		pdf.CellFormat(usable*0.38, 5, fit(blockTitle+" · "+w.TimesIn+" "+v.Unit.TimeZone, usable*0.38), "", 1, "R", false, 0, "")
		// The grid's header.
		y = pdfMargin + pdfHeadH
		pdf.SetFillColor(235, 235, 235)
		pdf.SetDrawColor(120, 120, 120)
		pdf.SetLineWidth(0.2)
		pdf.SetFont("Helvetica", "B", 8)
		pdf.SetXY(x, y)
		pdf.CellFormat(pdfMedW, pdfDayHeadH, cp1252(w.Medication), "1", 0, "L", true, 0, "")
		pdf.CellFormat(pdfTimeW, pdfDayHeadH, cp1252(w.Time), "1", 0, "C", true, 0, "")
		for _, d := range days {
			cx := pdf.GetX()
			pdf.Rect(cx, y, dayW, pdfDayHeadH, "FD")
			pdf.SetFont("Helvetica", "", 5.5)
			pdf.SetXY(cx, y+0.4)
			pdf.CellFormat(dayW, 3, cp1252(dates.weekday(d)), "", 0, "C", false, 0, "")
			pdf.SetFont("Helvetica", "B", 7.5)
			pdf.SetXY(cx, y+3.3)
			pdf.CellFormat(dayW, 3.4, d.Day, "", 0, "C", false, 0, "")
			pdf.SetXY(cx+dayW, y)
		}
	}, true)

	pdf.SetFooterFunc(func() {
		y := pageH - pdfMargin - pdfFootH + 1.5
		pdf.SetTextColor(0, 0, 0)
		pdf.SetFont("Helvetica", "", 6.5)
		var key []string
		key = append(key, w.KeyInitials, marPDFGiven+" "+w.KeyGivenUnsigned)
		for _, mc := range marCodes {
			key = append(key, mc.Code+" "+stateMeaning(string(mc.Status)))
		}
		key = append(key, marPDFProjected+" "+w.KeyProjected, w.KeyLater, w.KeyNone)
		pdf.SetXY(pdfMargin, y)
		pdf.MultiCell(usable, 3, cp1252(w.Key+": "+strings.Join(key, " · ")), "", "L", false)
		pdf.SetXY(pdfMargin, pageH-pdfMargin-3.5)
		pdf.SetFont("Helvetica", "", 7)
		pdf.CellFormat(usable*0.8, 3.5, fit(r.DisplayName()+" · "+w.MRN+" "+mrnFull+" · "+w.Printed+" "+printed, usable*0.8), "", 0, "L", false, 0, "")
		pdf.CellFormat(usable*0.2, 3.5, cp1252(fmt.Sprintf("%s %d %s {nb}", w.Page, pdf.PageNo(), w.Of)), "", 0, "R", false, 0, "")
	})

	// Orders as groups of lines, kept together on a page where they fit.
	type group struct{ lines []marLine }
	var groups []group
	for _, l := range v.Lines {
		if l.First || len(groups) == 0 {
			groups = append(groups, group{})
		}
		groups[len(groups)-1].lines = append(groups[len(groups)-1].lines, l)
	}

	for start := 0; start < len(v.Days) || start == 0; start += pdfMaxDays {
		end := min(start+pdfMaxDays, len(v.Days))
		days = v.Days[start:end]
		dayW = (usable - pdfMedW - pdfTimeW) / float64(max(len(days), 1))
		if len(v.Days) > pdfMaxDays {
			// The day headers give the day of the month only: name the
			// block's first and last date.
			a, errA := time.Parse(time.DateOnly, days[0].Date)
			b, errB := time.Parse(time.DateOnly, days[len(days)-1].Date)
			if errA == nil && errB == nil {
				blockTitle = dates.day(a) + " – " + dates.day(b)
			}
		}
		pdf.AddPage()
		y := bodyTop
		for _, g := range groups {
			// Rows grow so that the order's text fits beside them: a
			// once-daily order still shows its instructions and prescriber.
			rowH := max(pdfRowH, medTextHeight(g.lines[0].Order)/float64(len(g.lines)))
			h := float64(len(g.lines)) * rowH
			if y+h > bodyBottom && y > bodyTop {
				pdf.AddPage()
				y = bodyTop
			}
			gy, cont := y, false
			for _, l := range g.lines {
				if y+rowH > bodyBottom {
					// An order longer than a page goes on, named again.
					drawMedText(pdf, fit, w, dates, g.lines[0], gy, y-gy, cont)
					pdf.AddPage()
					y, gy, cont = bodyTop, bodyTop, true
				}
				pdf.SetXY(pdfMargin+pdfMedW, y)
				pdf.SetFont("Helvetica", "", 7)
				pdf.SetDrawColor(120, 120, 120)
				pdf.CellFormat(pdfTimeW, rowH, cp1252(l.Time), "1", 0, "C", false, 0, "")
				for _, cell := range l.Cells[start:end] {
					drawMARCell(pdf, cp1252, cell, pdf.GetX(), y, dayW, rowH)
				}
				y += rowH
			}
			drawMedText(pdf, fit, w, dates, g.lines[0], gy, y-gy, cont)
		}
		if len(groups) == 0 {
			pdf.SetXY(pdfMargin, y)
			pdf.SetFont("Helvetica", "", 9)
			pdf.CellFormat(usable, pdfRowH, cp1252(w.NoOrders), "1", 0, "L", false, 0, "")
		}
		if end >= len(v.Days) {
			break
		}
	}

	// Signatures: who the initials are.
	if len(v.Staff) > 0 {
		y := pdf.GetY() + pdfRowH + 2
		need := 6 + 3.5*float64((len(v.Staff)+2)/3)
		if y+need > bodyBottom {
			pdf.AddPage()
			y = bodyTop
		}
		pdf.SetXY(pdfMargin, y)
		pdf.SetFont("Helvetica", "B", 9)
		pdf.CellFormat(usable, 5, cp1252(w.Signatures), "", 1, "L", false, 0, "")
		pdf.SetFont("Helvetica", "", 8)
		for i, st := range v.Staff {
			if i%3 == 0 {
				pdf.SetX(pdfMargin)
			}
			ln := 0
			if i%3 == 2 || i == len(v.Staff)-1 {
				ln = 1
			}
			pdf.CellFormat(usable/3, 3.5, fit(st.Initials+"  "+st.Name+" ("+st.Role+")", usable/3), "", ln, "L", false, 0, "")
		}
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("mar pdf: %w", err)
	}
	return buf.Bytes(), nil
}

// medTextHeight is the height the text of an order's medication cell
// needs: its name, dose and frequency, instructions and prescriber.
func medTextHeight(o mar.Order) float64 {
	n := 3.0
	if o.Instructions != "" {
		n++
	}
	return 1.2 + n*2.6
}

// drawMedText fills an order's medication cell (its lines' height): the
// name, then the dose, route and frequency, then what room is left for
// the instructions and the prescriber.
func drawMedText(pdf *fpdf.Fpdf, fit func(string, float64) string, w marPDFText, dates pdfDates, l marLine, y, h float64, continued bool) {
	if h <= 0 {
		return
	}
	pdf.SetDrawColor(120, 120, 120)
	pdf.Rect(pdfMargin, y, pdfMedW, h, "D")
	o := l.Order
	name := l.Medication
	if continued {
		name += " " + w.Continued
	}
	dose := l.Dose
	if len(o.SlidingScale) > 0 {
		dose = o.DoseUnit + " " + w.SlidingScale
	}
	second := strings.TrimSpace(dose + " " + o.Route + " · " + o.Frequency)
	if o.PRN {
		second += " · " + w.AsNeeded
		if o.PRNReason != "" {
			second += " " + o.PRNReason
		}
	}
	third := o.Prescriber + " · " + w.From + " " + dates.short(o.StartAt)
	if o.StopAt != nil {
		third += " " + w.To + " " + dates.short(*o.StopAt)
	}
	if o.Status != mar.OrderActive {
		third += " · " + string(o.Status)
	}
	lines := []struct {
		style string
		size  float64
		text  string
	}{{"B", 6.5, name}, {"", 6, second}, {"I", 5.5, o.Instructions}, {"", 5.5, third}}
	ty := y + 0.6
	for _, ln := range lines {
		if ln.text == "" {
			continue
		}
		if ty+2.6 > y+h+0.1 {
			break
		}
		pdf.SetFont("Helvetica", ln.style, ln.size)
		pdf.SetXY(pdfMargin+0.8, ty)
		pdf.CellFormat(pdfMedW-1.6, 2.5, fit(ln.text, pdfMedW-1.6), "", 0, "L", false, 0, "")
		ty += 2.6
	}
}

// drawMARCell draws one day's cell: grey where no dose is scheduled, a
// dotted "P" where one is projected, otherwise the initials or the code.
func drawMARCell(pdf *fpdf.Fpdf, cp1252 func(string) string, cell marCell, x, y, w, h float64) {
	text := cell.Text
	pdf.SetDrawColor(120, 120, 120)
	switch cell.Class {
	case "":
		pdf.SetFillColor(215, 215, 215)
		pdf.Rect(x, y, w, h, "FD")
	case "projected":
		pdf.Rect(x, y, w, h, "D")
		pdf.SetDrawColor(90, 90, 90)
		pdf.SetDashPattern([]float64{0.4, 0.6}, 0)
		pdf.Rect(x+0.7, y+0.7, w-1.4, h-1.4, "D")
		pdf.SetDashPattern([]float64{}, 0)
		pdf.SetTextColor(90, 90, 90)
		text = marPDFProjected
	case "missed", "refused", "held", "not_given":
		pdf.Rect(x, y, w, h, "D")
		pdf.SetTextColor(170, 0, 0)
	default:
		pdf.Rect(x, y, w, h, "D")
	}
	if text == "✓" { // the core fonts have no check mark
		text = marPDFGiven
	}
	size := 6.5
	pdf.SetFont("Helvetica", "B", size)
	for size > 4 && pdf.GetStringWidth(cp1252(text)) > w-0.6 {
		size -= 0.5
		pdf.SetFont("Helvetica", "B", size)
	}
	pdf.SetXY(x, y)
	pdf.CellFormat(w, h, cp1252(text), "", 0, "C", false, 0, "")
	pdf.SetTextColor(0, 0, 0)
	pdf.SetXY(x+w, y)
}

// mustLoc is a unit's zone, UTC when it does not load (the read already
// checked it).
func mustLoc(u mar.Unit) *time.Location {
	loc, err := u.Location()
	if err != nil {
		return time.UTC
	}
	return loc
}
