package web

import "github.com/emar-project/emar/mar"

var (
	admissionWrite = []mar.Role{mar.RoleChargeNurse, mar.RoleAdmin}
	auditors       = []mar.Role{mar.RoleAdmin}
)

// fhirRoutes are the FHIR R4 endpoints (application/fhir+json). Only the
// CapabilityStatement is public; everything else takes the same bearer
// tokens and cookies as /api, with the same roles.
func (s *Server) fhirRoutes() []Route {
	return []Route{
		{"GET", "/fhir/metadata", public, "FHIR CapabilityStatement", s.fhirMetadata},
		{"POST", "/fhir", transactionRoles, "order intake: a transaction (all or nothing) or batch Bundle of Patient and MedicationRequest creates", s.fhirBundle},

		{"GET", "/fhir/Patient", clinical, "search residents (_id, identifier, family, name, birthdate)", s.fhirSearchPatients},
		{"GET", "/fhir/Patient/:id", clinical, "read a resident", s.fhirReadPatient},
		{"POST", "/fhir/Patient", admissionWrite, "admit a resident from a FHIR Patient", s.fhirCreatePatient},
		{"PUT", "/fhir/Patient/:id", admissionWrite, "update a resident from a FHIR Patient", s.fhirUpdatePatient},

		{"GET", "/fhir/Medication", anyone, "search the catalogue (_id, code)", s.fhirSearchMedications},
		{"GET", "/fhir/Medication/:id", anyone, "read a catalogue product", s.fhirReadMedication},

		{"GET", "/fhir/MedicationRequest", clinical, "search orders (patient, status, intent, _id)", s.fhirSearchRequests},
		{"GET", "/fhir/MedicationRequest/:id", clinical, "read an order", s.fhirReadRequest},
		{"POST", "/fhir/MedicationRequest", orderManagers, "enter an order from a FHIR MedicationRequest (pending verification unless configured)", s.fhirCreateRequest},
		{"PUT", "/fhir/MedicationRequest/:id", orderManagers, "change, hold, release or stop an order from a FHIR MedicationRequest", s.fhirUpdateRequest},

		{"GET", "/fhir/MedicationAdministration", clinical, "search administrations (patient, status, effective-time, performer, request)", s.fhirSearchAdministrations},
		{"GET", "/fhir/MedicationAdministration/:id", clinical, "read an administration", s.fhirReadAdministration},

		{"GET", "/fhir/MedicationDispense", clinical, "search dispenses (patient, status)", s.fhirSearchDispenses},
		{"GET", "/fhir/MedicationDispense/:id", clinical, "read a dispense", s.fhirReadDispense},

		{"GET", "/fhir/Practitioner", anyone, "search the facility's users (_id, identifier, name, active)", s.fhirSearchPractitioners},
		{"GET", "/fhir/Practitioner/:id", anyone, "read a user as Practitioner (performers, dispensers, audit agents)", s.fhirReadPractitioner},

		{"GET", "/fhir/AuditEvent", auditors, "search the audit trail (patient, date, agent)", s.fhirSearchAudit},
		{"GET", "/fhir/AuditEvent/:id", auditors, "read an audit event", s.fhirReadAudit},
	}
}
