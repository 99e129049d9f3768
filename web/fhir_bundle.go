package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/fhir"
)

// transactionRoles may post a transaction or batch Bundle (order intake:
// the order managers); each entry is then held to its own resource's roles
// as well (a Patient entry: admissionWrite, so a charge nurse).
var transactionRoles = orderManagers

// placeholderPatient stands for a Patient of the same Bundle while a
// MedicationRequest is read; ApplyIntake puts the real resident in.
const placeholderPatient = "Patient/00000000-0000-7000-8000-000000000000"

type bundleEntry struct {
	FullURL  string          `json:"fullUrl"`
	Resource json.RawMessage `json:"resource"`
	Request  *struct {
		Method      string `json:"method"`
		URL         string `json:"url"`
		IfNoneExist string `json:"ifNoneExist"`
		IfMatch     string `json:"ifMatch"`
	} `json:"request"`
}

// fhirBundle takes a transaction Bundle (every entry in one database
// transaction: all or none) or a batch Bundle (each entry on its own) of
// Patient and MedicationRequest creates, for order intake. In a
// transaction a MedicationRequest's subject may be the fullUrl
// (urn:uuid:…) of a Patient entry before it.
func (s *Server) fhirBundle(c *gin.Context) {
	body, err := s.readResource(c)
	if err != nil {
		s.respondOutcome(c, err, nil)
		return
	}
	var b struct {
		ResourceType string        `json:"resourceType"`
		Type         string        `json:"type"`
		Entry        []bundleEntry `json:"entry"`
	}
	if err := json.Unmarshal(body, &b); err != nil {
		s.respondOutcome(c, mar.Invalid("Bundle", "not a FHIR JSON Bundle: %v", err), nil)
		return
	}
	if b.ResourceType != "Bundle" {
		s.respondOutcome(c, mar.Invalid("Bundle.resourceType", "POST /fhir takes a Bundle, not %q", b.ResourceType), nil)
		return
	}
	if b.Type != "transaction" && b.Type != "batch" {
		s.respondOutcome(c, refusedFHIR("Bundle.type", fmt.Sprintf("a Bundle of type %q is not processed here: send a transaction or a batch", b.Type)), nil)
		return
	}
	if len(b.Entry) == 0 {
		s.respondOutcome(c, mar.Invalid("Bundle.entry", "the Bundle has no entries"), nil)
		return
	}
	if len(b.Entry) > 100 {
		s.respondOutcome(c, &mar.Error{Code: mar.ETooLarge, Field: "Bundle.entry", Message: "at most 100 entries per Bundle"}, nil)
		return
	}
	ctx, by := c.Request.Context(), mustIdentity(c)
	oc := s.orderContext(ctx, by)
	transaction := b.Type == "transaction"
	patients := map[string]int{} // fullUrl of a Patient entry → its index
	items := make([]mar.IntakeItem, len(b.Entry))
	itemErr := make([]error, len(b.Entry))
	for i, e := range b.Entry {
		items[i], itemErr[i] = s.bundleItem(i, e, by, oc, patients, transaction)
		if itemErr[i] != nil && transaction {
			s.respondOutcome(c, itemErr[i], nil)
			return
		}
		if itemErr[i] == nil && items[i].Patient != nil && e.FullURL != "" {
			patients[e.FullURL] = i
		}
	}
	out := make([]any, len(b.Entry))
	if transaction {
		res, err := s.svc.ApplyIntake(ctx, by, items)
		if err != nil {
			var ie *mar.IntakeError
			fields := fhir.RequestFields
			if asIntake(err, &ie) && items[ie.Index].Patient != nil {
				fields = fhir.PatientFields
			}
			is, status := fhir.IssueFor(err, fields)
			if asIntake(err, &ie) {
				is.Diagnostics = fmt.Sprintf("Bundle.entry[%d]: %s (nothing in the Bundle was applied)", ie.Index, is.Diagnostics)
				for k, ex := range is.Expression {
					is.Expression[k] = fmt.Sprintf("Bundle.entry[%d].resource.%s", ie.Index, strings.SplitN(ex, ".", 2)[len(strings.SplitN(ex, ".", 2))-1])
				}
			}
			if status >= 500 {
				s.respondOutcome(c, err, nil)
				return
			}
			c.Abort()
			c.Data(status, fhir.ContentType, fhir.OperationOutcome(is))
			return
		}
		for i := range res {
			if out[i], err = s.entryResponse(c, items[i], res[i]); err != nil {
				s.respondOutcome(c, err, nil)
				return
			}
		}
	} else {
		for i := range items {
			if itemErr[i] == nil {
				var res []mar.IntakeItemResult
				if res, itemErr[i] = s.svc.ApplyIntake(ctx, by, items[i:i+1]); itemErr[i] == nil {
					out[i], itemErr[i] = s.entryResponse(c, items[i], res[0])
				}
			}
			if itemErr[i] != nil {
				fields := fhir.RequestFields
				if items[i].Patient != nil {
					fields = fhir.PatientFields
				}
				is, status := fhir.IssueFor(itemErr[i], fields)
				if status >= 500 {
					s.respondOutcome(c, itemErr[i], nil)
					return
				}
				out[i] = map[string]any{"response": map[string]any{"status": strconv.Itoa(status) + " " + http.StatusText(status),
					"outcome": json.RawMessage(fhir.OperationOutcome(is))}}
			}
		}
	}
	resp, _ := fhir.Marshal(map[string]any{"resourceType": "Bundle", "type": b.Type + "-response", "entry": out}, nil)
	fhirOK(c, http.StatusOK, resp)
}

func asIntake(err error, ie **mar.IntakeError) bool {
	e, ok := err.(*mar.IntakeError)
	if ok {
		*ie = e
	}
	return ok
}

// bundleItem reads one entry as an intake item.
func (s *Server) bundleItem(i int, e bundleEntry, by mar.Identity, oc fhir.OrderContext, patients map[string]int, transaction bool) (mar.IntakeItem, error) {
	at := fmt.Sprintf("Bundle.entry[%d]", i)
	item := mar.IntakeItem{SubjectOf: -1}
	if e.Request == nil || len(e.Resource) == 0 {
		return item, mar.Invalid(at, "an entry needs a resource and a request")
	}
	if e.Request.Method != http.MethodPost {
		return item, refusedFHIR(at+".request.method", fmt.Sprintf("only POST (create) entries are processed, not %s", e.Request.Method))
	}
	if e.Request.IfNoneExist != "" || e.Request.IfMatch != "" {
		return item, refusedFHIR(at+".request", "conditional entries (ifNoneExist, ifMatch) are not processed in a Bundle")
	}
	var head struct {
		ResourceType string `json:"resourceType"`
	}
	_ = json.Unmarshal(e.Resource, &head)
	if url := e.Request.URL; head.ResourceType == "" || url != head.ResourceType && !strings.HasSuffix(url, "/fhir/"+head.ResourceType) {
		return item, mar.Invalid(at+".request.url", "%q does not create a %s", e.Request.URL, head.ResourceType)
	}
	if err := mar.CheckScope(by, head.ResourceType, 'c'); err != nil {
		return item, prefixed(err, at)
	}
	switch head.ResourceType {
	case "Patient":
		if !slices.Contains(admissionWrite, by.User.Role) {
			return item, mar.Forbidden("your role may not admit patients (%s)", at)
		}
		ep, err := fhir.ParsePatient(e.Resource)
		if err != nil {
			return item, prefixed(err, at)
		}
		ep.Kind, ep.CreateOnly = mar.PatientAdmit, true
		item.Patient = &ep
	case "MedicationRequest":
		if !slices.Contains(orderManagers, by.User.Role) {
			return item, mar.Forbidden("your role may not enter orders (%s)", at)
		}
		raw := e.Resource
		var mr map[string]json.RawMessage
		if err := json.Unmarshal(raw, &mr); err == nil {
			var subj struct {
				Reference string `json:"reference"`
			}
			_ = json.Unmarshal(mr["subject"], &subj)
			if strings.HasPrefix(subj.Reference, "urn:uuid:") {
				idx, ok := patients[subj.Reference]
				switch {
				case !ok:
					return item, prefixed(&mar.Error{Code: mar.ENotFound, Field: "MedicationRequest.subject", Reason: "unknown_patient",
						Message: fmt.Sprintf("%s is not the fullUrl of a Patient entry before this one", subj.Reference)}, at)
				case !transaction:
					return item, prefixed(refusedFHIR("MedicationRequest.subject", "entries of a batch are independent: refer to another entry only in a transaction"), at)
				}
				item.SubjectOf = idx
				mr["subject"], _ = json.Marshal(map[string]string{"reference": placeholderPatient})
				raw, _ = json.Marshal(mr)
			}
		}
		eo, err := fhir.ParseMedicationRequest(raw, oc)
		if err != nil {
			return item, prefixed(err, at)
		}
		if eo.Action == mar.ExternalHold {
			// A new order on hold: pending verification, held when verified.
			eo.Action, eo.HoldOnCreate = mar.ExternalNew, true
		}
		if eo.Action != mar.ExternalNew {
			return item, prefixed(refusedFHIR("MedicationRequest.status", "a new order must be active, draft or on-hold"), at)
		}
		item.Order = &eo
	default:
		return item, refusedFHIR(at+".resource", fmt.Sprintf("%q entries are not processed: only Patient and MedicationRequest", head.ResourceType))
	}
	return item, nil
}

// prefixed puts a resource's error under its Bundle entry.
func prefixed(err error, at string) error {
	me, ok := mar.AsError(err)
	if !ok {
		return err
	}
	cp := *me
	if strings.HasPrefix(cp.Field, "Patient") || strings.HasPrefix(cp.Field, "MedicationRequest") {
		rest := ""
		if _, r, ok := strings.Cut(cp.Field, "."); ok {
			rest = "." + r
		}
		cp.Field = at + ".resource" + rest
	} else if cp.Field == "" {
		cp.Field = at
	}
	return &cp
}

// entryResponse is the response entry of an applied item.
func (s *Server) entryResponse(c *gin.Context, it mar.IntakeItem, r mar.IntakeItemResult) (any, error) {
	var typ, id string
	var body []byte
	var err error
	ctx, by := c.Request.Context(), mustIdentity(c)
	if it.Patient != nil {
		typ, id = "Patient", r.Resident.ID
		list, lerr := s.svc.ResidentsWithUnits(ctx, by, id)
		if lerr != nil {
			return nil, lerr
		}
		body, err = fhir.Patient(list[0].Resident, list[0].Unit)
	} else {
		typ, id = "MedicationRequest", r.Order.ID
		v, gerr := s.svc.GetOrder(ctx, by, id)
		if gerr != nil {
			return nil, gerr
		}
		body, err = s.requestJSON(v)
	}
	if err != nil {
		return nil, err
	}
	var head struct {
		Meta struct {
			VersionID   string `json:"versionId"`
			LastUpdated string `json:"lastUpdated"`
		} `json:"meta"`
	}
	_ = json.Unmarshal(body, &head)
	status := "200 OK"
	if r.Created {
		status = "201 Created"
	}
	return map[string]any{"fullUrl": s.fhirBase(c) + "/" + typ + "/" + id, "resource": json.RawMessage(body),
		"response": map[string]any{"status": status, "location": typ + "/" + id, "etag": `W/"` + head.Meta.VersionID + `"`, "lastModified": head.Meta.LastUpdated}}, nil
}
