package mar

import "strings"

// RouteCode is a route of administration with its codes in the standards
// the service speaks: HL7 table 0162 (v2 RXR-1) and SNOMED CT (FHIR
// Dosage.route, from the R4 example value set).
type RouteCode struct {
	Name      string // the record's route name
	HL7       string // table 0162
	SNOMED    string
	SNOMEDTxt string
}

// Routes the record knows, and how outside systems name them.
var RouteCodes = []RouteCode{
	{"oral", "PO", "26643006", "Oral route"},
	{"sublingual", "SL", "37839007", "Sublingual route"},
	{"buccal", "BUC", "54471007", "Buccal route"},
	{"transdermal", "TD", "45890007", "Transdermal route"},
	{"topical", "TP", "6064005", "Topical route"},
	{"subcutaneous", "SC", "34206005", "Subcutaneous route"},
	{"intramuscular", "IM", "78421000", "Intramuscular route"},
	{"intravenous", "IV", "47625008", "Intravenous route"},
	{"intradermal", "ID", "372464004", "Intradermal route"},
	{"rectal", "PR", "37161004", "Rectal route"},
	{"vaginal", "VG", "16857009", "Vaginal route"},
	{"inhalation", "IH", "447694001", "Respiratory tract route"},
	{"nasal", "NS", "46713006", "Nasal route"},
	{"ophthalmic", "OP", "54485002", "Ophthalmic route"},
	{"otic", "OT", "10547007", "Otic route"},
	{"gastrostomy", "GT", "127490009", "Gastrostomy route"},
	{"nasogastric", "NG", "127492001", "Nasogastric route"},
}

// routeAliases are other codes and words senders use for the same routes
// (HL7 0162 has several per route; VistA and many EHRs send words).
var routeAliases = map[string]string{
	"ORAL": "oral", "PO": "oral", "MOUTH": "oral", "BY MOUTH": "oral",
	"SUBLINGUAL": "sublingual", "SL": "sublingual",
	"BUCCAL": "buccal", "BUC": "buccal",
	"TRANSDERMAL": "transdermal", "TD": "transdermal", "DT": "transdermal", "TRANSDERM": "transdermal",
	"TOPICAL": "topical", "TP": "topical", "TOP": "topical", "CUTANEOUS": "topical", "SKIN": "topical",
	"SUBCUTANEOUS": "subcutaneous", "SC": "subcutaneous", "SQ": "subcutaneous", "SUBQ": "subcutaneous", "SUBCUT": "subcutaneous",
	"INTRAMUSCULAR": "intramuscular", "IM": "intramuscular",
	"INTRAVENOUS": "intravenous", "IV": "intravenous", "IVP": "intravenous", "IVPB": "intravenous", "IV PIGGYBACK": "intravenous", "IV PUSH": "intravenous",
	"INTRADERMAL": "intradermal", "ID": "intradermal",
	"RECTAL": "rectal", "PR": "rectal", "RECTUM": "rectal",
	"VAGINAL": "vaginal", "VG": "vaginal", "PV": "vaginal",
	"INHALATION": "inhalation", "IH": "inhalation", "INH": "inhalation", "NEB": "inhalation", "RESPIRATORY": "inhalation", "RESPIRATORY TRACT": "inhalation",
	"NASAL": "nasal", "NS": "nasal", "NAS": "nasal", "INTRANASAL": "nasal",
	"OPHTHALMIC": "ophthalmic", "OP": "ophthalmic", "OPH": "ophthalmic", "EYE": "ophthalmic",
	"OTIC": "otic", "OT": "otic", "EAR": "otic",
	"GASTROSTOMY": "gastrostomy", "GT": "gastrostomy", "G TUBE": "gastrostomy", "PEG": "gastrostomy",
	"NASOGASTRIC": "nasogastric", "NG": "nasogastric",
	// SNOMED CT qualifier values some senders (and HL7's own examples) use
	// instead of the route concepts, and HL7 v3 RouteOfAdministration.
	"255560000": "intravenous", "738987007": "oral", "421521009": "oral", "418136008": "subcutaneous", "255566006": "subcutaneous",
	"255565005": "intramuscular", "18679011000001101": "inhalation", "418821007": "inhalation", "255559005": "intramuscular",
	"IVINJ": "intravenous", "IVINFUS": "intravenous", "IVPUSH": "intravenous", "SUBCUTINJ": "subcutaneous", "IM INJ": "intramuscular",
	"IMINJ": "intramuscular", "SWALLOW": "oral", "CHEW": "oral", "TRNSDERMD": "transdermal", "DERMAL": "topical",
	"INTRAVENOUS ROUTE": "intravenous", "ORAL ROUTE": "oral",
}

// RouteName maps an outside route code (HL7 0162, SNOMED CT) or word to
// the record's route name; ok is false for a route the record does not know.
func RouteName(codes ...string) (string, bool) {
	for _, c := range codes {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		for _, r := range RouteCodes {
			if c == r.SNOMED || strings.EqualFold(c, r.Name) || strings.EqualFold(c, r.SNOMEDTxt) {
				return r.Name, true
			}
		}
		up := strings.ToUpper(strings.TrimSuffix(strings.TrimSpace(strings.TrimSuffix(strings.ToLower(c), " route")), "."))
		if name, ok := routeAliases[up]; ok {
			return name, true
		}
	}
	return "", false
}

// RouteCodeOf returns the codes of a record route name.
func RouteCodeOf(name string) (RouteCode, bool) {
	for _, r := range RouteCodes {
		if strings.EqualFold(r.Name, name) {
			return r, true
		}
	}
	return RouteCode{}, false
}

// doseUnits maps unit codes senders use (UCUM, HL7 ISO+ and "ANSI" codes,
// pharmacy abbreviations) onto the record's dose units.
var doseUnits = map[string]string{
	"MG": "mg", "MILLIGRAM": "mg", "MILLIGRAMS": "mg",
	"MCG": "mcg", "UG": "mcg", "µG": "mcg", "MICROGRAM": "mcg", "MICROGRAMS": "mcg",
	"G": "g", "GM": "g", "GRAM": "g", "GRAMS": "g",
	"ML": "mL", "MILLILITER": "mL", "MILLILITRE": "mL", "MILLILITERS": "mL", "CC": "mL",
	"L": "L",
	"U": "units", "UNIT": "units", "UNITS": "units", "IU": "units", "[IU]": "units", "[U]": "units", "UN": "units",
	"MEQ": "mEq", "MEQ.": "mEq", "MMOL": "mmol",
	"TAB": "tablet", "TABS": "tablet", "TABLET": "tablet", "TABLETS": "tablet", "{TBL}": "tablet", "{TABLET}": "tablet", "TBL": "tablet",
	"CAP": "capsule", "CAPS": "capsule", "CAPSULE": "capsule", "CAPSULES": "capsule", "{CAPSULE}": "capsule", "{CAP}": "capsule",
	"PATCH": "patch", "PATCHES": "patch", "{PATCH}": "patch",
	"PUFF": "puff", "PUFFS": "puff", "{PUFF}": "puff", "ACTUAT": "puff", "{ACTUAT}": "puff",
	"SUPP": "suppository", "SUPPOSITORY": "suppository", "{SUPPOSITORY}": "suppository",
	"DROP": "drop", "DROPS": "drop", "GTT": "drop", "[DRP]": "drop",
	"MCG/H": "mcg/h", "MCG/HR": "mcg/h", "UG/H": "mcg/h",
	"APPLICATION": "application", "{APPLICATION}": "application",
	"NEB": "nebule", "NEBULE": "nebule", "AMP": "ampule", "VIAL": "vial",
}

// NormalizeDoseUnit maps a sender's unit code onto the record's unit;
// unknown units pass through lower-cased (the bedside then refuses an
// amount it cannot convert, rather than the order being lost).
func NormalizeDoseUnit(s string) string {
	s = strings.TrimSpace(s)
	if u, ok := doseUnits[strings.ToUpper(s)]; ok {
		return u
	}
	return s
}

// UCUMUnit is the UCUM code of a record unit, for FHIR quantities; ok is
// false for units UCUM writes only as annotations.
func UCUMUnit(u string) (string, bool) {
	switch u {
	case "mg", "g", "mL", "L", "mmol":
		return u, true
	case "mcg":
		return "ug", true
	case "units":
		return "[iU]", true
	case "mEq":
		return "meq", true
	case "mcg/h":
		return "ug/h", true
	}
	return "", false
}
