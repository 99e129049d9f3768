package scanning

// Kind says what a scan is, which decides how the rest of the service uses it.
type Kind string

// The kinds of code Parse recognises.
const (
	// KindGS1 is a GS1 element string (GS1 DataMatrix, GS1-128, GS1 QR, or
	// the same data typed by a scanner): a drug pack with GTIN, expiry, lot
	// and serial.
	KindGS1 Kind = "gs1"
	// KindUPC is a bare GTIN carried without Application Identifier: EAN-13,
	// UPC-A, EAN-8 or ITF-14. Canonical is the GTIN-14.
	KindUPC Kind = "upc"
	// KindHIBC is a Health Industry Bar Code (supplies and devices).
	KindHIBC Kind = "hibc"
	// KindWristband identifies a resident; Identifiers holds what the
	// resident is matched by.
	KindWristband Kind = "wristband"
	// KindBadge identifies a member of staff.
	KindBadge Kind = "badge"
	// KindText is anything else; Canonical holds the text as scanned.
	KindText Kind = "text"
)

// Element is one GS1 Application Identifier with its value, in scan order.
type Element struct {
	AI    string
	Title string // short GS1 data title, e.g. "BATCH/LOT"
	Value string
}

// Code is a typed scan. Which fields are set depends on Kind; the zero value
// of a field means "not present in the scan".
type Code struct {
	Kind Kind
	// Symbology is the AIM symbology identifier ("]d2", "]C1", "]Q3",
	// "]E0", …) when the scanner or decoder supplied one, else "".
	Symbology string
	// Canonical is one form shared by every way the same data can arrive:
	// for GS1 the element string with ASCII 29 separators only where the
	// GS1 rules need them, without AIM prefix or leading separator; for a
	// bare GTIN the GTIN-14; otherwise the scanned text after normalisation.
	Canonical string

	Elements []Element

	// GTIN is 14 digits with a verified check digit (GTIN-8/12/13 are
	// left-padded with zeros).
	GTIN string
	// NDC is the 10-digit US National Drug Code carried by a GTIN whose
	// second and third digits are "03" (see NDCFromGTIN). It is a digit
	// string without hyphens: the hyphen positions are not in the barcode.
	NDC string

	// Expiry comes from AI 17. A day "00" in the data means the last day of
	// the month; Expiry then holds that day and ExpiryDayZero is set so the
	// legacy encoding can be flagged.
	Expiry        *Date
	ExpiryDayZero bool
	Lot           string // AI 10
	Serial        string // AI 21
	// ProductionDate comes from AI 11 (day 00 resolved like Expiry).
	ProductionDate *Date
	// Quantity is AI 30 (variable count) or AI 37 (count of trade items).
	Quantity string
	// GSRN is AI 8018, the Global Service Relation Number of a service
	// recipient (a patient), or AI 8017 for a service provider on a badge.
	GSRN string

	HIBC *HIBC

	// Uncertain lists the elements whose value depends on where a group
	// separator the scanner may have dropped was (a lot ending in digits
	// that read as AI 94, say). The readings agree on everything the
	// bedside checks (GTIN, expiry, identities); the fields above hold the
	// first reading, which assumes no separator was dropped when that
	// reading is valid.
	Uncertain []Uncertain

	// Identifiers are what a wristband or badge yields, keyed by name:
	// "mrn", "name", "family", "given", "dob" (YYYY-MM-DD), "gsrn", "badge",
	// "employee", … as configured by the facility's IDFormat.
	Identifiers map[string]string
	// Format is the name of the IDFormat that matched a wristband or badge.
	Format string
}

// Element returns the value of the first element with the given AI.
func (c Code) Element(ai string) (string, bool) {
	for _, e := range c.Elements {
		if e.AI == ai {
			return e.Value, true
		}
	}
	return "", false
}

// IsUncertain reports whether the value of the AI depends on where a
// dropped group separator was.
func (c Code) IsUncertain(ai string) bool {
	for _, u := range c.Uncertain {
		if u.AI == ai {
			return true
		}
	}
	return false
}
