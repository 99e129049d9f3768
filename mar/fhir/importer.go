package fhir

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/emar-project/emar/mar"
)

// ImportResult is what importing one resource did.
type ImportResult struct {
	Index int    // entry number in the Bundle, from 0
	Type  string // resourceType
	ID    string // the record's id of the resident or order
	Err   error
}

// Import applies the Patients and MedicationRequests of a Bundle (or a
// single resource) to the record: Patients first, so orders may refer to
// them by the Bundle's fullUrl (urn:uuid:…). Each resource is its own
// transaction; other resource types are reported as skipped.
func Import(ctx context.Context, svc *mar.Service, by mar.Identity, raw []byte) ([]ImportResult, error) {
	entries, err := ParseBundle(raw)
	if err != nil {
		return nil, err
	}
	fac, err := svc.FacilityOf(ctx, by)
	if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(fac.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	var out []ImportResult
	patients := map[string]string{} // fullUrl → Patient/<id>
	for _, e := range entries {
		if e.Type != "Patient" {
			continue
		}
		res := ImportResult{Index: e.Index, Type: e.Type}
		ep, err := ParsePatient(e.Raw)
		if err == nil {
			ep.Kind = mar.PatientAdmit
			var r mar.Resident
			r, _, err = svc.ApplyPatientEvent(ctx, by, ep)
			res.ID = r.ID
			if err == nil && e.FullURL != "" {
				patients[e.FullURL] = "Patient/" + r.ID
			}
		}
		res.Err = withExpression(err, PatientFields)
		out = append(out, res)
	}
	oc := OrderContext{Defaults: svc.Schedule.Times, Location: loc, Now: svc.Clock.Now()}
	for _, e := range entries {
		switch e.Type {
		case "Patient":
			continue
		case "MedicationRequest":
		default:
			out = append(out, ImportResult{Index: e.Index, Type: e.Type, Err: refused(e.Type, "%s resources are not imported (Patient and MedicationRequest are)", e.Type)})
			continue
		}
		body := []byte(e.Raw)
		for full, local := range patients {
			body = bytes.ReplaceAll(body, []byte(`"`+full+`"`), []byte(`"`+local+`"`))
		}
		res := ImportResult{Index: e.Index, Type: e.Type}
		eo, err := ParseMedicationRequest(body, oc)
		if err == nil {
			var rs []mar.IntakeResult
			rs, err = svc.ApplyExternalOrders(ctx, by, []mar.ExternalOrder{eo})
			if err == nil {
				res.ID = rs[0].Order.ID
			}
		}
		res.Err = withExpression(err, RequestFields)
		out = append(out, res)
	}
	return out, nil
}

// withExpression names the FHIR element in an error's text.
func withExpression(err error, fields map[string]string) error {
	if err == nil {
		return nil
	}
	is, _ := IssueFor(err, fields)
	if len(is.Expression) > 0 {
		return fmt.Errorf("%s (%s): %w", is.Expression[0], is.Code, err)
	}
	return fmt.Errorf("(%s): %w", is.Code, err)
}
