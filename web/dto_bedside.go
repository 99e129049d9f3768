package web

import (
	"time"

	"github.com/emar-project/emar/mar"
)

// JSON shapes of the bedside API (docs/bedside-api.md).

// holdParamJSON and scaleStepJSON are shared with the order API.

type orderSummaryJSON struct {
	ID           string          `json:"id"`
	Status       string          `json:"status"`
	ProductID    string          `json:"product_id,omitempty"`
	ProductName  string          `json:"product_name,omitempty"`
	Ingredient   string          `json:"ingredient"`
	DoseValue    float64         `json:"dose_value"`
	DoseUnit     string          `json:"dose_unit"`
	DoseText     string          `json:"dose_text"` // the dose with the product's quantity: "10 units (0.1 mL)"
	Route        string          `json:"route"`
	Frequency    string          `json:"frequency"`
	PRN          bool            `json:"prn"`
	PRNReason    string          `json:"prn_reason,omitempty"`
	Instructions string          `json:"instructions,omitempty"`
	HighAlert    string          `json:"high_alert,omitempty"`
	Controlled   string          `json:"controlled,omitempty"`
	TimeCritical bool            `json:"time_critical,omitempty"`
	Patch        bool            `json:"patch,omitempty"`
	HoldParams   []holdParamJSON `json:"hold_params,omitempty"`
	SlidingScale []scaleStepJSON `json:"sliding_scale,omitempty"`
	StartAt      time.Time       `json:"start_at"`
	StopAt       *time.Time      `json:"stop_at,omitempty"`
}

func toOrderSummaryJSON(o mar.Order, p *mar.Product) orderSummaryJSON {
	out := orderSummaryJSON{ID: o.ID, Status: string(o.Status), ProductID: o.ProductID, Ingredient: o.Ingredient, DoseValue: o.DoseValue,
		DoseUnit: o.DoseUnit, Route: o.Route, Frequency: o.Frequency, PRN: o.PRN, PRNReason: o.PRNReason, Instructions: o.Instructions,
		StartAt: o.StartAt, StopAt: o.StopAt, Patch: o.Route == "transdermal", DoseText: mar.OrderDoseWords(o, p)}
	if p != nil {
		out.ProductName, out.Controlled, out.TimeCritical = p.Name, p.Controlled, p.TimeCritical
		if p.HighAlert != mar.HighAlertNone {
			out.HighAlert = string(p.HighAlert)
		}
		out.Patch = out.Patch || p.Form == "patch"
	}
	// omitempty drops empty lists, so nil and empty read the same.
	out.HoldParams, out.SlidingScale = toHoldParamsJSON(o.HoldParams), toScaleJSON(o.SlidingScale)
	return out
}

// bedsideDoseJSON is a dose as the bedside shows it: with its local due time
// and the administration that documented it.
type bedsideDoseJSON struct {
	ID           string     `json:"id"`
	OrderID      string     `json:"order_id"`
	Status       string     `json:"status"`
	DueAt        time.Time  `json:"due_at"`
	DueLocal     string     `json:"due_local"`
	WindowStart  time.Time  `json:"window_start"`
	WindowEnd    time.Time  `json:"window_end"`
	StepDose     string     `json:"step_dose,omitempty"`
	DocumentedBy string     `json:"documented_by,omitempty"`
	DocumentedAt *time.Time `json:"documented_at,omitempty"`
	AdminID      string     `json:"administration_id,omitempty"`
}

func toBedsideDoseJSON(d mar.ScheduledDose, loc *time.Location) bedsideDoseJSON {
	return bedsideDoseJSON{ID: d.ID, OrderID: d.OrderID, Status: string(d.Status), DueAt: d.DueAt, DueLocal: d.DueAt.In(loc).Format(time.RFC3339),
		WindowStart: d.WindowStart, WindowEnd: d.WindowEnd, StepDose: d.StepDose, DocumentedBy: d.DocumentedBy, DocumentedAt: d.DocumentedAt, AdminID: d.AdminID}
}

// dueItemJSON is a dose with its order, or an order alone (PRN, held,
// pending) when dose is absent.
type dueItemJSON struct {
	Dose  *bedsideDoseJSON `json:"dose,omitempty"`
	Order orderSummaryJSON `json:"order"`
}

func toDueItems(items []mar.DueItem, loc *time.Location) []dueItemJSON {
	out := make([]dueItemJSON, 0, len(items))
	for _, it := range items {
		j := dueItemJSON{Order: toOrderSummaryJSON(it.Order, it.Product)}
		if it.Dose != nil {
			d := toBedsideDoseJSON(*it.Dose, loc)
			j.Dose = &d
		}
		out = append(out, j)
	}
	return out
}

type prnLimitsJSON struct {
	MinIntervalMinutes int     `json:"min_interval_minutes,omitempty"`
	MaxDoses           int     `json:"max_doses,omitempty"`
	MaxAmount          float64 `json:"max_amount,omitempty"`
	MaxAmountUnit      string  `json:"max_amount_unit,omitempty"`
	PeriodHours        float64 `json:"period_hours"`
}

type prnJSON struct {
	Order          orderSummaryJSON `json:"order"`
	Available      bool             `json:"available"`
	Reason         string           `json:"reason,omitempty"`
	Message        string           `json:"message,omitempty"`
	LastGivenAt    *time.Time       `json:"last_given_at,omitempty"`
	NextAllowedAt  *time.Time       `json:"next_allowed_at,omitempty"`
	DosesInPeriod  int              `json:"doses_in_period"`
	AmountInPeriod float64          `json:"amount_in_period"`
	AmountUnit     string           `json:"amount_unit"`
	Limits         prnLimitsJSON    `json:"limits"`
}

func toPRNJSON(st mar.PRNStatus) prnJSON {
	return prnJSON{Order: toOrderSummaryJSON(st.Order, st.Product), Available: st.Available, Reason: st.Reason, Message: st.Message,
		LastGivenAt: st.LastGivenAt, NextAllowedAt: st.NextAllowedAt, DosesInPeriod: st.DosesInPeriod, AmountInPeriod: st.AmountInPeriod,
		AmountUnit: st.AmountUnit, Limits: prnLimitsJSON{MinIntervalMinutes: int(st.Limits.MinInterval / time.Minute), MaxDoses: st.Limits.MaxDoses,
			MaxAmount: st.Limits.MaxAmount, MaxAmountUnit: st.Limits.MaxAmountUnit, PeriodHours: st.Limits.Per.Hours()}}
}

type overrideJSON struct {
	Reason string `json:"reason"`
	Text   string `json:"text"`
}

// crossingJSON is a limit a back-charted dose crossed with doses on the
// chart (administration ids in with).
type crossingJSON struct {
	Limit   string   `json:"limit"`
	Reason  string   `json:"reason"`
	With    []string `json:"with"`
	Message string   `json:"message"`
}

type followupJSON struct {
	DueAt        time.Time  `json:"due_at"`
	Status       string     `json:"status"`
	DocumentedAt *time.Time `json:"documented_at,omitempty"`
	DocumentedBy string     `json:"documented_by,omitempty"`
	Result       string     `json:"result,omitempty"`
	PainScore    *int       `json:"pain_score,omitempty"`
	Note         string     `json:"note,omitempty"`
}

func toFollowupJSON(f mar.PRNFollowup) followupJSON {
	return followupJSON{DueAt: f.DueAt, Status: f.Status, DocumentedAt: f.DocumentedAt, DocumentedBy: f.DocumentedBy, Result: f.Result, PainScore: f.PainScore, Note: f.Note}
}

type removalJSON struct {
	RemovedAt time.Time `json:"removed_at"`
	RemovedBy string    `json:"removed_by"`
	Site      string    `json:"site,omitempty"`
	Note      string    `json:"note,omitempty"`
}

func toRemovalJSON(r mar.PatchRemoval) removalJSON {
	return removalJSON{RemovedAt: r.RemovedAt, RemovedBy: r.RemovedBy, Site: r.Site, Note: r.Note}
}

type administrationJSON struct {
	ID                   string     `json:"id"`
	ResidentID           string     `json:"resident_id"`
	OrderID              string     `json:"order_id"`
	OrderText            string     `json:"order_text,omitempty"`
	DoseID               string     `json:"dose_id,omitempty"`
	ProductID            string     `json:"product_id,omitempty"`
	ProductName          string     `json:"product_name,omitempty"`
	Outcome              string     `json:"outcome"`
	ReasonCode           string     `json:"reason_code,omitempty"`
	ReasonText           string     `json:"reason_text,omitempty"`
	PerformedAt          time.Time  `json:"performed_at"`
	RecordedAt           time.Time  `json:"recorded_at"`
	DeviceTime           *time.Time `json:"device_time,omitempty"`
	ClockSkewed          bool       `json:"clock_skewed"`
	BackDocumented       bool       `json:"back_documented"`
	BackDocumentedReason string     `json:"back_documented_reason,omitempty"`
	PerformedBy          string     `json:"performed_by"`
	PerformedByName      string     `json:"performed_by_name"`
	WitnessID            string     `json:"witness_id,omitempty"`
	WitnessName          string     `json:"witness_name,omitempty"`
	Quantity             float64    `json:"quantity,omitempty"`
	QuantityUnit         string     `json:"quantity_unit,omitempty"`
	Amount               float64    `json:"amount,omitempty"`
	Unit                 string     `json:"unit,omitempty"`
	DoseText             string     `json:"dose_text,omitempty"`
	Route                string     `json:"route,omitempty"`
	Site                 string     `json:"site,omitempty"`
	GTIN                 string     `json:"gtin,omitempty"`
	Lot                  string     `json:"lot,omitempty"`
	LotUncertain         bool       `json:"lot_uncertain"`
	SerialUncertain      bool       `json:"serial_uncertain"`
	Expiry               string     `json:"expiry,omitempty"`
	Keyed                bool       `json:"keyed"`
	KeyedReason          string     `json:"keyed_reason,omitempty"`
	// PatientKeyed: the resident was selected by hand (no wristband scan),
	// for PatientKeyedReason.
	PatientKeyed       bool           `json:"patient_keyed"`
	PatientKeyedReason string         `json:"patient_keyed_reason,omitempty"`
	PRN                bool           `json:"prn"`
	PRNIndication      string         `json:"prn_indication,omitempty"`
	PainScore          *int           `json:"pain_score,omitempty"`
	Patch              bool           `json:"patch,omitempty"`
	Early              bool           `json:"early"`
	Late               bool           `json:"late"`
	Overrides          []overrideJSON `json:"overrides"`
	LimitCrossings     []crossingJSON `json:"limit_crossings,omitempty"`
	EnteredInError     bool           `json:"entered_in_error"`
	ErrorReason        string         `json:"error_reason,omitempty"`
	ErrorBy            string         `json:"error_by,omitempty"`
	ErrorAt            *time.Time     `json:"error_at,omitempty"`
	Followup           *followupJSON  `json:"followup,omitempty"`
	Removal            *removalJSON   `json:"removal,omitempty"`
}

func toAdministrationJSON(v mar.AdministrationView) administrationJSON {
	a := v.Administration
	out := administrationJSON{ID: a.ID, ResidentID: a.ResidentID, OrderID: a.OrderID, OrderText: v.OrderText, DoseID: a.DoseID, ProductID: a.ProductID,
		ProductName: v.ProductName, Outcome: string(a.Outcome), ReasonCode: a.ReasonCode, ReasonText: a.ReasonText, PerformedAt: a.PerformedAt,
		RecordedAt: a.RecordedAt, DeviceTime: a.DeviceTime, ClockSkewed: a.ClockSkewed, BackDocumented: a.BackDocumented,
		BackDocumentedReason: a.BackDocumentedReason, PerformedBy: a.PerformerID, PerformedByName: v.PerformerName, WitnessID: a.WitnessID,
		WitnessName: v.WitnessName, Quantity: a.Quantity, QuantityUnit: a.QuantityUnit, Amount: a.Amount, Unit: a.Unit, Route: a.Route, Site: a.Site, GTIN: a.GTIN, Lot: a.Lot,
		Expiry: a.Expiry, Keyed: a.Keyed, KeyedReason: a.KeyedReason, PatientKeyed: a.PatientKeyedReason != "", PatientKeyedReason: a.PatientKeyedReason, PRN: a.PRN, PRNIndication: a.PRNIndication, PainScore: a.PainScore,
		Patch: a.Patch, Early: a.Early, Late: a.Late, Overrides: []overrideJSON{}, EnteredInError: a.EnteredInError, ErrorReason: a.ErrorReason,
		ErrorBy: a.ErrorBy, ErrorAt: a.ErrorAt}
	out.LotUncertain, out.SerialUncertain = a.LotUncertain, a.SerialUncertain
	if a.Outcome == mar.OutcomeGiven && a.Unit != "" {
		out.DoseText = mar.DoseWords(a.Amount, a.Unit, a.Quantity, a.QuantityUnit)
	}
	for _, o := range a.Overrides {
		out.Overrides = append(out.Overrides, overrideJSON{o.Reason, o.Text})
	}
	for _, c := range a.LimitCrossings {
		out.LimitCrossings = append(out.LimitCrossings, crossingJSON{c.Limit, c.Reason, c.With, c.Message})
	}
	if v.Followup != nil {
		f := toFollowupJSON(*v.Followup)
		out.Followup = &f
	}
	if v.Removal != nil {
		r := toRemovalJSON(*v.Removal)
		out.Removal = &r
	}
	return out
}

func toAdministrationsJSON(vs []mar.AdministrationView) []administrationJSON {
	out := make([]administrationJSON, len(vs))
	for i, v := range vs {
		out[i] = toAdministrationJSON(v)
	}
	return out
}

type dueListJSON struct {
	ResidentID string               `json:"resident_id"`
	Unit       unitJSON             `json:"unit"`
	TimeZone   string               `json:"time_zone"`
	Now        time.Time            `json:"now"`
	Allergies  []allergyJSON        `json:"allergies"`
	DueNow     []dueItemJSON        `json:"due_now"`
	Overdue    []dueItemJSON        `json:"overdue"`
	Upcoming   []dueItemJSON        `json:"upcoming"`
	PRN        []prnJSON            `json:"prn"`
	Held       []dueItemJSON        `json:"held"`
	Pending    []dueItemJSON        `json:"pending_verification"`
	Recent     []administrationJSON `json:"recent"`
}

func toDueListJSON(d mar.DueList) dueListJSON {
	loc, err := d.Unit.Location()
	if err != nil {
		loc = time.UTC
	}
	out := dueListJSON{ResidentID: d.Resident.ID, Unit: toUnitJSON(d.Unit), TimeZone: d.Unit.TimeZone, Now: d.Now,
		Allergies: toResidentJSON(d.Resident).Allergies, DueNow: toDueItems(d.DueNow, loc), Overdue: toDueItems(d.Overdue, loc),
		Upcoming: toDueItems(d.Upcoming, loc), PRN: []prnJSON{}, Held: toDueItems(d.Held, loc), Pending: toDueItems(d.Pending, loc),
		Recent: toAdministrationsJSON(d.Recent)}
	for _, p := range d.PRN {
		out.PRN = append(out.PRN, toPRNJSON(p))
	}
	return out
}

type wristbandResponse struct {
	ContextID        string    `json:"context_id"`
	ContextExpiresAt time.Time `json:"context_expires_at"`
	// ContextExpiresIn is the context's lifetime in seconds: a device
	// times it on its own clock, which need not agree with the server's.
	ContextExpiresIn int `json:"context_expires_in"`
	// ServerTime is the server's clock when it answered (ages, "due in").
	ServerTime time.Time    `json:"server_time"`
	Resident   residentJSON `json:"resident"`
	Due        dueListJSON  `json:"due"`
	// Manual is set when the resident was selected by hand: the reason and
	// the identifiers confirmed; every administration in this context is
	// flagged patient_keyed.
	Manual *manualSelectionJSON `json:"manual,omitempty"`
}

type manualSelectionJSON struct {
	Reason      string   `json:"reason"`
	Identifiers []string `json:"identifiers"`
}

type checkJSON struct {
	Right       string `json:"right"`
	Status      string `json:"status"`
	Reason      string `json:"reason,omitempty"`
	Message     string `json:"message"`
	Overridable bool   `json:"overridable,omitempty"`
	Overridden  bool   `json:"overridden,omitempty"`
}

func toChecksJSON(cs []mar.Check) []checkJSON {
	out := make([]checkJSON, len(cs))
	for i, c := range cs {
		out[i] = checkJSON{Right: string(c.Right), Status: string(c.Status), Reason: c.Reason, Message: c.Message, Overridable: c.Overridable, Overridden: c.Overridden}
	}
	return out
}

type requiresJSON struct {
	Witness            bool     `json:"witness"`
	WitnessRecommended bool     `json:"witness_recommended"`
	Vitals             []string `json:"vitals"`
	Glucose            bool     `json:"glucose"`
	Site               bool     `json:"site"`
	PRNIndication      bool     `json:"prn_indication"`
	OverrideReason     bool     `json:"override_reason"`
	Overrides          []string `json:"overrides"`
}

type verdictProductJSON struct {
	ID         string           `json:"id"`
	Name       string           `json:"name"`
	Form       string           `json:"form"`
	Routes     []string         `json:"routes"`
	Ingredient []ingredientJSON `json:"ingredients"`
	HighAlert  string           `json:"high_alert"`
	Controlled string           `json:"controlled,omitempty"`
	Splitting  string           `json:"splitting"` // none, half, quarter, any: see "Dose forms"
	Crushable  bool             `json:"crushable"`
}

type holdJSON struct {
	Vital   string  `json:"vital"`
	Op      string  `json:"op"`
	Value   float64 `json:"value"`
	Reading float64 `json:"reading"`
}

// weightDoseJSON is how a weight-based order's dose was worked out.
type weightDoseJSON struct {
	PerKg     float64   `json:"per_kg"`
	PerKgUnit string    `json:"per_kg_unit"`
	WeightKg  float64   `json:"weight_kg"`
	WeighedAt time.Time `json:"weighed_at"`
	WeightID  string    `json:"weight_id,omitempty"`
	Dose      float64   `json:"dose"`
	Unit      string    `json:"unit"`
	MaxDose   float64   `json:"max_dose,omitempty"`
	Capped    bool      `json:"capped"`
	Text      string    `json:"text"`
}

type glucoseJSON struct {
	Value   float64   `json:"value"`
	TakenAt time.Time `json:"taken_at"`
}

type verdictJSON struct {
	Allowed      bool                `json:"allowed"`
	Checks       []checkJSON         `json:"checks"`
	ContextID    string              `json:"context_id,omitempty"`
	ResidentID   string              `json:"resident_id,omitempty"`
	Dose         *bedsideDoseJSON    `json:"dose"`
	Order        *orderSummaryJSON   `json:"order"`
	Product      *verdictProductJSON `json:"product"`
	GTIN         string              `json:"gtin,omitempty"`
	Lot          string              `json:"lot,omitempty"`
	Expiry       string              `json:"expiry,omitempty"`
	Keyed        bool                `json:"keyed"`
	Quantity     float64             `json:"quantity,omitempty"`
	QuantityUnit string              `json:"quantity_unit,omitempty"`
	Amount       float64             `json:"amount,omitempty"`
	AmountUnit   string              `json:"amount_unit,omitempty"`
	DoseText     string              `json:"dose_text,omitempty"`
	Requires     requiresJSON        `json:"requires"`
	Candidates   []dueItemJSON       `json:"candidates"`
	PRN          *prnJSON            `json:"prn,omitempty"`
	Hold         *holdJSON           `json:"hold,omitempty"`
	Glucose      *glucoseJSON        `json:"glucose,omitempty"`
	Weight       *weightDoseJSON     `json:"weight_dose,omitempty"`
	ScaleDose    *float64            `json:"scale_dose,omitempty"`
	Early        bool                `json:"early,omitempty"`
	Late         bool                `json:"late,omitempty"`

	// LotUncertain: the scanner's text can also be read with another lot
	// (a dropped group separator); the GTIN and expiry are certain.
	LotUncertain    bool `json:"lot_uncertain"`
	SerialUncertain bool `json:"serial_uncertain"`
}

func toVerdictJSON(v mar.Verdict) verdictJSON {
	loc, err := v.Unit.Location()
	if err != nil || v.Unit.TimeZone == "" {
		loc = time.UTC
	}
	out := verdictJSON{Allowed: v.Allowed, Checks: toChecksJSON(v.Checks), ContextID: v.Context.ID, ResidentID: v.Resident.ID, GTIN: v.GTIN,
		Lot: v.Lot, Expiry: v.Expiry, Keyed: v.Keyed, Quantity: v.Quantity, QuantityUnit: v.QuantityUnit, Amount: v.Amount, AmountUnit: v.AmountUnit, DoseText: v.DoseText,
		Candidates: toDueItems(v.Candidates, loc), ScaleDose: v.ScaleDose, Early: v.Early, Late: v.Late,
		Requires: requiresJSON{Witness: v.Requires.Witness, WitnessRecommended: v.Requires.WitnessRecommended, Vitals: nonNilStrings(v.Requires.Vitals),
			Glucose: v.Requires.Glucose, Site: v.Requires.Site, PRNIndication: v.Requires.PRNIndication, OverrideReason: v.Requires.OverrideReason,
			Overrides: nonNilStrings(v.Requires.Overrides)}}
	out.LotUncertain, out.SerialUncertain = v.LotUncertain, v.SerialUncertain
	if w := v.Weight; w != nil {
		out.Weight = &weightDoseJSON{PerKg: w.PerKg, PerKgUnit: w.PerKgUnit, WeightKg: w.WeightKg, WeighedAt: w.WeighedAt, WeightID: w.WeightID,
			Dose: w.Dose, Unit: w.Unit, MaxDose: w.MaxDose, Capped: w.Capped, Text: w.Words()}
	}
	if v.Dose != nil {
		d := toBedsideDoseJSON(*v.Dose, loc)
		out.Dose = &d
	}
	if v.Order != nil {
		var p *mar.Product
		if v.Product != nil && v.Product.ID == v.Order.ProductID {
			p = v.Product
		}
		for _, c := range v.Candidates {
			if c.Order.ID == v.Order.ID && c.Product != nil {
				p = c.Product
			}
		}
		o := toOrderSummaryJSON(*v.Order, p)
		out.Order = &o
	}
	if p := v.Product; p != nil {
		pj := verdictProductJSON{ID: p.ID, Name: p.Name, Form: p.Form, Routes: nonNilStrings(p.Routes), HighAlert: string(p.HighAlert), Controlled: p.Controlled,
			Splitting: string(p.SplitRule()), Crushable: p.MayCrush()}
		for _, in := range p.Ingredients {
			pj.Ingredient = append(pj.Ingredient, ingredientJSON{in.Name, in.StrengthValue, in.StrengthUnit})
		}
		out.Product = &pj
	}
	if v.PRN != nil {
		p := toPRNJSON(*v.PRN)
		out.PRN = &p
	}
	if v.Hold != nil {
		out.Hold = &holdJSON{v.Hold.Param.Vital, v.Hold.Param.Op, v.Hold.Param.Value, v.Hold.Reading}
	}
	if v.Glucose != nil {
		out.Glucose = &glucoseJSON{v.Glucose.Value, v.Glucose.TakenAt}
	}
	return out
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

type documentResponse struct {
	Administration  administrationJSON `json:"administration"`
	Dose            *bedsideDoseJSON   `json:"dose"`
	Outcome         string             `json:"outcome"`
	HeldByParameter bool               `json:"held_by_parameter"`
	Message         string             `json:"message"`
	Flags           []string           `json:"flags"`
	Checks          []checkJSON        `json:"checks"`
}

func toDocumentResponse(r mar.DocumentResult) documentResponse {
	loc, err := r.Verdict.Unit.Location()
	if err != nil || r.Verdict.Unit.TimeZone == "" {
		loc = time.UTC
	}
	out := documentResponse{Administration: toAdministrationJSON(r.Administration), Outcome: string(r.Administration.Outcome),
		HeldByParameter: r.HeldByParameter, Message: r.Message, Flags: nonNilStrings(r.Flags), Checks: toChecksJSON(r.Verdict.Checks)}
	if r.Dose != nil {
		d := toBedsideDoseJSON(*r.Dose, loc)
		out.Dose = &d
	}
	return out
}

type vitalJSON struct {
	ID               string    `json:"id"`
	ResidentID       string    `json:"resident_id"`
	Kind             string    `json:"kind"`
	Value            float64   `json:"value"`
	Unit             string    `json:"unit"`
	TakenAt          time.Time `json:"taken_at"`
	RecordedAt       time.Time `json:"recorded_at"`
	RecordedBy       string    `json:"recorded_by"`
	AdministrationID string    `json:"administration_id,omitempty"`
}

func toVitalJSON(v mar.Vital) vitalJSON {
	return vitalJSON{ID: v.ID, ResidentID: v.ResidentID, Kind: v.Kind, Value: v.Value, Unit: v.Unit, TakenAt: v.TakenAt,
		RecordedAt: v.RecordedAt, RecordedBy: v.RecordedBy, AdministrationID: v.AdministrationID}
}
