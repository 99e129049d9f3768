package web

import (
	"context"
	"net/http"
	"sort"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/web/i18n"
)

func locationOf(u mar.Unit) *time.Location {
	if u.TimeZone == "" {
		return time.UTC
	}
	loc, err := u.Location()
	if err != nil {
		return time.UTC
	}
	return loc
}

type wristbandRequest struct {
	Scan string `json:"scan"`
}

// bedsideWristband identifies the resident from a wristband scan (text, or
// a picture in the multipart field "image") and opens a bedside context.
func (s *Server) bedsideWristband(c *gin.Context) {
	var scan *mar.ScanInput
	var content []byte
	if isMultipart(c) {
		data, err := readImage(c)
		if err != nil {
			s.respondError(c, err)
			return
		}
		content = imageDigest(data)
		res, err := s.decoder.decode(c.Request.Context(), data, s.parseOptionsFor(c, stepWristband))
		switch {
		case err != nil:
			me := decodeError(err)
			if me.Code != mar.ERefused {
				s.respondError(c, me)
				return
			}
			scan = &mar.ScanInput{Err: err}
		case res.ParseErr != nil:
			scan = &mar.ScanInput{Text: res.Text, Err: res.ParseErr}
		default:
			scan = &mar.ScanInput{Text: res.Text, Code: res.Code}
		}
	} else {
		var req wristbandRequest
		body, err := readJSON(c, &req)
		if err != nil {
			s.respondError(c, err)
			return
		}
		if req.Scan == "" {
			s.respondError(c, mar.Invalid("scan", "scan the resident's wristband"))
			return
		}
		content = body
		scan = s.parseScan(c, req.Scan, stepWristband)
	}
	by := mustIdentity(c)
	serveWrite(s, c, content, toWristbandResponse, func(ctx context.Context) (mar.WristbandResult, error) {
		return s.svc.ScanWristband(ctx, by, *scan)
	})
}

// residentDue returns a resident's due list without a scan (boards).
func (s *Server) residentDue(c *gin.Context) {
	d, err := s.svc.DueList(c.Request.Context(), mustIdentity(c), c.Param("id"))
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, toDueListJSON(d))
}

type keyedJSON struct {
	ProductID string `json:"product_id"`
	Reason    string `json:"reason"`
	Text      string `json:"text"`
}

type witnessJSON struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Badge    string `json:"badge"`
	PIN      string `json:"pin"`
}

// medicationRequest is the scan part of the bedside request body.
type medicationRequest struct {
	ContextID string     `json:"context_id"`
	Scan      *string    `json:"scan"`
	Keyed     *keyedJSON `json:"keyed"`
	DoseID    string     `json:"dose_id"`
	OrderID   string     `json:"order_id"`
	Quantity  *float64   `json:"quantity"`
	// QuantityUnit is quantity's unit: the product's unit of use (the
	// default), the order's dose unit, or a unit the strength converts.
	QuantityUnit string             `json:"quantity_unit"`
	Route        string             `json:"route"`
	Site         string             `json:"site"`
	Vitals       map[string]float64 `json:"vitals"`
	Glucose      *float64           `json:"glucose"`
	Overrides    []overrideJSON     `json:"overrides"`
}

func (s *Server) medicationInput(c *gin.Context, r medicationRequest) mar.MedicationInput {
	in := mar.MedicationInput{ContextID: r.ContextID, DoseID: r.DoseID, OrderID: r.OrderID, Quantity: r.Quantity, QuantityUnit: r.QuantityUnit, Route: r.Route,
		Site: r.Site, Vitals: r.Vitals, Glucose: r.Glucose}
	if r.Scan != nil {
		in.Scan = s.parseScan(c, *r.Scan, stepMedication)
	}
	if r.Keyed != nil {
		in.Keyed = &mar.KeyedEntry{ProductID: r.Keyed.ProductID, Reason: r.Keyed.Reason, Text: r.Keyed.Text}
	}
	for _, o := range r.Overrides {
		in.Overrides = append(in.Overrides, mar.Override{Reason: o.Reason, Text: o.Text})
	}
	return in
}

// bedsideVerify checks a medication scan: 200 with the verdict when no
// hard stop fails, else 422 with every check in error.details. It reads
// the document request's shape, so a client sends one body to both.
func (s *Server) bedsideVerify(c *gin.Context) {
	var req documentRequest
	body, err := readJSON(c, &req)
	if err != nil {
		s.respondError(c, err)
		return
	}
	in := s.documentInput(c, req)
	by := mustIdentity(c)
	serveWrite(s, c, body, func(v mar.Verdict) (int, any) {
		if !v.Allowed {
			ref := mar.RefusalOf(v)
			return statusOf(ref.Err.Code), s.localizeRefusal(c, ref)
		}
		return http.StatusOK, toVerdictJSON(v)
	}, func(ctx context.Context) (mar.Verdict, error) {
		return s.svc.Verify(ctx, by, in)
	})
}

// documentRequest is the body of POST /administrations and of POST
// /bedside/verify.
type documentRequest struct {
	medicationRequest
	Outcome              string       `json:"outcome"`
	ReasonCode           string       `json:"reason_code"`
	ReasonText           string       `json:"reason_text"`
	PRNIndication        string       `json:"prn_indication"`
	PainScore            *int         `json:"pain_score"`
	PerformedAt          *time.Time   `json:"performed_at"`
	BackDocumentedReason string       `json:"back_documented_reason"`
	DeviceTime           *time.Time   `json:"device_time"`
	Witness              *witnessJSON `json:"witness"`
	Offline              bool         `json:"offline"` // charted offline, sent now (docs/offline.md)
}

func (s *Server) documentInput(c *gin.Context, req documentRequest) mar.MedicationInput {
	in := s.medicationInput(c, req.medicationRequest)
	in.Outcome = mar.Outcome(req.Outcome)
	in.ReasonCode, in.ReasonText, in.PRNIndication, in.PainScore = req.ReasonCode, req.ReasonText, req.PRNIndication, req.PainScore
	in.PerformedAt, in.BackDocumentedReason, in.DeviceTime, in.Offline = req.PerformedAt, req.BackDocumentedReason, req.DeviceTime, req.Offline
	if w := req.Witness; w != nil {
		in.Witness = &mar.WitnessCredentials{Username: w.Username, Password: w.Password, Badge: w.Badge, PIN: w.PIN}
	}
	return in
}

// document charts an administration (given, held, refused, not given).
func (s *Server) document(c *gin.Context) {
	var req documentRequest
	body, err := readJSON(c, &req)
	if err != nil {
		s.respondError(c, err)
		return
	}
	in := s.documentInput(c, req)
	by := mustIdentity(c)
	render := func(r mar.DocumentResult) (int, any) {
		status, v := renderDocument(r)
		if eb, ok := v.(errorBody); ok {
			// Held by a hold parameter: the nurse reads why in her language.
			eb.Error.LocalizedMessage = s.localizedMessage(c, &mar.Error{Code: mar.ERefused, Reason: eb.Error.Reason, Message: eb.Error.Message}, eb.Error.Message)
			v = eb
		}
		return status, v
	}
	serveWrite(s, c, body, render, func(ctx context.Context) (mar.DocumentResult, error) {
		return s.svc.Document(ctx, by, in)
	})
}

// renderDocument answers a documentation: 201 with the record; but a
// "given" that a met hold parameter turned into "held" answers 422
// hold_parameter_met — the medication must not be given — with the held
// record in details, so a client that reads only the status code cannot
// take it for a dose given. The held record is committed (and its
// Idempotency-Key with it): details.documented says so.
func renderDocument(r mar.DocumentResult) (int, any) {
	doc := toDocumentResponse(r)
	if !r.HeldByParameter {
		return http.StatusCreated, doc
	}
	return http.StatusUnprocessableEntity, errorBody{Error: errorDetail{Code: string(mar.ERefused), Reason: mar.ReasonHoldParameterMet, Message: r.Message,
		Details: map[string]any{"documented": true, "outcome": doc.Outcome, "held_by_parameter": true, "administration": doc.Administration,
			"dose": doc.Dose, "flags": doc.Flags, "checks": doc.Checks}}}
}

type enteredInErrorRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) enteredInError(c *gin.Context) {
	var req enteredInErrorRequest
	body, err := readJSON(c, &req)
	if err != nil {
		s.respondError(c, err)
		return
	}
	by, id := mustIdentity(c), c.Param("id")
	serveWrite(s, c, body, func(v mar.AdministrationView) (int, any) {
		return http.StatusOK, toAdministrationJSON(v)
	}, func(ctx context.Context) (mar.AdministrationView, error) {
		return s.svc.EnterInError(ctx, by, id, req.Reason)
	})
}

type removalRequest struct {
	PerformedAt *time.Time `json:"performed_at"`
	Site        string     `json:"site"`
	Note        string     `json:"note"`
}

func (s *Server) patchRemoval(c *gin.Context) {
	var req removalRequest
	body, err := readJSON(c, &req)
	if err != nil {
		s.respondError(c, err)
		return
	}
	by, id := mustIdentity(c), c.Param("id")
	serveWrite(s, c, body, func(r mar.PatchRemoval) (int, any) {
		return http.StatusCreated, gin.H{"administration_id": r.AdministrationID, "removal": toRemovalJSON(r)}
	}, func(ctx context.Context) (mar.PatchRemoval, error) {
		return s.svc.RecordPatchRemoval(ctx, by, id, req.PerformedAt, req.Site, req.Note)
	})
}

type effectivenessRequest struct {
	Result    string `json:"result"`
	PainScore *int   `json:"pain_score"`
	Note      string `json:"note"`
}

func (s *Server) effectiveness(c *gin.Context) {
	var req effectivenessRequest
	body, err := readJSON(c, &req)
	if err != nil {
		s.respondError(c, err)
		return
	}
	by, id := mustIdentity(c), c.Param("id")
	serveWrite(s, c, body, func(f mar.PRNFollowup) (int, any) {
		return http.StatusOK, gin.H{"administration_id": f.AdministrationID, "followup": toFollowupJSON(f)}
	}, func(ctx context.Context) (mar.PRNFollowup, error) {
		return s.svc.RecordEffectiveness(ctx, by, id, req.Result, req.PainScore, req.Note)
	})
}

type vitalRequest struct {
	Kind    string     `json:"kind"`
	Value   *float64   `json:"value"`
	Unit    string     `json:"unit"` // a weight in kg (the default) or lb
	TakenAt *time.Time `json:"taken_at"`
}

func (s *Server) recordVital(c *gin.Context) {
	var req vitalRequest
	body, err := readJSON(c, &req)
	if err != nil {
		s.respondError(c, err)
		return
	}
	if req.Value == nil {
		s.respondError(c, mar.Invalid("value", "is required"))
		return
	}
	by, id := mustIdentity(c), c.Param("id")
	serveWrite(s, c, body, func(v mar.Vital) (int, any) {
		return http.StatusCreated, toVitalJSON(v)
	}, func(ctx context.Context) (mar.Vital, error) {
		return s.svc.RecordVital(ctx, by, id, req.Kind, *req.Value, req.Unit, req.TakenAt)
	})
}

// timeQuery reads an optional RFC 3339 query parameter.
func timeQuery(c *gin.Context, name string) (time.Time, error) {
	v := c.Query(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, mar.Invalid(name, "must be an RFC 3339 time with offset, e.g. 2026-03-08T09:00:00-05:00")
	}
	return t, nil
}

func (s *Server) listVitals(c *gin.Context) {
	since, err := timeQuery(c, "since")
	if err != nil {
		s.respondError(c, err)
		return
	}
	vs, err := s.svc.ListVitals(c.Request.Context(), mustIdentity(c), c.Param("id"), since)
	if err != nil {
		s.respondError(c, err)
		return
	}
	out := make([]vitalJSON, len(vs))
	for i, v := range vs {
		out[i] = toVitalJSON(v)
	}
	c.JSON(http.StatusOK, listOf(out))
}

func (s *Server) listAdministrations(c *gin.Context) {
	since, err := timeQuery(c, "since")
	if err != nil {
		s.respondError(c, err)
		return
	}
	until, err := timeQuery(c, "until")
	if err != nil {
		s.respondError(c, err)
		return
	}
	vs, err := s.svc.ListAdministrations(c.Request.Context(), mustIdentity(c), c.Param("id"), since, until)
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, listOf(toAdministrationsJSON(vs)))
}

func (s *Server) getAdministration(c *gin.Context) {
	v, err := s.svc.GetAdministration(c.Request.Context(), mustIdentity(c), c.Param("id"))
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, toAdministrationJSON(v))
}

type reasonOptionJSON struct {
	Code  string `json:"code"`
	Label string `json:"label"`
}

type reasonInfoJSON struct {
	Code        string `json:"code"`
	Right       string `json:"right,omitempty"`
	Hard        bool   `json:"hard"`
	Overridable bool   `json:"overridable"`
	Description string `json:"description"`
}

func toWristbandResponse(r mar.WristbandResult) (int, any) {
	out := wristbandResponse{ContextID: r.Context.ID, ContextExpiresAt: r.Context.ExpiresAt,
		ContextExpiresIn: int(r.Context.ExpiresAt.Sub(r.Context.CreatedAt) / time.Second), ServerTime: r.Context.CreatedAt,
		Resident: toResidentJSON(r.Due.Resident), Due: toDueListJSON(r.Due)}
	if r.Context.ManualReason != "" {
		out.Manual = &manualSelectionJSON{Reason: r.Context.ManualReason, Identifiers: r.Context.ManualIdentifiers}
	}
	return http.StatusOK, out
}

// selectRequest is a resident selected by hand: the identifiers the nurse
// confirmed (kind → the value the screen showed) and why there was no scan.
type selectRequest struct {
	ResidentID  string            `json:"resident_id"`
	Identifiers map[string]string `json:"identifiers"`
	Reason      string            `json:"reason"`
	Text        string            `json:"text"`
}

// bedsideSelect opens a bedside context for a resident selected by hand
// (no wristband): two identifiers confirmed and a reason.
func (s *Server) bedsideSelect(c *gin.Context) {
	var req selectRequest
	body, err := readJSON(c, &req)
	if err != nil {
		s.respondError(c, err)
		return
	}
	by := mustIdentity(c)
	serveWrite(s, c, body, toWristbandResponse, func(ctx context.Context) (mar.WristbandResult, error) {
		return s.svc.SelectResident(ctx, by, mar.ManualSelection{ResidentID: req.ResidentID, Identifiers: req.Identifiers, Reason: req.Reason, Text: req.Text})
	})
}

type reasonsResponse struct {
	Outcomes map[string][]reasonOptionJSON `json:"outcomes"`
	Keyed    []reasonOptionJSON            `json:"keyed"`
	// Manual lists why a resident may be selected without a wristband scan.
	Manual        []reasonOptionJSON `json:"manual"`
	Effectiveness []reasonOptionJSON `json:"effectiveness"`
	Overridable   []string           `json:"overridable"`
	Codes         []reasonInfoJSON   `json:"codes"`
	// RecordReasons: beside these, the bedside links to the resident's MAR.
	RecordReasons []string `json:"record_reasons"`
}

// optionsJSON shows a pick list with its labels in the request's
// language (a facility's own labels stay as written unless its
// translation file has them).
func optionsJSON(l *i18n.Locale, opts []mar.ReasonOption) []reasonOptionJSON {
	out := make([]reasonOptionJSON, len(opts))
	for i, o := range opts {
		out[i] = reasonOptionJSON{o.Code, l.T(o.Label)}
	}
	return out
}

// bedsideReasons serves the pick lists and every reason code.
func (s *Server) bedsideReasons(c *gin.Context) {
	cfg := s.svc.Config.Bedside
	l := s.locale(c)
	out := reasonsResponse{Outcomes: map[string][]reasonOptionJSON{}, Keyed: optionsJSON(l, cfg.KeyedReasons), Manual: optionsJSON(l, cfg.ManualReasons), Effectiveness: optionsJSON(l, cfg.EffectivenessTexts)}
	for o, opts := range cfg.OutcomeReasons {
		out.Outcomes[string(o)] = optionsJSON(l, opts)
	}
	for _, r := range mar.Reasons {
		if r.Overridable {
			out.Overridable = append(out.Overridable, r.Code)
		}
		out.Codes = append(out.Codes, reasonInfoJSON{r.Code, string(r.Right), r.Hard, r.Overridable, r.Description})
	}
	sort.Strings(out.Overridable)
	out.RecordReasons = mar.RecordReasons
	c.JSON(http.StatusOK, out)
}
