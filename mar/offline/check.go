package offline

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emar-project/emar/mar"
)

// Request is a scan the page asks the device to check (JSON).
type Request struct {
	Now             time.Time          `json:"now"` // the device's clock
	Wristband       string             `json:"wristband"`
	Document        bool               `json:"document"`
	Scan            string             `json:"scan,omitempty"`
	Keyed           *KeyedJSON         `json:"keyed,omitempty"`
	DoseID          string             `json:"dose_id,omitempty"`
	OrderID         string             `json:"order_id,omitempty"`
	Quantity        *float64           `json:"quantity,omitempty"`
	QuantityUnit    string             `json:"quantity_unit,omitempty"`
	Route           string             `json:"route,omitempty"`
	Site            string             `json:"site,omitempty"`
	Vitals          map[string]float64 `json:"vitals,omitempty"`
	Glucose         *float64           `json:"glucose,omitempty"`
	Overrides       []OverrideJSON     `json:"overrides,omitempty"`
	Outcome         string             `json:"outcome,omitempty"`
	ReasonCode      string             `json:"reason_code,omitempty"`
	ReasonText      string             `json:"reason_text,omitempty"`
	PRNIndication   string             `json:"prn_indication,omitempty"`
	PainScore       *int               `json:"pain_score,omitempty"`
	WitnessUsername string             `json:"witness_username,omitempty"`
}

// KeyedJSON is a product keyed in by hand.
type KeyedJSON struct {
	ProductID string `json:"product_id"`
	Reason    string `json:"reason"`
	Text      string `json:"text,omitempty"`
}

// OverrideJSON answers a soft stop.
type OverrideJSON struct {
	Reason string `json:"reason"`
	Text   string `json:"text"`
}

// Result is the device's verdict (JSON).
type Result struct {
	Allowed  bool         `json:"allowed"`
	Code     string       `json:"code,omitempty"` // the error code when refused: refused, invalid, not_found …
	Reason   string       `json:"reason,omitempty"`
	Message  string       `json:"message,omitempty"`
	Checks   []CheckJSON  `json:"checks"`
	Resident *ResidentRef `json:"resident,omitempty"`
	Order    *OrderRef    `json:"order,omitempty"`
	Dose     *DoseRef     `json:"dose,omitempty"`
	Product  *ProductRef  `json:"product,omitempty"`
	Requires RequiresJSON `json:"requires"`
	Amount   float64      `json:"amount,omitempty"`
	Unit     string       `json:"amount_unit,omitempty"`
	Quantity float64      `json:"quantity,omitempty"`
	QtyUnit  string       `json:"quantity_unit,omitempty"`
	DoseText string       `json:"dose_text,omitempty"`
	Witness  string       `json:"witness,omitempty"` // the witness's name, when one was accepted offline
	// Candidates are what the nurse may have meant.
	Candidates []CandidateJSON `json:"candidates"`
}

// CheckJSON is one right's result.
type CheckJSON struct {
	Right       string `json:"right"`
	Status      string `json:"status"`
	Reason      string `json:"reason,omitempty"`
	Message     string `json:"message"`
	Overridable bool   `json:"overridable,omitempty"`
	Overridden  bool   `json:"overridden,omitempty"`
}

// ResidentRef names the resident.
type ResidentRef struct {
	ID        string   `json:"id"`
	Name      string   `json:"display_name"`
	MRN       string   `json:"mrn"`
	BirthDate string   `json:"birth_date,omitempty"`
	Room      string   `json:"room,omitempty"`
	Allergies []string `json:"allergies"` // "substance (reaction, severity)"
}

// OrderRef names the order.
type OrderRef struct {
	ID         string `json:"id"`
	Ingredient string `json:"ingredient"`
	DoseUnit   string `json:"dose_unit"`
	Route      string `json:"route"`
	Frequency  string `json:"frequency"`
	PRN        bool   `json:"prn"`
	PRNReason  string `json:"prn_reason,omitempty"`
}

// DoseRef names the dose.
type DoseRef struct {
	ID     string    `json:"id"`
	DueAt  time.Time `json:"due_at"`
	Status string    `json:"status"`
}

// ProductRef names the product.
type ProductRef struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	HighAlert string `json:"high_alert,omitempty"`
}

// RequiresJSON is what the document step will need.
type RequiresJSON struct {
	Witness            bool     `json:"witness"`
	WitnessRecommended bool     `json:"witness_recommended"`
	Vitals             []string `json:"vitals"`
	Glucose            bool     `json:"glucose"`
	Site               bool     `json:"site"`
	PRNIndication      bool     `json:"prn_indication"`
	OverrideReason     bool     `json:"override_reason"`
	Overrides          []string `json:"overrides"`
}

// CandidateJSON is a dose or order the nurse may have meant.
type CandidateJSON struct {
	OrderID    string     `json:"order_id"`
	DoseID     string     `json:"dose_id,omitempty"`
	DueAt      *time.Time `json:"due_at,omitempty"`
	Ingredient string     `json:"ingredient"`
	PRN        bool       `json:"prn"`
}

// Check opens the envelope with pub and checks the request against it.
// Every failure, a bad signature included, is a Result that refuses.
func Check(env Envelope, pub ed25519.PublicKey, req Request) Result {
	snap, err := Open(env, pub)
	if err != nil {
		return Result{Code: "refused", Reason: mar.ReasonOfflineSnapshotStale, Message: "The offline data on this device cannot be trusted (" + err.Error() + "). Nothing can be charted offline; reconnect to refresh it.", Checks: []CheckJSON{}, Candidates: []CandidateJSON{}}
	}
	return CheckSnapshot(snap, req)
}

// CheckSnapshot checks the request against an opened snapshot.
func CheckSnapshot(snap mar.Snapshot, req Request) Result {
	in := mar.OfflineInput{Now: req.Now, Wristband: req.Wristband, Document: req.Document, WitnessUsername: req.WitnessUsername,
		Medication: mar.MedicationInput{DoseID: req.DoseID, OrderID: req.OrderID, Quantity: req.Quantity, QuantityUnit: req.QuantityUnit,
			Route: req.Route, Site: req.Site, Vitals: req.Vitals, Glucose: req.Glucose, Outcome: mar.Outcome(req.Outcome), ReasonCode: req.ReasonCode,
			ReasonText: req.ReasonText, PRNIndication: req.PRNIndication, PainScore: req.PainScore}}
	if req.Scan != "" {
		in.Medication.Scan = &mar.ScanInput{Text: req.Scan}
	}
	if req.Keyed != nil {
		in.Medication.Keyed = &mar.KeyedEntry{ProductID: req.Keyed.ProductID, Reason: req.Keyed.Reason, Text: req.Keyed.Text}
	}
	for _, o := range req.Overrides {
		in.Medication.Overrides = append(in.Medication.Overrides, mar.Override{Reason: o.Reason, Text: o.Text})
	}
	v, err := mar.OfflineVerify(snap, in)
	return toResult(v, err)
}

func toResult(v mar.Verdict, err error) Result {
	out := Result{Allowed: err == nil && v.Allowed, Checks: []CheckJSON{}, Candidates: []CandidateJSON{},
		Amount: v.Amount, Unit: v.AmountUnit, Quantity: v.Quantity, QtyUnit: v.QuantityUnit, DoseText: v.DoseText,
		Requires: RequiresJSON{Witness: v.Requires.Witness, WitnessRecommended: v.Requires.WitnessRecommended, Vitals: nonNil(v.Requires.Vitals),
			Glucose: v.Requires.Glucose, Site: v.Requires.Site, PRNIndication: v.Requires.PRNIndication, OverrideReason: v.Requires.OverrideReason,
			Overrides: nonNil(v.Requires.Overrides)}}
	if err != nil {
		var ref *mar.Refusal
		if e, ok := mar.AsError(err); ok {
			out.Code, out.Reason, out.Message = string(e.Code), e.Reason, e.Message
		} else {
			out.Code, out.Message = "error", err.Error()
		}
		if !errors.As(err, &ref) && v.Resident.ID == "" {
			return out
		}
	}
	for _, c := range v.Checks {
		out.Checks = append(out.Checks, CheckJSON{Right: string(c.Right), Status: string(c.Status), Reason: c.Reason, Message: c.Message,
			Overridable: c.Overridable, Overridden: c.Overridden})
	}
	if v.Resident.ID != "" {
		out.Resident = &ResidentRef{ID: v.Resident.ID, Name: v.Resident.DisplayName(), MRN: v.Resident.MRN, BirthDate: v.Resident.BirthDate,
			Room: v.Resident.Room + v.Resident.Bed, Allergies: []string{}}
		for _, a := range v.Resident.Allergies {
			out.Resident.Allergies = append(out.Resident.Allergies, allergyWords(a))
		}
	}
	if o := v.Order; o != nil {
		out.Order = &OrderRef{ID: o.ID, Ingredient: o.Ingredient, DoseUnit: o.DoseUnit, Route: o.Route, Frequency: o.Frequency, PRN: o.PRN, PRNReason: o.PRNReason}
	}
	if d := v.Dose; d != nil {
		out.Dose = &DoseRef{ID: d.ID, DueAt: d.DueAt, Status: string(d.Status)}
	}
	if p := v.Product; p != nil {
		out.Product = &ProductRef{ID: p.ID, Name: p.Name}
		if p.HighAlert != mar.HighAlertNone {
			out.Product.HighAlert = string(p.HighAlert)
		}
	}
	for _, c := range v.Candidates {
		cj := CandidateJSON{OrderID: c.Order.ID, Ingredient: c.Order.Ingredient, PRN: c.Order.PRN}
		if c.Dose != nil {
			cj.DoseID, cj.DueAt = c.Dose.ID, &c.Dose.DueAt
		}
		out.Candidates = append(out.Candidates, cj)
	}
	for _, c := range v.Checks {
		if c.Right == mar.RightHighAlert && c.Status == mar.CheckPass {
			out.Witness = c.Message
		}
	}
	return out
}

func allergyWords(a mar.Allergy) string {
	var extra []string
	for _, x := range []string{a.Reaction, a.Severity} {
		if x != "" {
			extra = append(extra, x)
		}
	}
	if len(extra) == 0 {
		return a.Substance
	}
	return a.Substance + " (" + strings.Join(extra, ", ") + ")"
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// CheckJSONCall is the WebAssembly build's entry point: the envelope, the
// trusted public key (base64) and the request, each JSON or text; the
// answer is the Result's JSON.
func CheckJSONCall(envelope, publicKey, request string) string {
	var env Envelope
	var req Request
	var res Result
	pub, perr := base64.StdEncoding.DecodeString(publicKey)
	switch {
	case json.Unmarshal([]byte(envelope), &env) != nil:
		res = Result{Code: "refused", Reason: mar.ReasonOfflineSnapshotStale, Message: "No offline data on this device: nothing can be checked offline.", Checks: []CheckJSON{}, Candidates: []CandidateJSON{}}
	case perr != nil:
		res = Result{Code: "refused", Reason: mar.ReasonOfflineSnapshotStale, Message: "The page holds no key to check the offline data with.", Checks: []CheckJSON{}, Candidates: []CandidateJSON{}}
	default:
		if err := json.Unmarshal([]byte(request), &req); err != nil {
			res = Result{Code: "invalid", Message: fmt.Sprintf("the request is not valid JSON: %v", err), Checks: []CheckJSON{}, Candidates: []CandidateJSON{}}
		} else {
			res = Check(env, ed25519.PublicKey(pub), req)
		}
	}
	b, _ := json.Marshal(res)
	return string(b)
}
