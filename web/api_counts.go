package web

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/scanning"
)

var countResolvers = []mar.Role{mar.RoleChargeNurse, mar.RolePharmacist}

// countRoutes are the shift-change count of controlled substances, its
// discrepancies, and the shift handover.
func (s *Server) countRoutes() []Route {
	return []Route{
		{"GET", "/api/v1/controlled-counts/sheet", clinical, "the controlled products to count on a unit (unit_id), without the expected quantities (a blind count)", s.countSheet},
		{"POST", "/api/v1/controlled-counts", nursing, "record a shift-change count of every controlled product on a unit, signed by the incoming nurse (witness); mismatches open discrepancies and alert", s.recordControlledCount},
		{"GET", "/api/v1/controlled-counts", clinical, "a unit's shift-change counts (unit_id, from, to, format=json|csv: the count report, one row per product counted)", s.listControlledCounts},
		{"GET", "/api/v1/count-discrepancies", clinical, "count discrepancies (unit_id, status=open|all)", s.listCountDiscrepancies},
		{"POST", "/api/v1/count-discrepancies/:id/resolve", countResolvers, "resolve a count discrepancy with a reason (someone who did not count)", s.resolveCountDiscrepancy},
	}
}

type countSheetLineJSON struct {
	ProductID  string `json:"product_id"`
	Lot        string `json:"lot"` // "" when the records cannot tell the lot
	Name       string `json:"name"`
	Controlled string `json:"controlled"`
}

type countSheetJSON struct {
	UnitID            string               `json:"unit_id"`
	Shift             string               `json:"shift"`
	ShiftDate         string               `json:"shift_date"`
	Lines             []countSheetLineJSON `json:"lines"`
	LastCount         *controlledCountJSON `json:"last_count"`
	OpenDiscrepancies int                  `json:"open_discrepancies"`
}

type countLineJSON struct {
	ID         string     `json:"id"`
	CountID    string     `json:"count_id"`
	UnitID     string     `json:"unit_id"`
	ProductID  string     `json:"product_id"`
	Lot        string     `json:"lot"`
	Expected   float64    `json:"expected"`
	Counted    float64    `json:"counted"`
	Difference float64    `json:"difference"`
	Status     string     `json:"status"`
	AlertID    string     `json:"alert_id,omitempty"`
	CountedAt  time.Time  `json:"counted_at"`
	OutgoingBy string     `json:"outgoing_by"`
	IncomingBy string     `json:"incoming_by"`
	ResolvedBy string     `json:"resolved_by,omitempty"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
	Resolution string     `json:"resolution,omitempty"`
}

type controlledCountJSON struct {
	ID            string          `json:"id"`
	UnitID        string          `json:"unit_id"`
	Shift         string          `json:"shift"`
	ShiftDate     string          `json:"shift_date"`
	OutgoingBy    string          `json:"outgoing_by"`
	IncomingBy    string          `json:"incoming_by"`
	CountedAt     time.Time       `json:"counted_at"`
	Note          string          `json:"note,omitempty"`
	Discrepancies int             `json:"discrepancies"`
	Lines         []countLineJSON `json:"lines"`
}

func toCountLineJSON(l mar.ControlledCountLine) countLineJSON {
	return countLineJSON{ID: l.ID, CountID: l.CountID, UnitID: l.UnitID, ProductID: l.ProductID, Lot: l.Lot, Expected: l.Expected, Counted: l.Counted,
		Difference: l.Difference(), Status: l.Status, AlertID: l.AlertID, CountedAt: l.CountedAt, OutgoingBy: l.OutgoingBy, IncomingBy: l.IncomingBy,
		ResolvedBy: l.ResolvedBy, ResolvedAt: l.ResolvedAt, Resolution: l.Resolution}
}

func toControlledCountJSON(c mar.ControlledCount) controlledCountJSON {
	out := controlledCountJSON{ID: c.ID, UnitID: c.UnitID, Shift: c.Shift, ShiftDate: c.ShiftDate, OutgoingBy: c.OutgoingBy, IncomingBy: c.IncomingBy,
		CountedAt: c.CountedAt, Note: c.Note, Discrepancies: c.Discrepancies(), Lines: make([]countLineJSON, len(c.Lines))}
	for i, l := range c.Lines {
		l.CountedAt, l.OutgoingBy, l.IncomingBy = c.CountedAt, c.OutgoingBy, c.IncomingBy
		out.Lines[i] = toCountLineJSON(l)
	}
	return out
}

func (s *Server) countSheet(c *gin.Context) {
	sheet, err := s.svc.ControlledCountSheet(c.Request.Context(), mustIdentity(c), c.Query("unit_id"))
	if err != nil {
		s.respondError(c, err)
		return
	}
	out := countSheetJSON{UnitID: sheet.Unit.ID, Shift: sheet.Shift, ShiftDate: sheet.ShiftDate, Lines: []countSheetLineJSON{}, OpenDiscrepancies: sheet.OpenDiscrepancies}
	for _, l := range sheet.Lines {
		out.Lines = append(out.Lines, countSheetLineJSON{ProductID: l.Product.ID, Lot: l.Lot, Name: l.Product.Name, Controlled: l.Product.Controlled})
	}
	if sheet.LastCount != nil {
		lc := toControlledCountJSON(*sheet.LastCount)
		out.LastCount = &lc
	}
	c.JSON(http.StatusOK, out)
}

type controlledCountRequest struct {
	UnitID string `json:"unit_id"`
	Shift  string `json:"shift"`
	Lines  []struct {
		ProductID string   `json:"product_id"`
		Lot       string   `json:"lot"`
		Counted   *float64 `json:"counted"`
	} `json:"lines"`
	Note    string       `json:"note"`
	Witness *witnessJSON `json:"witness"`
}

func (s *Server) recordControlledCount(c *gin.Context) {
	var req controlledCountRequest
	if _, err := readJSON(c, &req); err != nil {
		s.respondError(c, err)
		return
	}
	in := mar.ControlledCountInput{UnitID: req.UnitID, Shift: req.Shift, Note: req.Note, Witness: witnessCreds(req.Witness)}
	if w := in.Witness; w != nil && w.Badge != "" {
		// The count page sends the badge as the scanner typed it: read it
		// with the facility's badge formats (a bare badge id stays as is).
		opts, err := s.svc.BadgeScanOptions(c.Request.Context())
		if err != nil {
			s.respondError(c, err)
			return
		}
		opts.Expect = scanning.KindBadge
		if code, err := scanning.Parse(w.Badge, opts); err == nil && code.Kind == scanning.KindBadge && code.Identifiers["badge"] != "" {
			w.Badge = code.Identifiers["badge"]
		}
	}
	for i, l := range req.Lines {
		if l.Counted == nil {
			s.respondError(c, mar.Invalid("lines["+strconv.Itoa(i)+"].counted", "is required (0 when none are left)"))
			return
		}
		in.Lines = append(in.Lines, mar.ControlledCountLineInput{ProductID: l.ProductID, Lot: l.Lot, Counted: *l.Counted})
	}
	cnt, err := s.svc.RecordControlledCount(c.Request.Context(), mustIdentity(c), in)
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusCreated, toControlledCountJSON(cnt))
}

func (s *Server) listControlledCounts(c *gin.Context) {
	from, to, err := timeRange(c, time.Time{}, time.Time{})
	if err != nil {
		s.respondError(c, err)
		return
	}
	format := c.DefaultQuery("format", "json")
	if format != "json" && format != "csv" {
		s.respondError(c, mar.Invalid("format", "must be json or csv"))
		return
	}
	list, names, err := s.svc.ControlledCounts(c.Request.Context(), mustIdentity(c), c.Query("unit_id"), from, to)
	if err != nil {
		s.respondError(c, err)
		return
	}
	if format == "csv" {
		// The month's (or any period's) count report: one row per product
		// and lot counted, oldest first, with product and staff names.
		products := map[string]string{}
		if ps, err := s.svc.ListProducts(c.Request.Context(), mustIdentity(c)); err == nil {
			for _, p := range ps {
				products[p.ID] = p.Name
			}
		}
		num := func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
		rows := [][]string{{"counted_at", "shift", "shift_date", "outgoing", "incoming", "product_id", "product", "lot", "expected", "counted", "difference", "status", "resolved_by", "resolved_at", "resolution"}}
		for i := len(list) - 1; i >= 0; i-- {
			cnt := list[i]
			for _, l := range cnt.Lines {
				resolvedAt := ""
				if l.ResolvedAt != nil {
					resolvedAt = l.ResolvedAt.Format(time.RFC3339)
				}
				rows = append(rows, []string{cnt.CountedAt.Format(time.RFC3339), cnt.Shift, cnt.ShiftDate, names[cnt.OutgoingBy], names[cnt.IncomingBy],
					l.ProductID, products[l.ProductID], l.Lot, num(l.Expected), num(l.Counted), num(l.Difference()), l.Status, names[l.ResolvedBy], resolvedAt, l.Resolution})
			}
		}
		writeCSVNumbers(c, "controlled-counts.csv", rows)
		return
	}
	out := make([]controlledCountJSON, len(list))
	for i, cnt := range list {
		out[i] = toControlledCountJSON(cnt)
	}
	c.JSON(http.StatusOK, listOf(out))
}

func (s *Server) listCountDiscrepancies(c *gin.Context) {
	open := true
	switch c.DefaultQuery("status", "open") {
	case "open":
	case "all":
		open = false
	default:
		s.respondError(c, mar.Invalid("status", "must be open or all"))
		return
	}
	list, err := s.svc.CountDiscrepancies(c.Request.Context(), mustIdentity(c), c.Query("unit_id"), open)
	if err != nil {
		s.respondError(c, err)
		return
	}
	out := make([]countLineJSON, len(list))
	for i, l := range list {
		out[i] = toCountLineJSON(l)
	}
	c.JSON(http.StatusOK, listOf(out))
}

func (s *Server) resolveCountDiscrepancy(c *gin.Context) {
	var req struct {
		Reason string `json:"reason"`
	}
	if _, err := readJSON(c, &req); err != nil {
		s.respondError(c, err)
		return
	}
	l, err := s.svc.ResolveCountDiscrepancy(c.Request.Context(), mustIdentity(c), c.Param("id"), req.Reason)
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, toCountLineJSON(l))
}

// writeCSVNumbers is writeCSV for tables with signed numbers: a cell that
// is a number (a shortfall of -1) is written as it is, since a number is no
// formula; every other cell gets writeCSV's guard against formulas.
func writeCSVNumbers(c *gin.Context, filename string, rows [][]string) {
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="`+filename+`"`)
	w := csv.NewWriter(c.Writer)
	for _, r := range rows {
		safe := make([]string, len(r))
		for i, cell := range r {
			if _, err := strconv.ParseFloat(cell, 64); err != nil && cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				cell = "'" + cell
			}
			safe[i] = cell
		}
		_ = w.Write(safe)
	}
	w.Flush()
}
