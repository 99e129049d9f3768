package mar

import (
	"fmt"
	"sort"
	"strings"
)

// DefaultMRNSystem is the identifier system of medical record numbers that
// arrive without one (the JSON API, HL7 PID-3 without an assigning
// authority) unless IdentifierConfig.MRNSystem names another.
const DefaultMRNSystem = "https://emar-project.github.io/fhir/sid/mrn"

// IdentifierConfig says which identifier system a patient identifier is
// in. An identifier is a (system, value) pair everywhere: the same value
// under two systems names two different people.
type IdentifierConfig struct {
	// MRNSystem is the system of an MRN sent without a system or an
	// assigning authority; empty means DefaultMRNSystem.
	MRNSystem string
	// Authorities maps an HL7 assigning authority (CX-4: its namespace id,
	// or its universal id) onto a FHIR identifier system URI. An authority
	// with a universal id of type ISO or URI maps by the HL7 v2-to-FHIR
	// rule (urn:oid:<oid>, or the URI) when it is not listed; any other
	// authority must be listed, or the message is refused.
	Authorities map[string]string
}

// DefaultSystem is the system of an MRN sent without one.
func (c IdentifierConfig) DefaultSystem() string {
	if s := strings.TrimSpace(c.MRNSystem); s != "" {
		return s
	}
	return DefaultMRNSystem
}

// Authority is an HL7 v2 assigning authority (HD): a namespace id and/or
// a universal id with its type (ISO, URI, …).
type Authority struct {
	Namespace, UniversalID, UniversalIDType string
}

// IsZero reports whether no authority was sent.
func (a Authority) IsZero() bool { return a.Namespace == "" && a.UniversalID == "" }

func (a Authority) String() string {
	if a.UniversalID == "" {
		return a.Namespace
	}
	return strings.TrimRight(a.Namespace+"&"+a.UniversalID+"&"+a.UniversalIDType, "&")
}

// SystemOf maps an assigning authority onto the identifier system it
// stands for. No authority is the default MRN system. The error names the
// field "mrn_system" and says how to configure the mapping.
func (c IdentifierConfig) SystemOf(a Authority) (string, error) {
	a.Namespace, a.UniversalID = strings.TrimSpace(a.Namespace), strings.TrimSpace(a.UniversalID)
	if a.IsZero() {
		return c.DefaultSystem(), nil
	}
	for _, k := range []string{a.Namespace, a.UniversalID} {
		if k == "" {
			continue
		}
		if s, ok := c.Authorities[k]; ok {
			return s, nil
		}
	}
	switch strings.ToUpper(a.UniversalIDType) {
	case "ISO":
		if a.UniversalID != "" {
			return "urn:oid:" + a.UniversalID, nil
		}
	case "URI", "URL":
		if a.UniversalID != "" {
			return a.UniversalID, nil
		}
	}
	return "", &Error{Code: EInvalid, Field: "mrn_system", Reason: "unknown_assigning_authority",
		Message: fmt.Sprintf("assigning authority %q is not configured: map it to an identifier system (--hl7-authority %s=<system URI>)", a.String(), a.Namespace+a.UniversalID)}
}

// AuthorityOf is the assigning authority to send for a system: the
// configured namespace that maps onto it (the first in sort order when
// several do), else an ISO OID or a URI universal id, else none for the
// default system.
func (c IdentifierConfig) AuthorityOf(system string) Authority {
	keys := make([]string, 0, len(c.Authorities))
	for k, s := range c.Authorities {
		if s == system {
			keys = append(keys, k)
		}
	}
	if len(keys) > 0 {
		sort.Strings(keys)
		return Authority{Namespace: keys[0]}
	}
	switch {
	case system == "" || system == c.DefaultSystem():
		return Authority{}
	case strings.HasPrefix(system, "urn:oid:"):
		return Authority{UniversalID: strings.TrimPrefix(system, "urn:oid:"), UniversalIDType: "ISO"}
	default:
		return Authority{UniversalID: system, UniversalIDType: "URI"}
	}
}

// residentByMRN finds the resident with the identifier (system, mrn) in a
// facility. When none has it but someone has the same value under another
// system, the error says so (reason identifier_system_mismatch): the value
// alone never identifies a patient.
func residentByMRN(tx Tx, facilityID, system, mrn string) (Resident, error) {
	mrn = strings.TrimSpace(mrn)
	rs, err := tx.ResidentsWithMRN(facilityID, mrn)
	if err != nil {
		return Resident{}, fmt.Errorf("find resident by MRN: %w", err)
	}
	var others []string
	for _, r := range rs {
		if r.MRNSystem == system {
			return r, nil
		}
		others = append(others, r.MRNSystem)
	}
	if len(others) > 0 {
		return Resident{}, &Error{Code: ERefused, Field: "mrn", Reason: "identifier_system_mismatch",
			Message: fmt.Sprintf("MRN %q is recorded under identifier system %s, not %s: a different system is a different patient, so nothing was merged", mrn, strings.Join(others, ", "), system)}
	}
	return Resident{}, &Error{Code: ENotFound, Field: "mrn", Reason: "unknown_patient", Message: fmt.Sprintf("no resident has MRN %q in system %s", mrn, system)}
}
