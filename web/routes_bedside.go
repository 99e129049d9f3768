package web

// bedsideRoutes lists the bedside routes: the wristband and medication
// scans, documentation and its corrections, vitals, and the scanning
// endpoints the flow uses. Nurses and charge nurses document; pharmacists
// and admins may read but not chart. docs/bedside-api.md describes them.
func (s *Server) bedsideRoutes() []Route {
	return []Route{
		{"POST", "/api/v1/bedside/wristband", nursing, "scan a wristband (JSON {scan} or multipart image): opens a 30-minute bedside context and returns the resident's due list", s.bedsideWristband},
		{"POST", "/api/v1/bedside/select", nursing, "select a resident by hand without a wristband: two identifiers confirmed (name, birth_date, mrn) and a reason; opens a bedside context whose administrations are flagged patient_keyed", s.bedsideSelect},
		{"POST", "/api/v1/bedside/verify", nursing, "check a medication scan against the five rights and the safety rules; 422 with every check on a hard stop", s.bedsideVerify},
		{"GET", "/api/v1/bedside/snapshot", nursing, "the signed, expiring offline snapshot of a unit's med pass (?unit=ID; docs/offline.md); audited as a read of each resident's record", s.bedsideSnapshot},
		{"GET", "/offline/*file", public, "the offline checks: emar.wasm (the server's rules as WebAssembly) and Go's wasm_exec.js", s.offlineFile},
		{"GET", "/api/v1/bedside/reasons", clinical, "pick lists (held, refused, not-given, keyed-entry reasons) and every bedside reason code", s.bedsideReasons},
		{"GET", "/api/v1/residents/:id/due", clinical, "a resident's due list without a scan: due now, overdue, upcoming, PRN availability, held, recent (audited read)", s.residentDue},
		{"GET", "/api/v1/residents/:id/administrations", clinical, "a resident's administrations, newest first (audited read)", s.listAdministrations},
		{"POST", "/api/v1/residents/:id/vitals", nursing, "record a vital sign or glucose reading", s.recordVital},
		{"GET", "/api/v1/residents/:id/vitals", clinical, "a resident's recent vital signs (audited read)", s.listVitals},
		{"POST", "/api/v1/administrations", nursing, "document an administration (given, held, refused, not given); every check runs again; Idempotency-Key honoured; 409 when already documented", s.document},
		{"GET", "/api/v1/administrations/:id", clinical, "one administration (audited read)", s.getAdministration},
		{"POST", "/api/v1/administrations/:id/entered-in-error", nursing, "mark an administration entered-in-error (performer or charge nurse) and reopen its dose", s.enteredInError},
		{"POST", "/api/v1/administrations/:id/removal", nursing, "document that an applied patch was removed", s.patchRemoval},
		{"POST", "/api/v1/administrations/:id/effectiveness", nursing, "document the effectiveness follow-up of an as-needed dose", s.effectiveness},
		{"POST", "/api/v1/scans/parse", anyone, "parse scanner text (GS1, UPC, HIBC, wristband, badge) into a typed code", s.scanParse},
		{"POST", "/api/v1/scans/decode", anyone, "decode a barcode from an uploaded image (multipart field image; 10 MB, 20 MP, 5 s)", s.scanDecode},
	}
}
