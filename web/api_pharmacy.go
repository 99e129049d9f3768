package web

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar"
)

type clarificationJSON struct {
	ID         string     `json:"id"`
	Question   string     `json:"question"`
	AskedBy    string     `json:"asked_by"`
	AskedAt    time.Time  `json:"asked_at"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
	Resolution string     `json:"resolution,omitempty"`
}

func toClarificationJSON(c mar.Clarification) clarificationJSON {
	return clarificationJSON{ID: c.ID, Question: c.Question, AskedBy: c.AskedBy, AskedAt: c.AskedAt, ResolvedAt: c.ResolvedAt, Resolution: c.Resolution}
}

type queueItemJSON struct {
	Order             orderJSON           `json:"order"`
	Resident          residentJSON        `json:"resident"`
	Product           *productJSON        `json:"product,omitempty"`
	AllergyConflicts  []allergyJSON       `json:"allergy_conflicts"`
	DuplicateTherapy  []orderJSON         `json:"duplicate_therapy"`
	Clarifications    []clarificationJSON `json:"clarifications"`
	Stat              bool                `json:"stat"`
	NeedsClarifying   bool                `json:"awaiting_clarification"`
	AllergyConflict   bool                `json:"allergy_conflict"`
	DuplicateDetected bool                `json:"duplicate_detected"`
	// DoseFormProblem: the ordered dose needs a fraction of a unit the
	// product's form does not allow; verification refuses it.
	DoseFormProblem string `json:"dose_form_problem,omitempty"`
	// ClockChanges are the order's doses in the next two weeks whose local
	// time a clock change moved, each with a short note.
	ClockChanges []clockChangeJSON `json:"clock_changes"`
}

type clockChangeJSON struct {
	At    time.Time `json:"at"`
	Local string    `json:"local"`
	Note  string    `json:"note"`
}

func (s *Server) pharmacyQueue(c *gin.Context) {
	items, err := s.svc.VerificationQueue(c.Request.Context(), mustIdentity(c))
	if err != nil {
		s.respondError(c, err)
		return
	}
	out := make([]queueItemJSON, 0, len(items))
	for _, it := range items {
		q := queueItemJSON{Order: toOrderJSON(it.Order), Resident: toResidentJSON(it.Resident), Stat: it.Stat, DoseFormProblem: it.DoseFormProblem,
			AllergyConflicts: []allergyJSON{}, DuplicateTherapy: []orderJSON{}, Clarifications: []clarificationJSON{}, ClockChanges: []clockChangeJSON{}}
		for _, d := range it.ClockChanges {
			q.ClockChanges = append(q.ClockChanges, clockChangeJSON{At: d.At, Local: d.Local.Format("2006-01-02 15:04 MST"), Note: d.ClockChange})
		}
		if it.Product != nil {
			p := toProductJSON(*it.Product)
			q.Product = &p
		}
		for _, a := range it.AllergyHits {
			q.AllergyConflicts = append(q.AllergyConflicts, allergyJSON{Substance: a.Substance, Reaction: a.Reaction, Severity: a.Severity})
		}
		for _, d := range it.Duplicates {
			q.DuplicateTherapy = append(q.DuplicateTherapy, toOrderJSON(d))
		}
		for _, cl := range it.Clarifications {
			q.Clarifications = append(q.Clarifications, toClarificationJSON(cl))
			if cl.ResolvedAt == nil {
				q.NeedsClarifying = true
			}
		}
		q.AllergyConflict, q.DuplicateDetected = len(q.AllergyConflicts) > 0, len(q.DuplicateTherapy) > 0
		out = append(out, q)
	}
	c.JSON(http.StatusOK, listOf(out))
}

type noteRequest struct {
	Note string `json:"note"`
}

func (s *Server) verifyOrder(c *gin.Context) {
	var req noteRequest
	if c.Request.ContentLength != 0 {
		if _, err := readJSON(c, &req); err != nil {
			s.respondError(c, err)
			return
		}
	}
	o, err := s.svc.VerifyOrder(c.Request.Context(), mustIdentity(c), c.Param("id"), req.Note)
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, toOrderJSON(o))
}

func (s *Server) rejectOrder(c *gin.Context) {
	var req reasonRequest
	if _, err := readJSON(c, &req); err != nil {
		s.respondError(c, err)
		return
	}
	o, err := s.svc.RejectOrder(c.Request.Context(), mustIdentity(c), c.Param("id"), req.Reason)
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, toOrderJSON(o))
}

type clarifyRequest struct {
	Question string `json:"question"`
}

func (s *Server) clarifyOrder(c *gin.Context) {
	var req clarifyRequest
	if _, err := readJSON(c, &req); err != nil {
		s.respondError(c, err)
		return
	}
	cl, err := s.svc.ClarifyOrder(c.Request.Context(), mustIdentity(c), c.Param("id"), req.Question)
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusCreated, toClarificationJSON(cl))
}

type renewRequest struct {
	Rationale    string `json:"rationale"`
	DurationDays int    `json:"duration_days"`
	Evaluated    bool   `json:"evaluated"`
	Prescriber   string `json:"prescriber"`
}

type renewalJSON struct {
	ID           string     `json:"id"`
	Rationale    string     `json:"rationale"`
	DurationDays int        `json:"duration_days"`
	Evaluated    bool       `json:"evaluated"`
	Prescriber   string     `json:"prescriber,omitempty"`
	RenewedBy    string     `json:"renewed_by"`
	RenewedAt    time.Time  `json:"renewed_at"`
	PreviousStop *time.Time `json:"previous_stop,omitempty"`
	NewStop      time.Time  `json:"new_stop"`
}

func toRenewalJSON(r mar.Renewal) renewalJSON {
	return renewalJSON{ID: r.ID, Rationale: r.Rationale, DurationDays: r.DurationDays, Evaluated: r.Evaluated, Prescriber: r.Prescriber,
		RenewedBy: r.RenewedBy, RenewedAt: r.RenewedAt, PreviousStop: r.PreviousStop, NewStop: r.NewStop}
}

func (s *Server) renewOrder(c *gin.Context) {
	var req renewRequest
	if _, err := readJSON(c, &req); err != nil {
		s.respondError(c, err)
		return
	}
	o, r, err := s.svc.RenewOrder(c.Request.Context(), mustIdentity(c), c.Param("id"),
		mar.RenewalInput{Rationale: req.Rationale, DurationDays: req.DurationDays, Evaluated: req.Evaluated, Prescriber: req.Prescriber})
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"order": toOrderJSON(o), "renewal": toRenewalJSON(r)})
}

type expiringJSON struct {
	Order         orderJSON     `json:"order"`
	Resident      residentJSON  `json:"resident"`
	Product       productJSON   `json:"product"`
	ExpiresAt     time.Time     `json:"expires_at"`
	Antipsychotic bool          `json:"antipsychotic"`
	Renewals      []renewalJSON `json:"renewals"`
}

func (s *Server) expiringOrders(c *gin.Context) {
	days := 3
	if v := c.Query("days"); v != "" {
		var err error
		if days, err = strconv.Atoi(v); err != nil {
			s.respondError(c, mar.Invalid("days", "must be a whole number"))
			return
		}
	}
	list, err := s.svc.ExpiringOrders(c.Request.Context(), mustIdentity(c), days)
	if err != nil {
		s.respondError(c, err)
		return
	}
	out := make([]expiringJSON, 0, len(list))
	for _, e := range list {
		j := expiringJSON{Order: toOrderJSON(e.Order), Resident: toResidentJSON(e.Resident), Product: toProductJSON(e.Product),
			ExpiresAt: e.ExpiresAt, Antipsychotic: e.Antipsychotic, Renewals: []renewalJSON{}}
		for _, r := range e.Renewals {
			j.Renewals = append(j.Renewals, toRenewalJSON(r))
		}
		out = append(out, j)
	}
	c.JSON(http.StatusOK, listOf(out))
}

type reviewJSON struct {
	AdministrationID string     `json:"administration_id"`
	OrderID          string     `json:"order_id"`
	Reason           string     `json:"reason"`
	FlaggedAt        time.Time  `json:"flagged_at"`
	ReviewedBy       string     `json:"reviewed_by,omitempty"`
	ReviewedAt       *time.Time `json:"reviewed_at,omitempty"`
}

func (s *Server) listReviews(c *gin.Context) {
	list, err := s.svc.AdministrationReviews(c.Request.Context(), mustIdentity(c), c.Query("all") != "true")
	if err != nil {
		s.respondError(c, err)
		return
	}
	out := make([]reviewJSON, 0, len(list))
	for _, r := range list {
		out = append(out, reviewJSON{AdministrationID: r.AdministrationID, OrderID: r.OrderID, Reason: r.Reason, FlaggedAt: r.FlaggedAt,
			ReviewedBy: r.ReviewedBy, ReviewedAt: r.ReviewedAt})
	}
	c.JSON(http.StatusOK, listOf(out))
}

type dispenseRequest struct {
	ProductID   string     `json:"product_id"`
	GTIN        string     `json:"gtin"`
	Quantity    float64    `json:"quantity"`
	Lot         string     `json:"lot"`
	Expiry      string     `json:"expiry"`
	UnitID      string     `json:"unit_id"`
	ResidentID  string     `json:"resident_id"`
	OrderID     string     `json:"order_id"`
	DispensedAt *time.Time `json:"dispensed_at"`
	Note        string     `json:"note"`
}

func (r dispenseRequest) domain() mar.DispenseInput {
	return mar.DispenseInput{ProductID: r.ProductID, GTIN: r.GTIN, Quantity: r.Quantity, Lot: r.Lot, Expiry: r.Expiry, UnitID: r.UnitID,
		ResidentID: r.ResidentID, OrderID: r.OrderID, DispensedAt: r.DispensedAt, Note: r.Note}
}

type dispenseJSON struct {
	ID          string    `json:"id"`
	UnitID      string    `json:"unit_id"`
	ResidentID  string    `json:"resident_id,omitempty"`
	OrderID     string    `json:"order_id,omitempty"`
	ProductID   string    `json:"product_id"`
	GTIN        string    `json:"gtin,omitempty"`
	Quantity    float64   `json:"quantity"`
	Lot         string    `json:"lot,omitempty"`
	Expiry      string    `json:"expiry,omitempty"`
	DispensedAt time.Time `json:"dispensed_at"`
	RecordedAt  time.Time `json:"recorded_at"`
	DispensedBy string    `json:"dispensed_by"`
	Note        string    `json:"note,omitempty"`
	// Serial is the GS1 serial (AI 21) of the patient-specific label;
	// LabelURL prints it (absent for ward stock).
	Serial   string `json:"serial,omitempty"`
	LabelURL string `json:"label_url,omitempty"`
}

func toDispenseJSON(d mar.Dispense) dispenseJSON {
	return dispenseJSON{ID: d.ID, UnitID: d.UnitID, ResidentID: d.ResidentID, OrderID: d.OrderID, ProductID: d.ProductID, GTIN: d.GTIN,
		Quantity: d.Quantity, Lot: d.Lot, Expiry: d.Expiry, DispensedAt: d.DispensedAt, RecordedAt: d.RecordedAt, DispensedBy: d.DispensedBy, Note: d.Note,
		Serial: d.Serial, LabelURL: labelURL(d)}
}

func labelURL(d mar.Dispense) string {
	if d.Serial == "" {
		return ""
	}
	return "/api/v1/dispenses/" + d.ID + "/label.pdf"
}

func (s *Server) createDispense(c *gin.Context) {
	var req dispenseRequest
	if _, err := readJSON(c, &req); err != nil {
		s.respondError(c, err)
		return
	}
	d, err := s.svc.Dispense(c.Request.Context(), mustIdentity(c), req.domain())
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusCreated, toDispenseJSON(d))
}

func (s *Server) listDispenses(c *gin.Context) {
	from, to, err := timeRange(c, time.Time{}, time.Time{})
	if err != nil {
		s.respondError(c, err)
		return
	}
	list, err := s.svc.ListDispenses(c.Request.Context(), mustIdentity(c), mar.DispenseFilter{UnitID: c.Query("unit_id"), ResidentID: c.Query("resident_id"), From: from, To: to})
	if err != nil {
		s.respondError(c, err)
		return
	}
	out := make([]dispenseJSON, 0, len(list))
	for _, d := range list {
		out = append(out, toDispenseJSON(d))
	}
	c.JSON(http.StatusOK, listOf(out))
}

// witnessCreds reads the bedside's witness shape (username and password,
// or badge and PIN) for waste and counts.
func witnessCreds(w *witnessJSON) *mar.WitnessCredentials {
	if w == nil {
		return nil
	}
	return &mar.WitnessCredentials{Username: w.Username, Password: w.Password, Badge: w.Badge, PIN: w.PIN}
}

type adjustmentRequest struct {
	ProductID        string       `json:"product_id"`
	GTIN             string       `json:"gtin"`
	Quantity         float64      `json:"quantity"`
	UnitID           string       `json:"unit_id"`
	Lot              string       `json:"lot"`
	Reason           string       `json:"reason"`
	ResidentID       string       `json:"resident_id"`
	OrderID          string       `json:"order_id"`
	AdministrationID string       `json:"administration_id"`
	PerformedAt      *time.Time   `json:"performed_at"`
	Witness          *witnessJSON `json:"witness"`
}

type adjustmentJSON struct {
	ID          string    `json:"id"`
	Kind        string    `json:"kind"`
	UnitID      string    `json:"unit_id"`
	ProductID   string    `json:"product_id"`
	Quantity    float64   `json:"quantity"`
	Lot         string    `json:"lot,omitempty"`
	Reason      string    `json:"reason"`
	WitnessID   string    `json:"witness_id,omitempty"`
	PerformedBy string    `json:"performed_by"`
	PerformedAt time.Time `json:"performed_at"`
}

func (s *Server) adjustStock(kind string) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req adjustmentRequest
		if _, err := readJSON(c, &req); err != nil {
			s.respondError(c, err)
			return
		}
		a, err := s.svc.AdjustStock(c.Request.Context(), mustIdentity(c), mar.AdjustmentInput{Kind: kind, ProductID: req.ProductID, GTIN: req.GTIN,
			Quantity: req.Quantity, UnitID: req.UnitID, Lot: req.Lot, Reason: req.Reason, ResidentID: req.ResidentID, OrderID: req.OrderID,
			AdministrationID: req.AdministrationID, PerformedAt: req.PerformedAt, Witness: witnessCreds(req.Witness)})
		if err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusCreated, adjustmentJSON{ID: a.ID, Kind: a.Kind, UnitID: a.UnitID, ProductID: a.ProductID, Quantity: a.Quantity, Lot: a.Lot,
			Reason: a.Reason, WitnessID: a.WitnessID, PerformedBy: a.PerformedBy, PerformedAt: a.PerformedAt})
	}
}

type countRequest struct {
	UnitID    string       `json:"unit_id"`
	ProductID string       `json:"product_id"`
	GTIN      string       `json:"gtin"`
	Counted   float64      `json:"counted"`
	Note      string       `json:"note"`
	Witness   *witnessJSON `json:"witness"`
}

func (s *Server) recordCount(c *gin.Context) {
	var req countRequest
	if _, err := readJSON(c, &req); err != nil {
		s.respondError(c, err)
		return
	}
	cnt, err := s.svc.RecordCount(c.Request.Context(), mustIdentity(c), mar.CountInput{UnitID: req.UnitID, ProductID: req.ProductID, GTIN: req.GTIN,
		Counted: req.Counted, Note: req.Note, Witness: witnessCreds(req.Witness)})
	if err != nil {
		s.respondError(c, err)
		return
	}
	out := gin.H{"id": cnt.ID, "unit_id": cnt.UnitID, "product_id": cnt.ProductID, "counted": cnt.Counted, "expected": cnt.Expected,
		"matches": cnt.Counted == cnt.Expected, "counted_at": cnt.CountedAt, "witness_id": cnt.WitnessID}
	if cnt.ExpectedHidden {
		// A nurse's count of a controlled substance is blind: pharmacy
		// sees the comparison in the reconciliation report.
		delete(out, "expected")
		delete(out, "matches")
		out["expected_hidden"] = true
	}
	c.JSON(http.StatusCreated, out)
}

type stockLevelJSON struct {
	ProductID  string   `json:"product_id"`
	Name       string   `json:"name"`
	Controlled string   `json:"controlled,omitempty"`
	OnHand     *float64 `json:"on_hand,omitempty"`
	// Hidden: a controlled substance's balance, not shown to nurses.
	Hidden bool `json:"on_hand_hidden,omitempty"`
}

func (s *Server) stockLevels(c *gin.Context) {
	levels, err := s.svc.StockLevels(c.Request.Context(), mustIdentity(c), c.Query("unit_id"))
	if err != nil {
		s.respondError(c, err)
		return
	}
	out := make([]stockLevelJSON, 0, len(levels))
	for _, l := range levels {
		j := stockLevelJSON{ProductID: l.Product.ID, Name: l.Product.Name, Controlled: l.Product.Controlled, Hidden: l.Hidden}
		if !l.Hidden {
			j.OnHand = &l.OnHand
		}
		out = append(out, j)
	}
	c.JSON(http.StatusOK, listOf(out))
}

type missingDoseRequest struct {
	OrderID string `json:"order_id"`
	Note    string `json:"note"`
}

type missingDoseJSON struct {
	ID          string     `json:"id"`
	UnitID      string     `json:"unit_id"`
	ResidentID  string     `json:"resident_id"`
	OrderID     string     `json:"order_id"`
	Note        string     `json:"note,omitempty"`
	Status      string     `json:"status"`
	RequestedBy string     `json:"requested_by"`
	RequestedAt time.Time  `json:"requested_at"`
	DispenseID  string     `json:"dispense_id,omitempty"`
	FulfilledBy string     `json:"fulfilled_by,omitempty"`
	FulfilledAt *time.Time `json:"fulfilled_at,omitempty"`
}

func toMissingDoseJSON(r mar.MissingDoseRequest) missingDoseJSON {
	return missingDoseJSON{ID: r.ID, UnitID: r.UnitID, ResidentID: r.ResidentID, OrderID: r.OrderID, Note: r.Note, Status: r.Status,
		RequestedBy: r.RequestedBy, RequestedAt: r.RequestedAt, DispenseID: r.DispenseID, FulfilledBy: r.FulfilledBy, FulfilledAt: r.FulfilledAt}
}

func (s *Server) requestMissingDose(c *gin.Context) {
	var req missingDoseRequest
	if _, err := readJSON(c, &req); err != nil {
		s.respondError(c, err)
		return
	}
	r, err := s.svc.RequestMissingDose(c.Request.Context(), mustIdentity(c), req.OrderID, req.Note)
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusCreated, toMissingDoseJSON(r))
}

func (s *Server) listMissingDoseRequests(c *gin.Context) {
	list, err := s.svc.ListMissingDoseRequests(c.Request.Context(), mustIdentity(c), c.Query("status"))
	if err != nil {
		s.respondError(c, err)
		return
	}
	out := make([]missingDoseJSON, 0, len(list))
	for _, r := range list {
		out = append(out, toMissingDoseJSON(r))
	}
	c.JSON(http.StatusOK, listOf(out))
}

type fulfilRequest struct {
	DispenseID string           `json:"dispense_id"`
	Dispense   *dispenseRequest `json:"dispense"`
}

func (s *Server) fulfilMissingDose(c *gin.Context) {
	var req fulfilRequest
	if _, err := readJSON(c, &req); err != nil {
		s.respondError(c, err)
		return
	}
	var in *mar.DispenseInput
	if req.Dispense != nil {
		d := req.Dispense.domain()
		in = &d
	}
	r, d, err := s.svc.FulfilMissingDose(c.Request.Context(), mustIdentity(c), c.Param("id"), req.DispenseID, in)
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"request": toMissingDoseJSON(r), "dispense": toDispenseJSON(d)})
}

type productCodeRequest struct {
	System string `json:"system"`
	Code   string `json:"code"`
}

func (s *Server) addProductCode(c *gin.Context) {
	var req productCodeRequest
	if _, err := readJSON(c, &req); err != nil {
		s.respondError(c, err)
		return
	}
	if err := s.svc.AddProductCode(c.Request.Context(), mustIdentity(c), c.Param("id"), req.System, req.Code); err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"product_id": c.Param("id"), "system": req.System, "code": req.Code})
}

type doseFormRequest struct {
	Splitting string `json:"splitting"`
	Crushable *bool  `json:"crushable"`
}

func (s *Server) setProductDoseForm(c *gin.Context) {
	var req doseFormRequest
	if _, err := readJSON(c, &req); err != nil {
		s.respondError(c, err)
		return
	}
	p, err := s.svc.SetProductDoseForm(c.Request.Context(), mustIdentity(c), c.Param("id"), mar.Splitting(req.Splitting), req.Crushable)
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, toProductJSON(p))
}

type reconOrderJSON struct {
	OrderID    string `json:"order_id"`
	ResidentID string `json:"resident_id"`
	Resident   string `json:"resident"`
	Drug       string `json:"drug"`
	Frequency  string `json:"frequency"`
	Status     string `json:"status"`
	Verified   bool   `json:"verified"`
	Scheduled  int    `json:"scheduled"`
	Given      int    `json:"given"`
	Held       int    `json:"held"`
	Refused    int    `json:"refused"`
	NotGiven   int    `json:"not_given"`
	Missed     int    `json:"missed"`
	Open       int    `json:"open"`
	Suspended  int    `json:"suspended"`
	PRNGiven   int    `json:"prn_given"`
}

// reconProductJSON is a product's line; its quantities are absent (and
// hidden set) when the caller counts controlled substances blind.
type reconProductJSON struct {
	ProductID    string   `json:"product_id"`
	Name         string   `json:"name"`
	Controlled   string   `json:"controlled,omitempty"`
	Hidden       bool     `json:"hidden,omitempty"`
	Opening      *float64 `json:"opening,omitempty"`
	Dispensed    *float64 `json:"dispensed,omitempty"`
	Administered *float64 `json:"administered,omitempty"`
	Reversed     *float64 `json:"reversed,omitempty"`
	Wasted       *float64 `json:"wasted,omitempty"`
	Returned     *float64 `json:"returned,omitempty"`
	OnHand       *float64 `json:"on_hand,omitempty"`
}

type discrepancyJSON struct {
	Kind             string    `json:"kind"`
	Message          string    `json:"message"`
	OrderID          string    `json:"order_id,omitempty"`
	ResidentID       string    `json:"resident_id,omitempty"`
	ProductID        string    `json:"product_id,omitempty"`
	AdministrationID string    `json:"administration_id,omitempty"`
	Lot              string    `json:"lot,omitempty"`
	Quantity         float64   `json:"quantity,omitempty"`
	At               time.Time `json:"at"`
}

type reconciliationJSON struct {
	UnitID        string             `json:"unit_id"`
	Unit          string             `json:"unit"`
	From          time.Time          `json:"from"`
	To            time.Time          `json:"to"`
	GeneratedAt   time.Time          `json:"generated_at"`
	Orders        []reconOrderJSON   `json:"orders"`
	Products      []reconProductJSON `json:"products"`
	Discrepancies []discrepancyJSON  `json:"discrepancies"`
}

func toReconciliationJSON(r mar.Reconciliation) reconciliationJSON {
	out := reconciliationJSON{UnitID: r.Unit.ID, Unit: r.Unit.Code, From: r.From, To: r.To, GeneratedAt: r.GeneratedAt,
		Orders: []reconOrderJSON{}, Products: []reconProductJSON{}, Discrepancies: []discrepancyJSON{}}
	for _, o := range r.Orders {
		drug := o.Order.Ingredient
		if o.Product != nil {
			drug = o.Product.Name
		}
		out.Orders = append(out.Orders, reconOrderJSON{OrderID: o.Order.ID, ResidentID: o.Resident.ID, Resident: o.Resident.DisplayName(), Drug: drug,
			Frequency: o.Order.Frequency, Status: string(o.Order.Status), Verified: o.Order.VerifiedAt != nil, Scheduled: o.Scheduled, Given: o.Given,
			Held: o.Held, Refused: o.Refused, NotGiven: o.NotGiven, Missed: o.Missed, Open: o.Open, Suspended: o.Suspended, PRNGiven: o.PRNGiven})
	}
	for _, p := range r.Products {
		j := reconProductJSON{ProductID: p.Product.ID, Name: p.Product.Name, Controlled: p.Product.Controlled, Hidden: p.Hidden}
		if !p.Hidden {
			j.Opening, j.Dispensed, j.Administered, j.Reversed, j.Wasted, j.Returned, j.OnHand = &p.Opening, &p.Dispensed, &p.Administered, &p.Reversed, &p.Wasted, &p.Returned, &p.OnHand
		}
		out.Products = append(out.Products, j)
	}
	for _, d := range r.Discrepancies {
		out.Discrepancies = append(out.Discrepancies, discrepancyJSON{Kind: d.Kind, Message: d.Message, OrderID: d.OrderID, ResidentID: d.ResidentID,
			ProductID: d.ProductID, AdministrationID: d.AdministrationID, Lot: d.Lot, Quantity: d.Quantity, At: d.At})
	}
	return out
}

func (s *Server) reconciliation(c *gin.Context) {
	now := s.svc.Clock.Now()
	from, to, err := timeRange(c, now.Add(-24*time.Hour), now)
	if err != nil {
		s.respondError(c, err)
		return
	}
	format := c.DefaultQuery("format", "json")
	if format != "json" && format != "csv" {
		s.respondError(c, mar.Invalid("format", "must be json or csv"))
		return
	}
	rep, err := s.svc.Reconcile(c.Request.Context(), mustIdentity(c), c.Query("unit_id"), from, to)
	if err != nil {
		s.respondError(c, err)
		return
	}
	j := toReconciliationJSON(rep)
	if format == "json" {
		c.JSON(http.StatusOK, j)
		return
	}
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="reconciliation-%s-%s.csv"`, rep.Unit.Code, rep.From.Format("20060102")))
	w := csv.NewWriter(c.Writer)
	ff := func(v *float64) string {
		if v == nil {
			return ""
		}
		return strconv.FormatFloat(*v, 'f', -1, 64)
	}
	// One table with a section column, so a spreadsheet filters it.
	_ = w.Write([]string{"section", "resident", "drug", "order_id", "status", "verified", "scheduled", "given", "held", "refused", "not_given", "missed",
		"open", "prn_given", "opening", "dispensed", "administered", "reversed", "wasted", "returned", "on_hand", "discrepancy", "message"})
	for _, o := range j.Orders {
		_ = w.Write([]string{"order", csvSafe(o.Resident), csvSafe(o.Drug), o.OrderID, o.Status, strconv.FormatBool(o.Verified), strconv.Itoa(o.Scheduled),
			strconv.Itoa(o.Given), strconv.Itoa(o.Held), strconv.Itoa(o.Refused), strconv.Itoa(o.NotGiven), strconv.Itoa(o.Missed), strconv.Itoa(o.Open),
			strconv.Itoa(o.PRNGiven), "", "", "", "", "", "", "", "", ""})
	}
	for _, p := range j.Products {
		_ = w.Write([]string{"product", "", csvSafe(p.Name), "", "", "", "", "", "", "", "", "", "", "", ff(p.Opening), ff(p.Dispensed), ff(p.Administered),
			ff(p.Reversed), ff(p.Wasted), ff(p.Returned), ff(p.OnHand), "", ""})
	}
	for _, d := range j.Discrepancies {
		_ = w.Write([]string{"discrepancy", "", "", d.OrderID, "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", d.Kind, csvSafe(d.Message)})
	}
	w.Flush()
}

// csvSafe defuses text a spreadsheet would run as a formula.
func csvSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r') {
		return "'" + s
	}
	return s
}
