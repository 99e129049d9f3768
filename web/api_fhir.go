package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/fhir"
)

func isFHIR(c *gin.Context) bool {
	p := c.Request.URL.Path
	return p == "/fhir" || strings.HasPrefix(p, "/fhir/")
}

// respondOutcome answers an error on a FHIR route as an OperationOutcome.
func (s *Server) respondOutcome(c *gin.Context, err error, fields map[string]string) {
	is, status := fhir.IssueFor(err, fields)
	if status >= 500 {
		s.log.ErrorContext(c.Request.Context(), "request failed", "err", err, "request_id", requestID(c), "route", c.FullPath())
		is.Diagnostics = "internal error; the request id is " + requestID(c)
	}
	c.Abort()
	c.Data(status, fhir.ContentType, fhir.OperationOutcome(is))
}

func (s *Server) fhirBase(c *gin.Context) string {
	scheme := "http"
	if c.Request.TLS != nil || s.secure {
		scheme = "https"
	}
	return scheme + "://" + c.Request.Host + "/fhir"
}

func fhirOK(c *gin.Context, status int, body []byte) {
	c.Data(status, fhir.ContentType, body)
}

// fhirResource answers one resource with its version as a weak ETag and
// its meta.lastUpdated as Last-Modified.
func fhirResource(c *gin.Context, status int, body []byte) {
	var head struct {
		Meta struct {
			VersionID   string `json:"versionId"`
			LastUpdated string `json:"lastUpdated"`
		} `json:"meta"`
	}
	if json.Unmarshal(body, &head) == nil {
		if head.Meta.VersionID != "" {
			c.Header("ETag", `W/"`+head.Meta.VersionID+`"`)
		}
		if t, err := time.Parse(time.RFC3339Nano, head.Meta.LastUpdated); err == nil {
			c.Header("Last-Modified", t.UTC().Format(http.TimeFormat))
		}
	}
	fhirOK(c, status, body)
}

// ifMatch reads an If-Match header ("W/\"3\"", "\"3\"" or "3") as the
// version an update is made against; 0 when there is none or it is "*".
func ifMatch(c *gin.Context) (int64, error) {
	h := strings.TrimSpace(c.GetHeader("If-Match"))
	if h == "" || h == "*" {
		return 0, nil
	}
	v := strings.Trim(strings.TrimPrefix(h, "W/"), `"`)
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		return 0, &mar.Error{Code: mar.EConflict, Field: "If-Match", Reason: "version_mismatch",
			Message: fmt.Sprintf("If-Match %s names no version of this resource (versions are W/\"1\", W/\"2\", …)", h)}
	}
	return n, nil
}

// readResource reads a FHIR request body: size-limited, FHIR or plain JSON.
func (s *Server) readResource(c *gin.Context) ([]byte, error) {
	if ct := c.GetHeader("Content-Type"); ct != "" {
		mt, _, _ := mime.ParseMediaType(ct)
		if mt != "application/fhir+json" && mt != "application/json" {
			return nil, &mar.Error{Code: mar.EInvalid, Reason: "not-supported", Message: fmt.Sprintf("content type %q is not accepted: send application/fhir+json", mt)}
		}
	}
	body, err := io.ReadAll(io.LimitReader(c.Request.Body, fhir.MaxResource+1))
	if err != nil {
		return nil, &mar.Error{Code: mar.EInvalid, Message: "could not read the request body"}
	}
	if len(body) > fhir.MaxResource {
		return nil, &mar.Error{Code: mar.ETooLarge, Message: fmt.Sprintf("the resource is larger than %d bytes", fhir.MaxResource)}
	}
	return body, nil
}

// fhirResources are the resources and searches the server supports, for
// the CapabilityStatement.
var fhirResources = []fhir.ResourceCapability{
	{Type: "Patient", Interactions: []string{"read", "search-type", "create", "update"}, Search: []fhir.SearchParam{
		{Name: "_id", Type: "token", Doc: "logical id"}, {Name: "identifier", Type: "token", Doc: "MRN or wristband ([system|]value)"}, {Name: "family", Type: "string", Doc: "family name (starts with)"},
		{Name: "name", Type: "string", Doc: "any part of the name (starts with)"}, {Name: "birthdate", Type: "date", Doc: "date of birth"}},
		Versioning: "versioned-update", ConditionalCreate: true},
	{Type: "Medication", Interactions: []string{"read", "search-type"}, Search: []fhir.SearchParam{
		{Name: "_id", Type: "token", Doc: "logical id"}, {Name: "code", Type: "token", Doc: "NDC, GTIN, RxNorm or local code ([system|]code)"}}},
	{Type: "MedicationRequest", Interactions: []string{"read", "search-type", "create", "update"}, Search: []fhir.SearchParam{
		{Name: "_id", Type: "token", Doc: "logical id"}, {Name: "patient", Type: "reference", Doc: "the resident"}, {Name: "status", Type: "token", Doc: "draft (pending verification), active, on-hold, stopped, completed, cancelled"},
		{Name: "intent", Type: "token", Doc: "always order"}},
		Versioning: "versioned-update", ConditionalCreate: true},
	{Type: "MedicationAdministration", Interactions: []string{"read", "search-type"}, Search: []fhir.SearchParam{
		{Name: "_id", Type: "token", Doc: "logical id"}, {Name: "patient", Type: "reference", Doc: "the resident"}, {Name: "status", Type: "token", Doc: "completed, not-done, entered-in-error"},
		{Name: "effective-time", Type: "date", Doc: "when it was given (ge, gt, le, lt, eq)"}, {Name: "performer", Type: "reference", Doc: "Practitioner who gave it"},
		{Name: "request", Type: "reference", Doc: "the MedicationRequest"}}},
	{Type: "MedicationDispense", Interactions: []string{"read", "search-type"}, Search: []fhir.SearchParam{
		{Name: "_id", Type: "token", Doc: "logical id"}, {Name: "patient", Type: "reference", Doc: "the resident"}, {Name: "status", Type: "token", Doc: "completed"}}},
	{Type: "Practitioner", Interactions: []string{"read", "search-type"}, Search: []fhir.SearchParam{
		{Name: "_id", Type: "token", Doc: "logical id (the user id every performer, dispenser and agent reference carries)"},
		{Name: "identifier", Type: "token", Doc: "sign-in name (" + fhir.SystemUsername + "|name)"}, {Name: "name", Type: "string", Doc: "any word of the name (starts with)"},
		{Name: "active", Type: "token", Doc: "true or false"}}},
	{Type: "AuditEvent", Interactions: []string{"read", "search-type"}, Search: []fhir.SearchParam{
		{Name: "_id", Type: "token", Doc: "logical id"}, {Name: "patient", Type: "reference", Doc: "the resident the event concerns"}, {Name: "date", Type: "date", Doc: "when it was recorded (ge, gt, le, lt, eq)"},
		{Name: "agent", Type: "reference", Doc: "who acted (Practitioner/<user id>)"}}},
}

func (s *Server) fhirMetadata(c *gin.Context) {
	fhirOK(c, http.StatusOK, fhir.CapabilityStatement(s.fhirBase(c), "1", s.svc.Clock.Now(), fhirResources))
}

// refID reads a reference search value: "Patient/<id>", "<id>" or a full URL.
func refID(v, typ string) string {
	if i := strings.LastIndex(v, typ+"/"); i >= 0 {
		v = v[i+len(typ)+1:]
	}
	return strings.TrimSpace(v)
}

// patientHasIdentifier applies a FHIR token search (value, system|value
// or |value) to the identifiers fhir.Patient emits: the MRN under its own
// system, and the wristband under SystemBand when it differs. A value under
// another system never matches: identifiers are (system, value) pairs.
func patientHasIdentifier(r mar.Resident, token string) bool {
	system, value, withSystem := strings.Cut(token, "|")
	if !withSystem {
		return token == r.MRN || token == r.WristbandID
	}
	switch system {
	case r.MRNSystem:
		return value == r.MRN
	case fhir.SystemBand:
		return r.WristbandID != r.MRN && value == r.WristbandID
	}
	return false // "|value" asks for an identifier without a system: none is
}

// tokenValue drops the system of a token search value (system|code).
func tokenValue(v string) (system, code string) {
	if i := strings.IndexByte(v, '|'); i >= 0 {
		return v[:i], v[i+1:]
	}
	return "", v
}

// dateRange reads FHIR date search values (with prefixes eq, ge, gt, le,
// lt, sa, eb) into an instant range [from, to).
func dateRange(values []string, param string) (from, to time.Time, err error) {
	for _, v := range values {
		prefix := "eq"
		if len(v) > 2 && v[0] >= 'a' && v[0] <= 'z' && v[1] >= 'a' && v[1] <= 'z' {
			prefix, v = v[:2], v[2:]
		}
		start, end, ok := fhirPeriod(v)
		if !ok {
			return from, to, mar.Invalid(param, "%q is not a FHIR date or dateTime", v)
		}
		lower := func(t time.Time) {
			if from.IsZero() || t.After(from) {
				from = t
			}
		}
		upper := func(t time.Time) {
			if to.IsZero() || t.Before(to) {
				to = t
			}
		}
		switch prefix {
		case "eq":
			lower(start)
			upper(end)
		case "ge":
			lower(start)
		case "gt", "sa":
			lower(end)
		case "le":
			upper(end)
		case "lt", "eb":
			upper(start)
		default:
			return from, to, mar.Invalid(param, "prefix %q is not supported (eq, ge, gt, le, lt, sa, eb)", prefix)
		}
	}
	return from, to, nil
}

// fhirPeriod is the instant range a FHIR date or dateTime stands for at
// its precision.
func fhirPeriod(v string) (time.Time, time.Time, bool) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t.UTC(), t.UTC().Add(time.Second), true
	}
	for _, l := range []struct {
		layout string
		next   func(time.Time) time.Time
	}{
		{"2006-01-02T15:04", func(t time.Time) time.Time { return t.Add(time.Minute) }},
		{"2006-01-02", func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }},
		{"2006-01", func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }},
		{"2006", func(t time.Time) time.Time { return t.AddDate(1, 0, 0) }},
	} {
		if t, err := time.Parse(l.layout, v); err == nil {
			return t, l.next(t), true
		}
	}
	return time.Time{}, time.Time{}, false
}

// ---- Patient

func (s *Server) fhirReadPatient(c *gin.Context) {
	s.fhirAnswer(c, func() ([]byte, error) {
		list, err := s.svc.ResidentsWithUnits(c.Request.Context(), mustIdentity(c), c.Param("id"))
		if err != nil {
			return nil, err
		}
		return fhir.Patient(list[0].Resident, list[0].Unit)
	})
}

func (s *Server) fhirSearchPatients(c *gin.Context) {
	list, err := s.svc.ResidentsWithUnits(c.Request.Context(), mustIdentity(c), "")
	if err != nil {
		s.respondOutcome(c, err, nil)
		return
	}
	q := c.Request.URL.Query()
	var items []pageItem
	for _, rw := range list {
		r := rw.Resident
		if v := q.Get("_id"); v != "" && v != r.ID {
			continue
		}
		if v := q.Get("identifier"); v != "" && !patientHasIdentifier(r, v) {
			continue
		}
		if v := strings.ToLower(q.Get("family")); v != "" && !strings.HasPrefix(strings.ToLower(r.FamilyName), v) {
			continue
		}
		if v := strings.ToLower(q.Get("name")); v != "" && !strings.HasPrefix(strings.ToLower(r.FamilyName), v) && !strings.HasPrefix(strings.ToLower(r.GivenName), v) {
			continue
		}
		if v := q.Get("birthdate"); v != "" {
			from, to, err := dateRange(q["birthdate"], "birthdate")
			if err != nil {
				s.respondOutcome(c, err, nil)
				return
			}
			bd, _, ok := fhirPeriod(r.BirthDate)
			if !ok || (!from.IsZero() && bd.Before(from)) || (!to.IsZero() && !bd.Before(to)) {
				continue
			}
		}
		items = append(items, pageItem{"Patient", r.ID, func() ([]byte, error) { return fhir.Patient(r, rw.Unit) }})
	}
	s.searchset(c, items)
}

func (s *Server) fhirCreatePatient(c *gin.Context) { s.fhirWritePatient(c, "") }
func (s *Server) fhirUpdatePatient(c *gin.Context) { s.fhirWritePatient(c, c.Param("id")) }

func (s *Server) fhirWritePatient(c *gin.Context, id string) {
	body, err := s.readResource(c)
	if err != nil {
		s.respondOutcome(c, err, nil)
		return
	}
	ep, err := fhir.ParsePatient(body)
	if err != nil {
		s.respondOutcome(c, err, nil)
		return
	}
	if id != "" {
		var bodyID struct {
			ID string `json:"id"`
		}
		_ = jsonUnmarshal(body, &bodyID)
		if bodyID.ID != "" && bodyID.ID != id {
			s.respondOutcome(c, mar.Invalid("Patient.id", "the id in the body (%s) differs from the id in the URL (%s)", bodyID.ID, id), nil)
			return
		}
		if !mar.ValidID(id) {
			s.respondOutcome(c, refusedFHIR("Patient.id", "ids are assigned by this server: create the Patient with POST"), nil)
			return
		}
		ep.Kind, ep.ResidentID = mar.PatientUpdate, id
		if ep.IfVersion, err = ifMatch(c); err != nil {
			s.respondOutcome(c, err, nil)
			return
		}
	} else {
		ep.Kind, ep.CreateOnly = mar.PatientAdmit, true
		if done := s.ifNoneExist(c, "Patient", s.matchPatients); done {
			return
		}
	}
	r, created, err := s.svc.ApplyPatientEvent(c.Request.Context(), mustIdentity(c), ep)
	if err != nil {
		s.respondOutcome(c, err, fhir.PatientFields)
		return
	}
	list, err := s.svc.ResidentsWithUnits(c.Request.Context(), mustIdentity(c), r.ID)
	if err != nil {
		s.respondOutcome(c, err, nil)
		return
	}
	b, err := fhir.Patient(list[0].Resident, list[0].Unit)
	if err != nil {
		s.respondOutcome(c, err, nil)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		c.Header("Location", s.fhirBase(c)+"/Patient/"+r.ID)
	}
	fhirResource(c, status, b)
}

func refusedFHIR(expr, msg string) error {
	e := mar.Invalid(expr, "%s", msg)
	e.Reason = "not-supported"
	return e
}

// ---- Medication

func (s *Server) fhirReadMedication(c *gin.Context) {
	s.fhirAnswer(c, func() ([]byte, error) {
		p, err := s.svc.GetProductWithCodes(c.Request.Context(), mustIdentity(c), c.Param("id"))
		if err != nil {
			return nil, err
		}
		return fhir.Medication(p.Product, p.Codes)
	})
}

func (s *Server) fhirSearchMedications(c *gin.Context) {
	list, err := s.svc.ListProductsWithCodes(c.Request.Context(), mustIdentity(c))
	if err != nil {
		s.respondOutcome(c, err, nil)
		return
	}
	q := c.Request.URL.Query()
	var items []pageItem
	for _, p := range list {
		if v := q.Get("_id"); v != "" && v != p.Product.ID {
			continue
		}
		if v := q.Get("code"); v != "" {
			_, code := tokenValue(v)
			match := false
			ndcs, _ := mar.NDCForms(code)
			for _, pk := range p.Product.Packages {
				if pk.GTIN == code || pk.NDC == code || contains(ndcs, pk.NDC) {
					match = true
				}
			}
			for _, cd := range p.Codes {
				if cd == code {
					match = true
				}
			}
			if !match {
				continue
			}
		}
		items = append(items, pageItem{"Medication", p.Product.ID, func() ([]byte, error) { return fhir.Medication(p.Product, p.Codes) }})
	}
	s.searchset(c, items)
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// ---- MedicationRequest

func (s *Server) requestJSON(v mar.OrderView) ([]byte, error) {
	r, err := s.svc.ParseFrequency(v.Order.Frequency, v.Unit)
	if err != nil {
		return fhir.MedicationRequest(v.Order, v.Resident, v.Product, nil)
	}
	return fhir.MedicationRequest(v.Order, v.Resident, v.Product, &r)
}

func (s *Server) fhirReadRequest(c *gin.Context) {
	s.fhirAnswer(c, func() ([]byte, error) {
		v, err := s.svc.GetOrder(c.Request.Context(), mustIdentity(c), c.Param("id"))
		if err != nil {
			return nil, err
		}
		return s.requestJSON(v)
	})
}

func (s *Server) fhirSearchRequests(c *gin.Context) {
	q := c.Request.URL.Query()
	resident := refID(firstNonEmptyStr(q.Get("patient"), q.Get("subject")), "Patient")
	var statuses []mar.OrderStatus
	if v := q.Get("status"); v != "" {
		for _, st := range strings.Split(v, ",") {
			statuses = append(statuses, fhir.RequestStatuses(strings.TrimSpace(st))...)
		}
		if len(statuses) == 0 {
			s.searchset(c, nil)
			return
		}
	}
	if v := q.Get("intent"); v != "" && !contains(strings.Split(v, ","), "order") {
		s.searchset(c, nil)
		return
	}
	list, err := s.svc.SearchOrders(c.Request.Context(), mustIdentity(c), resident, statuses)
	if err != nil {
		s.respondOutcome(c, err, nil)
		return
	}
	var items []pageItem
	for _, v := range list {
		if id := q.Get("_id"); id != "" && id != v.Order.ID {
			continue
		}
		items = append(items, pageItem{"MedicationRequest", v.Order.ID, func() ([]byte, error) { return s.requestJSON(v) }})
	}
	s.searchset(c, items)
}

func firstNonEmptyStr(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func (s *Server) orderContext(ctx context.Context, by mar.Identity) fhir.OrderContext {
	oc := fhir.OrderContext{Defaults: s.svc.Schedule.Times, Location: time.UTC, Now: s.svc.Clock.Now()}
	if f, err := s.svc.FacilityOf(ctx, by); err == nil {
		if loc, err := time.LoadLocation(f.TimeZone); err == nil {
			oc.Location = loc
		}
	}
	return oc
}

func (s *Server) fhirCreateRequest(c *gin.Context) { s.fhirWriteRequest(c, "") }
func (s *Server) fhirUpdateRequest(c *gin.Context) { s.fhirWriteRequest(c, c.Param("id")) }

func (s *Server) fhirWriteRequest(c *gin.Context, id string) {
	ctx, by := c.Request.Context(), mustIdentity(c)
	body, err := s.readResource(c)
	if err != nil {
		s.respondOutcome(c, err, nil)
		return
	}
	eo, err := fhir.ParseMedicationRequest(body, s.orderContext(ctx, by))
	if err != nil {
		s.respondOutcome(c, err, fhir.RequestFields)
		return
	}
	if id != "" {
		var bodyID struct {
			ID string `json:"id"`
		}
		_ = jsonUnmarshal(body, &bodyID)
		if bodyID.ID != "" && bodyID.ID != id {
			s.respondOutcome(c, mar.Invalid("MedicationRequest.id", "the id in the body (%s) differs from the id in the URL (%s)", bodyID.ID, id), nil)
			return
		}
		cur, err := s.svc.GetOrder(ctx, by, id)
		if err != nil {
			s.respondOutcome(c, err, nil)
			return
		}
		eo.OrderID = id
		if eo.IfVersion, err = ifMatch(c); err != nil {
			s.respondOutcome(c, err, nil)
			return
		}
		switch eo.Action {
		case mar.ExternalNew:
			eo.Action = mar.ExternalChange
			if cur.Order.Status == mar.OrderOnHold {
				eo.Action = mar.ExternalRelease
			}
		}
		if eo.Action != mar.ExternalChange {
			// A status change carries the rest of the order unchanged.
			eo.Codes, eo.ProductID = nil, ""
		}
	} else if eo.Action == mar.ExternalHold {
		// A new order on hold: pending verification, held when verified.
		eo.Action, eo.HoldOnCreate = mar.ExternalNew, true
	} else if eo.Action != mar.ExternalNew {
		s.respondOutcome(c, refusedFHIR("MedicationRequest.status", "a new order must be active, draft or on-hold: a request that is already stopped, completed or cancelled has nothing to give"), nil)
		return
	}
	if eo.OrderID == "" {
		if done := s.ifNoneExist(c, "MedicationRequest", s.matchRequests); done {
			return
		}
	}
	res, err := s.svc.ApplyExternalOrders(ctx, by, []mar.ExternalOrder{eo})
	if err != nil {
		s.respondOutcome(c, err, fhir.RequestFields)
		return
	}
	v, err := s.svc.GetOrder(ctx, by, res[0].Order.ID)
	if err != nil {
		s.respondOutcome(c, err, nil)
		return
	}
	b, err := s.requestJSON(v)
	if err != nil {
		s.respondOutcome(c, err, nil)
		return
	}
	status := http.StatusOK
	if res[0].Created {
		status = http.StatusCreated
		c.Header("Location", s.fhirBase(c)+"/MedicationRequest/"+v.Order.ID)
	}
	fhirResource(c, status, b)
}

// ---- MedicationAdministration

func (s *Server) fhirReadAdministration(c *gin.Context) {
	s.fhirAnswer(c, func() ([]byte, error) {
		list, err := s.svc.AdministrationRecords(c.Request.Context(), mustIdentity(c), mar.AdministrationQuery{ID: c.Param("id")})
		if err != nil {
			return nil, err
		}
		return fhirAdministrationJSON(list[0])
	})
}

func fhirAdministrationJSON(r mar.AdministrationRecord) ([]byte, error) {
	f := fhir.AdministrationFacts{Resident: r.Resident, Performer: r.Performer, Witness: r.Witness, NeedsReview: r.NeedsReview}
	if r.Product != nil {
		f.Product, f.Codes = &r.Product.Product, r.Product.Codes
	}
	return fhir.MedicationAdministration(r.Administration, f)
}

// AdministrationStatus is the FHIR status of an administration.
func administrationStatus(a mar.Administration) string {
	switch {
	case a.EnteredInError:
		return "entered-in-error"
	case a.Outcome == mar.OutcomeGiven:
		return "completed"
	}
	return "not-done"
}

func (s *Server) fhirSearchAdministrations(c *gin.Context) {
	q := c.Request.URL.Query()
	aq := mar.AdministrationQuery{ResidentID: refID(firstNonEmptyStr(q.Get("patient"), q.Get("subject")), "Patient"),
		OrderID: refID(q.Get("request"), "MedicationRequest"), PerformerID: refID(q.Get("performer"), "Practitioner")}
	if vals := q["effective-time"]; len(vals) > 0 {
		var err error
		if aq.From, aq.To, err = dateRange(vals, "effective-time"); err != nil {
			s.respondOutcome(c, err, nil)
			return
		}
	}
	list, err := s.svc.AdministrationRecords(c.Request.Context(), mustIdentity(c), aq)
	if err != nil {
		s.respondOutcome(c, err, nil)
		return
	}
	statuses := q.Get("status")
	var items []pageItem
	for _, r := range list {
		if statuses != "" && !contains(strings.Split(statuses, ","), administrationStatus(r.Administration)) {
			continue
		}
		if id := q.Get("_id"); id != "" && id != r.Administration.ID {
			continue
		}
		items = append(items, pageItem{"MedicationAdministration", r.Administration.ID, func() ([]byte, error) { return fhirAdministrationJSON(r) }})
	}
	s.searchset(c, items)
}

// ---- MedicationDispense

func dispenseJSONFHIR(v mar.DispenseView) ([]byte, error) {
	return fhir.MedicationDispense(v.Dispense, v.Product.Product, v.Product.Codes, v.Dispenser, v.Resident)
}

func (s *Server) fhirReadDispense(c *gin.Context) {
	s.fhirAnswer(c, func() ([]byte, error) {
		list, err := s.svc.DispenseViews(c.Request.Context(), mustIdentity(c), c.Param("id"), mar.DispenseFilter{})
		if err != nil {
			return nil, err
		}
		return dispenseJSONFHIR(list[0])
	})
}

func (s *Server) fhirSearchDispenses(c *gin.Context) {
	q := c.Request.URL.Query()
	if st := q.Get("status"); st != "" && !contains(strings.Split(st, ","), "completed") {
		s.searchset(c, nil)
		return
	}
	f := mar.DispenseFilter{ResidentID: refID(firstNonEmptyStr(q.Get("patient"), q.Get("subject")), "Patient"), Limit: math.MaxInt32}
	list, err := s.svc.DispenseViews(c.Request.Context(), mustIdentity(c), "", f)
	if err != nil {
		s.respondOutcome(c, err, nil)
		return
	}
	var items []pageItem
	for _, v := range list {
		if id := q.Get("_id"); id != "" && id != v.Dispense.ID {
			continue
		}
		items = append(items, pageItem{"MedicationDispense", v.Dispense.ID, func() ([]byte, error) { return dispenseJSONFHIR(v) }})
	}
	s.searchset(c, items)
}

// fhirAnswer answers a FHIR read with the encoded resource, or with the
// OperationOutcome of whichever step failed.
func (s *Server) fhirAnswer(c *gin.Context, encode func() ([]byte, error)) {
	b, err := encode()
	if err != nil {
		s.respondOutcome(c, err, nil)
		return
	}
	fhirResource(c, http.StatusOK, b)
}

// ---- AuditEvent

func (s *Server) fhirReadAudit(c *gin.Context) {
	s.fhirAnswer(c, func() ([]byte, error) {
		e, err := s.svc.GetAuditEvent(c.Request.Context(), mustIdentity(c), c.Param("id"))
		if err != nil {
			return nil, err
		}
		return fhir.AuditEvent(e)
	})
}

func (s *Server) fhirSearchAudit(c *gin.Context) {
	q := c.Request.URL.Query()
	f := mar.AuditFilter{ResidentID: refID(firstNonEmptyStr(q.Get("patient"), q.Get("entity")), "Patient"), UserID: refID(q.Get("agent"), "Practitioner"), Limit: auditBatch}
	if vals := q["date"]; len(vals) > 0 {
		var err error
		if f.From, f.To, err = dateRange(vals, "date"); err != nil {
			s.respondOutcome(c, err, nil)
			return
		}
	}
	// Every match, read in batches along the trail's sequence: no cap.
	var list []mar.AuditEvent
	for {
		batch, err := s.svc.AuditReport(c.Request.Context(), mustIdentity(c), f)
		if err != nil {
			s.respondOutcome(c, err, nil)
			return
		}
		list = append(list, batch...)
		if len(batch) < auditBatch {
			break
		}
		f.AfterSeq = batch[len(batch)-1].Seq
	}
	var items []pageItem
	for _, e := range list {
		if id := q.Get("_id"); id != "" && id != e.ID {
			continue
		}
		items = append(items, pageItem{"AuditEvent", e.ID, func() ([]byte, error) { return fhir.AuditEvent(e) }})
	}
	s.searchset(c, items)
}

// auditBatch is how many audit events a search reads at a time.
const auditBatch = 5000

func jsonUnmarshal(b []byte, v any) error {
	return jsonDecoder(bytes.NewReader(b)).Decode(v)
}

func jsonDecoder(r io.Reader) *json.Decoder { return json.NewDecoder(r) }

// ifNoneExist applies a conditional create (If-None-Exist: a search query):
// no match lets the create go on (false); one match answers 200 with the
// existing resource and several 412, as FHIR R4 specifies (true: answered).
// The search parameters are those match understands.
func (s *Server) ifNoneExist(c *gin.Context, typ string, match func(*gin.Context, url.Values) ([]pageItem, error)) bool {
	h := strings.TrimSpace(c.GetHeader("If-None-Exist"))
	if h == "" {
		return false
	}
	h = strings.TrimPrefix(strings.TrimPrefix(h, typ), "?")
	q, err := url.ParseQuery(h)
	if err != nil || len(q) == 0 {
		s.respondOutcome(c, mar.Invalid("If-None-Exist", "%q is not a search query (such as identifier=system|value)", h), nil)
		return true
	}
	for k := range q {
		if k != "identifier" && k != "_id" {
			s.respondOutcome(c, refusedFHIR("If-None-Exist", fmt.Sprintf("search parameter %q is not supported in a conditional create: use identifier or _id", k)), nil)
			return true
		}
	}
	found, err := match(c, q)
	if err != nil {
		s.respondOutcome(c, err, nil)
		return true
	}
	switch len(found) {
	case 0:
		return false
	case 1:
		b, err := found[0].encode()
		if err != nil {
			s.respondOutcome(c, err, nil)
			return true
		}
		c.Header("Location", s.fhirBase(c)+"/"+typ+"/"+found[0].id)
		fhirResource(c, http.StatusOK, b)
	default:
		s.respondOutcome(c, &mar.Error{Code: mar.EConflict, Field: "If-None-Exist", Reason: "precondition_failed",
			Message: fmt.Sprintf("If-None-Exist %s matches %d resources: the create is not made", h, len(found))}, nil)
	}
	return true
}

// matchPatients is the residents matching _id and identifier (system|value).
func (s *Server) matchPatients(c *gin.Context, q url.Values) ([]pageItem, error) {
	list, err := s.svc.ResidentsWithUnits(c.Request.Context(), mustIdentity(c), "")
	if err != nil {
		return nil, err
	}
	var out []pageItem
	for _, rw := range list {
		if v := q.Get("_id"); v != "" && v != rw.Resident.ID {
			continue
		}
		if v := q.Get("identifier"); v != "" && !patientHasIdentifier(rw.Resident, v) {
			continue
		}
		out = append(out, pageItem{"Patient", rw.Resident.ID, func() ([]byte, error) { return fhir.Patient(rw.Resident, rw.Unit) }})
	}
	return out, nil
}

// matchRequests is the orders matching _id and identifier: the placer or
// filler order number (system|value; the record keeps an order number's
// value, so a system other than this service's placer and filler systems
// is compared on the value).
func (s *Server) matchRequests(c *gin.Context, q url.Values) ([]pageItem, error) {
	list, err := s.svc.SearchOrders(c.Request.Context(), mustIdentity(c), "", nil)
	if err != nil {
		return nil, err
	}
	var out []pageItem
	for _, v := range list {
		if id := q.Get("_id"); id != "" && id != v.Order.ID {
			continue
		}
		if tok := q.Get("identifier"); tok != "" {
			system, value := tokenValue(tok)
			placer := value == v.Order.ExternalID && system != fhir.SystemFiller
			filler := value == v.Order.FillerID && (system == "" || system == fhir.SystemFiller)
			if value == "" || !placer && !filler {
				continue
			}
		}
		out = append(out, pageItem{"MedicationRequest", v.Order.ID, func() ([]byte, error) { return s.requestJSON(v) }})
	}
	return out, nil
}
