package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar"
)

type holdParamJSON struct {
	Vital string  `json:"vital"`
	Op    string  `json:"op"`
	Value float64 `json:"value"`
}

type scaleStepJSON struct {
	Min  float64 `json:"min"`
	Max  float64 `json:"max"`
	Dose float64 `json:"dose"`
}

type orderJSON struct {
	ID           string          `json:"id"`
	ResidentID   string          `json:"resident_id"`
	ProductID    string          `json:"product_id,omitempty"`
	Ingredient   string          `json:"ingredient"`
	DoseValue    float64         `json:"dose_value"`
	DoseUnit     string          `json:"dose_unit"`
	MaxDose      float64         `json:"max_dose,omitempty"`
	Route        string          `json:"route"`
	Frequency    string          `json:"frequency"`
	PRN          bool            `json:"prn"`
	PRNReason    string          `json:"prn_reason,omitempty"`
	StartAt      time.Time       `json:"start_at"`
	StopAt       *time.Time      `json:"stop_at,omitempty"`
	Status       string          `json:"status"`
	Prescriber   string          `json:"prescriber,omitempty"`
	Instructions string          `json:"instructions,omitempty"`
	DoseForm     string          `json:"dose_form,omitempty"`
	WindowClass  string          `json:"window_class,omitempty"`
	HoldParams   []holdParamJSON `json:"hold_params"`
	SlidingScale []scaleStepJSON `json:"sliding_scale"`
	Source       string          `json:"source"`
	ExternalID   string          `json:"external_id,omitempty"`
	VerifiedBy   string          `json:"verified_by,omitempty"`
	VerifiedAt   *time.Time      `json:"verified_at,omitempty"`
	// HoldOnVerify: the order was sent on hold; verifying it holds it.
	HoldOnVerify string `json:"hold_on_verify,omitempty"`
}

func toOrderJSON(o mar.Order) orderJSON {
	out := orderJSON{ID: o.ID, ResidentID: o.ResidentID, ProductID: o.ProductID, Ingredient: o.Ingredient, DoseValue: o.DoseValue,
		DoseUnit: o.DoseUnit, MaxDose: o.MaxDose, Route: o.Route, Frequency: o.Frequency, PRN: o.PRN, PRNReason: o.PRNReason, StartAt: o.StartAt,
		StopAt: o.StopAt, Status: string(o.Status), Prescriber: o.Prescriber, Instructions: o.Instructions, DoseForm: o.DoseForm, WindowClass: o.WindowClass,
		HoldParams: toHoldParamsJSON(o.HoldParams), SlidingScale: toScaleJSON(o.SlidingScale), Source: o.Source, ExternalID: o.ExternalID,
		VerifiedBy: o.VerifiedBy, VerifiedAt: o.VerifiedAt, HoldOnVerify: o.HoldOnVerify}
	return out
}

func toHoldParamsJSON(hs []mar.HoldParam) []holdParamJSON {
	out := []holdParamJSON{}
	for _, h := range hs {
		out = append(out, holdParamJSON{h.Vital, h.Op, h.Value})
	}
	return out
}

func toScaleJSON(steps []mar.ScaleStep) []scaleStepJSON {
	out := []scaleStepJSON{}
	for _, st := range steps {
		out = append(out, scaleStepJSON{st.Min, st.Max, st.Dose})
	}
	return out
}

// createOrderRequest is what a client may set; status, verification and
// ids are the server's.
type createOrderRequest struct {
	ResidentID   string          `json:"resident_id"`
	ProductID    string          `json:"product_id"`
	Ingredient   string          `json:"ingredient"`
	DoseValue    float64         `json:"dose_value"`
	DoseUnit     string          `json:"dose_unit"`
	MaxDose      float64         `json:"max_dose"` // a weight-based order's cap, in the dose unit's numerator (mg of mg/kg)
	Route        string          `json:"route"`
	Frequency    string          `json:"frequency"`
	PRN          bool            `json:"prn"`
	PRNReason    string          `json:"prn_reason"`
	StartAt      *time.Time      `json:"start_at"`
	StopAt       *time.Time      `json:"stop_at"`
	Prescriber   string          `json:"prescriber"`
	Instructions string          `json:"instructions"`
	DoseForm     string          `json:"dose_form"`
	WindowClass  string          `json:"window_class"`
	HoldParams   []holdParamJSON `json:"hold_params"`
	SlidingScale []scaleStepJSON `json:"sliding_scale"`
	ExternalID   string          `json:"external_id"`
}

func (r createOrderRequest) domain(now time.Time) mar.Order {
	o := mar.Order{ResidentID: r.ResidentID, ProductID: r.ProductID, Ingredient: r.Ingredient, DoseValue: r.DoseValue,
		DoseUnit: r.DoseUnit, MaxDose: r.MaxDose, Route: r.Route, Frequency: r.Frequency, PRN: r.PRN, PRNReason: r.PRNReason, StopAt: r.StopAt,
		Prescriber: r.Prescriber, Instructions: r.Instructions, DoseForm: strings.TrimSpace(r.DoseForm), WindowClass: r.WindowClass, ExternalID: r.ExternalID, StartAt: now}
	if r.StartAt != nil {
		o.StartAt = r.StartAt.UTC()
	}
	for _, h := range r.HoldParams {
		o.HoldParams = append(o.HoldParams, mar.HoldParam{Vital: h.Vital, Op: h.Op, Value: h.Value})
	}
	for _, st := range r.SlidingScale {
		o.SlidingScale = append(o.SlidingScale, mar.ScaleStep{Min: st.Min, Max: st.Max, Dose: st.Dose})
	}
	return o
}

func (s *Server) createOrder(c *gin.Context) {
	var req createOrderRequest
	if _, err := readJSON(c, &req); err != nil {
		s.respondError(c, err)
		return
	}
	o, err := s.svc.CreateOrder(c.Request.Context(), mustIdentity(c), req.domain(s.svc.Clock.Now()))
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusCreated, toOrderJSON(o))
}

type changeOrderRequest struct {
	DoseValue    *float64   `json:"dose_value"`
	DoseUnit     *string    `json:"dose_unit"`
	Route        *string    `json:"route"`
	Frequency    *string    `json:"frequency"`
	StopAt       *time.Time `json:"stop_at"`
	Instructions *string    `json:"instructions"`
	Reason       string     `json:"reason"`
}

func (s *Server) changeOrder(c *gin.Context) {
	var req changeOrderRequest
	if _, err := readJSON(c, &req); err != nil {
		s.respondError(c, err)
		return
	}
	o, err := s.svc.ChangeOrder(c.Request.Context(), mustIdentity(c), c.Param("id"), mar.OrderChange{DoseValue: req.DoseValue,
		DoseUnit: req.DoseUnit, Route: req.Route, Frequency: req.Frequency, StopAt: req.StopAt, Instructions: req.Instructions, Reason: req.Reason})
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, toOrderJSON(o))
}

type reasonRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) orderAction(action mar.OrderAction) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req reasonRequest
		if _, err := readJSON(c, &req); err != nil {
			s.respondError(c, err)
			return
		}
		o, err := s.svc.ChangeOrderStatus(c.Request.Context(), mustIdentity(c), c.Param("id"), action, req.Reason)
		if err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, toOrderJSON(o))
	}
}

func (s *Server) listOrders(c *gin.Context) {
	var statuses []mar.OrderStatus
	if q := c.Query("status"); q != "" {
		for _, st := range strings.Split(q, ",") {
			statuses = append(statuses, mar.OrderStatus(st))
		}
	}
	orders, err := s.svc.ListOrders(c.Request.Context(), mustIdentity(c), c.Param("id"), statuses)
	if err != nil {
		s.respondError(c, err)
		return
	}
	out := make([]orderJSON, len(orders))
	for i, o := range orders {
		out[i] = toOrderJSON(o)
	}
	c.JSON(http.StatusOK, listOf(out))
}

type doseJSON struct {
	ID           string     `json:"id"`
	OrderID      string     `json:"order_id"`
	ResidentID   string     `json:"resident_id"`
	UnitID       string     `json:"unit_id"`
	DueAt        time.Time  `json:"due_at"`
	WindowStart  time.Time  `json:"window_start"`
	WindowEnd    time.Time  `json:"window_end"`
	Status       string     `json:"status"`
	Step         int        `json:"step,omitempty"`
	StepDose     string     `json:"step_dose,omitempty"`
	DocumentedBy string     `json:"documented_by,omitempty"`
	DocumentedAt *time.Time `json:"documented_at,omitempty"`
}

func toDoseJSON(d mar.ScheduledDose) doseJSON {
	return doseJSON{ID: d.ID, OrderID: d.OrderID, ResidentID: d.ResidentID, UnitID: d.UnitID, DueAt: d.DueAt, WindowStart: d.WindowStart,
		WindowEnd: d.WindowEnd, Status: string(d.Status), Step: d.Step, StepDose: d.StepDose, DocumentedBy: d.DocumentedBy, DocumentedAt: d.DocumentedAt}
}

// timeParam reads an RFC 3339 query parameter.
func timeParam(c *gin.Context, name string, def time.Time) (time.Time, error) {
	v := c.Query(name)
	if v == "" {
		return def, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, mar.Invalid(name, "must be an RFC 3339 time with offset, e.g. 2026-03-08T09:00:00-05:00")
	}
	return t.UTC(), nil
}

// timeRange reads the from and to query parameters, with defaults, and
// refuses a range that ends before it starts.
func timeRange(c *gin.Context, defFrom, defTo time.Time) (from, to time.Time, err error) {
	if from, err = timeParam(c, "from", defFrom); err != nil {
		return
	}
	if to, err = timeParam(c, "to", defTo); err != nil {
		return
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		err = mar.Invalid("to", "must not be before from")
	}
	return
}

func (s *Server) listDoses(c *gin.Context) {
	now := s.svc.Clock.Now()
	from, to, err := timeRange(c, now.Add(-24*time.Hour), now.Add(24*time.Hour))
	if err != nil {
		s.respondError(c, err)
		return
	}
	doses, err := s.svc.ListDoses(c.Request.Context(), mustIdentity(c), c.Param("id"), from, to)
	if err != nil {
		s.respondError(c, err)
		return
	}
	out := make([]doseJSON, len(doses))
	for i, d := range doses {
		out[i] = toDoseJSON(d)
	}
	c.JSON(http.StatusOK, listOf(out))
}

type previewDoseJSON struct {
	At          time.Time `json:"at"`
	Local       string    `json:"local"`
	WindowStart time.Time `json:"window_start"`
	WindowEnd   time.Time `json:"window_end"`
	Step        int       `json:"step,omitempty"`
	Dose        string    `json:"dose,omitempty"`
	ClockChange string    `json:"clock_change,omitempty"`
}

// SchedulePreview is the JSON of a schedule preview (API and CLI).
type SchedulePreview struct {
	Frequency   string            `json:"frequency"`
	Canonical   string            `json:"canonical"`
	Kind        string            `json:"kind"`
	WindowClass string            `json:"window_class"`
	TimeZone    string            `json:"time_zone"`
	Doses       []previewDoseJSON `json:"doses"`
}

// NewSchedulePreview is shared with the CLI so both print the same shape.
func NewSchedulePreview(freq, tz, canonical, kind, class string, doses []mar.PreviewDose) SchedulePreview {
	out := SchedulePreview{Frequency: freq, Canonical: canonical, Kind: kind, WindowClass: class, TimeZone: tz, Doses: []previewDoseJSON{}}
	for _, d := range doses {
		out.Doses = append(out.Doses, previewDoseJSON{At: d.At, Local: d.Local.Format("2006-01-02 15:04 MST (-07:00)"), WindowStart: d.WindowStart, WindowEnd: d.WindowEnd, Step: d.Step, Dose: d.Dose, ClockChange: d.ClockChange})
	}
	return out
}

func (s *Server) previewSchedule(c *gin.Context) {
	from, err := timeParam(c, "from", s.svc.Clock.Now())
	if err != nil {
		s.respondError(c, err)
		return
	}
	days := 2
	if v := c.Query("days"); v != "" {
		if days, err = strconv.Atoi(v); err != nil {
			s.respondError(c, mar.Invalid("days", "must be a whole number"))
			return
		}
	}
	tz := c.DefaultQuery("tz", "UTC")
	freq := c.Query("frequency")
	rule, class, doses, err := s.svc.PreviewSchedule(freq, tz, from, days, c.Query("time_critical") == "true")
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, NewSchedulePreview(freq, tz, rule.String(), rule.Kind.String(), string(class), doses))
}
