package fhir

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/emar-project/emar/mar"
)

// Issue is one OperationOutcome issue.
type Issue struct {
	Severity    string // fatal, error, warning, information
	Code        string // IssueType: invalid, not-found, forbidden, login, conflict, business-rule, not-supported, too-costly, exception, required, value, code-invalid, processing
	Diagnostics string
	Expression  []string
}

// OperationOutcome renders issues.
func OperationOutcome(issues ...Issue) []byte {
	var list []any
	for _, is := range issues {
		if is.Severity == "" {
			is.Severity = "error"
		}
		list = append(list, map[string]any{"severity": is.Severity, "code": is.Code, "diagnostics": is.Diagnostics, "expression": stringsAny(is.Expression)})
	}
	b, _ := Marshal(map[string]any{"resourceType": "OperationOutcome", "issue": list}, nil)
	return b
}

func stringsAny(ss []string) []any {
	var out []any
	for _, s := range ss {
		out = append(out, s)
	}
	return out
}

// IssueFor turns a domain error into an issue and its HTTP status. The
// error's Field is used as the FHIRPath expression when it is one (it
// starts with a resource type); fields maps the record's field names onto
// expressions for errors raised deeper down.
func IssueFor(err error, fields map[string]string) (Issue, int) {
	me, ok := mar.AsError(err)
	if !ok {
		return Issue{Code: "exception", Diagnostics: "internal error"}, 500
	}
	is := Issue{Diagnostics: me.Message}
	if me.Field != "" {
		expr := me.Field
		if e, ok := fields[me.Field]; ok {
			expr = e
		}
		if expr != "" && expr[0] >= 'A' && expr[0] <= 'Z' {
			is.Expression = []string{expr}
		}
		if is.Diagnostics != "" && !strings.Contains(is.Diagnostics, expr) {
			is.Diagnostics = expr + ": " + is.Diagnostics
		}
	}
	status := 500
	switch me.Code {
	case mar.EInvalid:
		status, is.Code = 400, "invalid"
		if me.Reason == "not-supported" {
			status, is.Code = 422, "not-supported"
		}
	case mar.EUnauthenticated:
		status, is.Code = 401, "login"
	case mar.EForbidden:
		status, is.Code = 403, "forbidden"
	case mar.ENotFound:
		status, is.Code = 404, "not-found"
		if me.Field != "" {
			// A reference or code inside the resource that names nothing
			// known: the resource is understood but cannot be processed.
			status, is.Code = 422, "code-invalid"
			if strings.Contains(me.Field, "subject") || me.Field == "mrn" {
				is.Code = "not-found"
			}
		}
	case mar.EConflict:
		status, is.Code = 409, "conflict"
		switch me.Reason {
		case "duplicate_order", "duplicate":
			is.Code = "duplicate"
		case "version_mismatch", "precondition_failed":
			// If-Match names an older version, or If-None-Exist matches
			// several resources.
			status = 412
		}
	case mar.ETooLarge:
		status, is.Code = 413, "too-costly"
	case mar.ERefused:
		status, is.Code = 422, "business-rule"
	case mar.ETooMany:
		status, is.Code = 429, "throttled"
	case mar.EUnavailable:
		status, is.Code = 503, "transient"
	default:
		is.Code, is.Diagnostics = "exception", "internal error"
	}
	return is, status
}

// Entry is one resource of a Bundle.
type Entry struct {
	FullURL  string
	Resource []byte
	Mode     string // match or include (searchset); empty otherwise
}

// Link is one Bundle.link.
type Link struct {
	Relation, URL string
}

// SearchSet renders a searchset Bundle: its links (self first, then
// first, previous, next, last as the page has them), the total when it is
// reported (nil for _total=none) and one page of entries.
func SearchSet(links []Link, total *int, entries []Entry, now time.Time) []byte {
	var list []any
	for _, e := range entries {
		en := map[string]any{"fullUrl": e.FullURL, "resource": json.RawMessage(e.Resource)}
		if e.Mode != "" {
			en["search"] = map[string]any{"mode": e.Mode}
		}
		list = append(list, en)
	}
	var ls []any
	for _, l := range links {
		ls = append(ls, map[string]any{"relation": l.Relation, "url": l.URL})
	}
	b := map[string]any{"resourceType": "Bundle", "type": "searchset", "timestamp": instant(now), "link": ls, "entry": list}
	if total != nil {
		b["total"] = *total
	}
	out, _ := Marshal(b, nil)
	return out
}

// SearchParam describes one search parameter in the CapabilityStatement.
type SearchParam struct {
	Name, Type, Doc string
}

// ResourceCapability is what the server does with one resource type.
type ResourceCapability struct {
	Type         string
	Interactions []string // read, search-type, create, update
	Search       []SearchParam
	// Versioning is no-version, versioned or versioned-update (If-Match);
	// ConditionalCreate is If-None-Exist support.
	Versioning        string
	ConditionalCreate bool
}

// CapabilityStatement describes the server.
func CapabilityStatement(baseURL, version string, date time.Time, resources []ResourceCapability) []byte {
	var rs []any
	for _, r := range resources {
		var inter, sp []any
		for _, i := range r.Interactions {
			inter = append(inter, map[string]any{"code": i})
		}
		for _, p := range r.Search {
			sp = append(sp, map[string]any{"name": p.Name, "type": p.Type, "documentation": p.Doc})
		}
		versioning := r.Versioning
		if versioning == "" {
			versioning = "versioned"
		}
		res := map[string]any{"type": r.Type, "interaction": inter, "searchParam": sp,
			"versioning": versioning, "readHistory": false, "updateCreate": false}
		if r.ConditionalCreate {
			res["conditionalCreate"] = true
		}
		rs = append(rs, res)
	}
	cs := map[string]any{
		"resourceType": "CapabilityStatement",
		"status":       "active",
		"date":         dateTime(date),
		"publisher":    "eMAR project",
		"kind":         "instance",
		"software":     map[string]any{"name": "eMAR", "version": version},
		"implementation": map[string]any{"description": "eMAR FHIR R4 endpoint: residents, medication orders, administrations, dispenses and the audit trail",
			"url": baseURL},
		"fhirVersion": "4.0.1",
		"format":      []any{"application/fhir+json", "json"},
		"rest": []any{map[string]any{
			"mode": "server",
			"security": map[string]any{"cors": false,
				"service": []any{map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/restful-security-service", "code": "SMART-on-FHIR"}}}},
				"extension": []any{map[string]any{"url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
					"extension": []any{map[string]any{"url": "token", "valueUri": baseURL + "/auth/token"}}}},
				"description": "People send the session token of the JSON API as Authorization: Bearer <token> (or the session cookie); roles apply as in the JSON API. Systems take a bearer token with SMART client credentials (see " + baseURL + "/.well-known/smart-configuration), limited to its system/ scopes. Only /metadata and the SMART discovery are public."},
			"resource":    rs,
			"interaction": []any{map[string]any{"code": "transaction"}, map[string]any{"code": "batch"}},
		}},
	}
	b, _ := Marshal(cs, nil)
	return b
}
