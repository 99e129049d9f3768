package demo

import (
	"fmt"
	"time"

	"github.com/emar-project/emar/mar"
)

type productSpec struct {
	key, name, form, routes, ingredient string
	strength                            float64
	unit                                string
	highAlert                           mar.HighAlert
	controlled                          string
	timeCritical, psychotropic, antipsy bool
}

// specs is the demo formulary. Ingredients are generic names; strengths are
// per dose unit.
var specs = []productSpec{
	{"metoprolol25", "Metoprolol tartrate 25 mg tablet", "tablet", "oral", "metoprolol tartrate", 25, "mg", "", "", false, false, false},
	{"metoprolol50", "Metoprolol tartrate 50 mg tablet", "tablet", "oral", "metoprolol tartrate", 50, "mg", "", "", false, false, false},
	{"lisinopril10", "Lisinopril 10 mg tablet", "tablet", "oral", "lisinopril", 10, "mg", "", "", false, false, false},
	{"amlodipine5", "Amlodipine 5 mg tablet", "tablet", "oral", "amlodipine", 5, "mg", "", "", false, false, false},
	{"furosemide40", "Furosemide 40 mg tablet", "tablet", "oral", "furosemide", 40, "mg", "", "", false, false, false},
	{"digoxin125", "Digoxin 125 mcg tablet", "tablet", "oral", "digoxin", 125, "mcg", mar.HighAlertWitnessRecommended, "", false, false, false},
	{"warfarin5", "Warfarin 5 mg tablet", "tablet", "oral", "warfarin", 5, "mg", mar.HighAlertWitnessRecommended, "", false, false, false},
	{"apixaban5", "Apixaban 5 mg tablet", "tablet", "oral", "apixaban", 5, "mg", mar.HighAlertWitnessRecommended, "", false, false, false},
	{"metformin500", "Metformin 500 mg tablet", "tablet", "oral", "metformin", 500, "mg", "", "", false, false, false},
	{"glargine", "Insulin glargine 100 units/mL pen", "injection", "subcutaneous", "insulin glargine", 100, "units/mL", mar.HighAlertWitnessRequired, "", true, false, false},
	{"lispro", "Insulin lispro 100 units/mL vial", "injection", "subcutaneous", "insulin lispro", 100, "units/mL", mar.HighAlertWitnessRequired, "", true, false, false},
	{"levothyroxine50", "Levothyroxine 50 mcg tablet", "tablet", "oral", "levothyroxine", 50, "mcg", "", "", false, false, false},
	{"atorvastatin20", "Atorvastatin 20 mg tablet", "tablet", "oral", "atorvastatin", 20, "mg", "", "", false, false, false},
	{"omeprazole20", "Omeprazole 20 mg capsule", "capsule", "oral", "omeprazole", 20, "mg", "", "", false, false, false},
	{"paracetamol500", "Acetaminophen 500 mg tablet", "tablet", "oral", "acetaminophen", 500, "mg", "", "", false, false, false},
	{"paracetamol325", "Acetaminophen 325 mg tablet", "tablet", "oral", "acetaminophen", 325, "mg", "", "", false, false, false},
	{"paracetamolsupp", "Acetaminophen 650 mg suppository", "suppository", "rectal", "acetaminophen", 650, "mg", "", "", false, false, false},
	{"ibuprofen400", "Ibuprofen 400 mg tablet", "tablet", "oral", "ibuprofen", 400, "mg", "", "", false, false, false},
	{"oxycodone5", "Oxycodone 5 mg tablet", "tablet", "oral", "oxycodone", 5, "mg", mar.HighAlertWitnessRecommended, "II", false, false, false},
	{"morphine10", "Morphine sulfate 10 mg/5 mL oral solution", "solution", "oral", "morphine sulfate", 2, "mg/mL", mar.HighAlertWitnessRequired, "II", false, false, false},
	{"fentanyl25", "Fentanyl 25 mcg/h transdermal patch", "patch", "transdermal", "fentanyl", 25, "mcg/h", mar.HighAlertWitnessRequired, "II", false, false, false},
	{"lorazepam05", "Lorazepam 0.5 mg tablet", "tablet", "oral,sublingual", "lorazepam", 0.5, "mg", "", "IV", false, true, false},
	{"quetiapine25", "Quetiapine 25 mg tablet", "tablet", "oral", "quetiapine", 25, "mg", "", "", false, true, true},
	{"haloperidol05", "Haloperidol 0.5 mg tablet", "tablet", "oral", "haloperidol", 0.5, "mg", "", "", false, true, true},
	{"sertraline50", "Sertraline 50 mg tablet", "tablet", "oral", "sertraline", 50, "mg", "", "", false, true, false},
	{"donepezil5", "Donepezil 5 mg tablet", "tablet", "oral", "donepezil", 5, "mg", "", "", false, false, false},
	{"levodopa", "Carbidopa/levodopa 25/100 mg tablet", "tablet", "oral", "levodopa", 100, "mg", "", "", true, false, false},
	{"amoxicillin500", "Amoxicillin 500 mg capsule", "capsule", "oral", "amoxicillin", 500, "mg", "", "", false, false, false},
	{"cephalexin500", "Cephalexin 500 mg capsule", "capsule", "oral", "cephalexin", 500, "mg", "", "", false, false, false},
	{"smxtmp", "Sulfamethoxazole/trimethoprim 800/160 mg tablet", "tablet", "oral", "sulfamethoxazole", 800, "mg", "", "", false, false, false},
	{"prednisone10", "Prednisone 10 mg tablet", "tablet", "oral", "prednisone", 10, "mg", "", "", false, false, false},
	{"vitd1000", "Cholecalciferol 1000 unit tablet", "tablet", "oral", "cholecalciferol", 1000, "units", "", "", false, false, false},
	{"senna", "Sennosides 8.6 mg tablet", "tablet", "oral", "sennosides", 8.6, "mg", "", "", false, false, false},
	{"docusate100", "Docusate sodium 100 mg capsule", "capsule", "oral", "docusate sodium", 100, "mg", "", "", false, false, false},
	{"kcl20", "Potassium chloride 20 mEq ER tablet", "tablet", "oral", "potassium chloride", 20, "mEq", mar.HighAlertWitnessRecommended, "", false, false, false},
	{"enoxaparin40", "Enoxaparin 40 mg/0.4 mL syringe", "injection", "subcutaneous", "enoxaparin", 40, "mg", mar.HighAlertWitnessRecommended, "", false, false, false},
	{"albuterol", "Albuterol 2.5 mg/3 mL nebule", "solution", "inhalation", "albuterol", 2.5, "mg", "", "", false, false, false},
	{"nitroglycerin04", "Nitroglycerin 0.4 mg sublingual tablet", "tablet", "sublingual", "nitroglycerin", 0.4, "mg", "", "", true, false, false},
	{"ondansetron4", "Ondansetron 4 mg orally disintegrating tablet", "tablet", "oral", "ondansetron", 4, "mg", "", "", false, false, false},
	{"tamsulosin04", "Tamsulosin 0.4 mg capsule", "capsule", "oral", "tamsulosin", 0.4, "mg", "", "", false, false, false},
}

var productKeys = func() []string {
	keys := make([]string, len(specs))
	for i, s := range specs {
		keys[i] = s.key
	}
	return keys
}()

// Products returns the demo formulary, each with one unit-dose package.
func Products(facilityID string) []mar.Product {
	out := make([]mar.Product, len(specs))
	for i, s := range specs {
		ha := s.highAlert
		if ha == "" {
			ha = mar.HighAlertNone
		}
		ndc := fmt.Sprintf("99%03d%04d%d", 100+i/10, 1000+i*7, i%10)
		out[i] = mar.Product{ID: mar.NewID(), FacilityID: facilityID, Name: s.name, Form: s.form, Routes: splitComma(s.routes),
			Ingredients: []mar.Ingredient{{Name: s.ingredient, StrengthValue: s.strength, StrengthUnit: s.unit}},
			HighAlert:   ha, Controlled: s.controlled, TimeCritical: s.timeCritical, Psychotropic: s.psychotropic, Antipsychotic: s.antipsy,
			Packages: []mar.Package{{ID: mar.NewID(), GTIN: GTIN(ndc), NDC: ndc, Description: "unit dose", Quantity: 1}}}
	}
	return out
}

func splitComma(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}

var people = []struct {
	family, given, birth, sex string
	allergies                 []string
}{
	{"Abbott", "Margaret", "1938-04-12", "female", []string{"penicillin"}},
	{"Baker", "Harold", "1941-09-30", "male", nil},
	{"Castillo", "Rosa", "1935-01-08", "female", []string{"sulfamethoxazole"}},
	{"Dubois", "Henri", "1944-11-19", "male", []string{"codeine"}},
	{"Eriksen", "Ingrid", "1939-07-02", "female", nil},
	{"Fitzgerald", "Thomas", "1947-02-28", "male", []string{"ibuprofen"}},
	{"Garcia", "Luz", "1950-05-15", "female", nil},
	{"Hoffmann", "Klaus", "1936-12-24", "male", []string{"amoxicillin", "cephalexin"}},
	{"Ito", "Haruko", "1942-03-03", "female", nil},
	{"Jensen", "Peter", "1945-08-08", "male", []string{"morphine sulfate"}},
	{"Kowalski", "Anna", "1940-10-10", "female", nil},
	{"Lindqvist", "Sven", "1937-06-21", "male", []string{"acetaminophen"}},
	{"Moreau", "Claire", "1948-09-09", "female", nil},
	{"Novak", "Josef", "1943-01-31", "male", nil},
	{"Okafor", "Grace", "1951-04-04", "female", []string{"lisinopril"}},
	{"Petrov", "Ivan", "1946-02-14", "male", nil},
	{"Quinn", "Maeve", "1934-12-01", "female", nil},
	{"Rossi", "Marco", "1949-07-17", "male", []string{"haloperidol"}},
	{"Schmidt", "Erika", "1938-03-23", "female", nil},
	{"Tanaka", "Kenji", "1944-05-05", "male", nil},
}

// Residents returns the demo residents, split across the two units; their
// wristbands carry "MRN" and the eight-digit MRN.
func Residents(facilityID string, units []mar.Unit, now time.Time) []mar.Resident {
	out := make([]mar.Resident, len(people))
	for i, p := range people {
		unit := units[i%len(units)]
		mrn := fmt.Sprintf("%08d", 100001+i)
		r := mar.Resident{ID: mar.NewID(), FacilityID: facilityID, UnitID: unit.ID, MRN: mrn, WristbandID: "MRN" + mrn,
			FamilyName: p.family, GivenName: p.given, BirthDate: p.birth, Sex: p.sex,
			Room: fmt.Sprintf("%d", 101+i/2), Bed: string(rune('A' + i%2)), Status: mar.Admitted, AdmittedAt: now.Add(-time.Duration(30+i) * 24 * time.Hour)}
		for _, a := range p.allergies {
			r.Allergies = append(r.Allergies, mar.Allergy{ID: mar.NewID(), ResidentID: r.ID, Substance: a, Reaction: "rash", Severity: "moderate"})
		}
		out[i] = r
	}
	return out
}

type orderSpec struct {
	product string
	dose    float64
	unit    string
	route   string
	freq    string
	prn     bool
	reason  string
	holds   []mar.HoldParam
	scale   []mar.ScaleStep
	pending bool
}

var insulinScale = []mar.ScaleStep{{Min: 0, Max: 150, Dose: 0}, {Min: 151, Max: 200, Dose: 2}, {Min: 201, Max: 250, Dose: 4}, {Min: 251, Max: 300, Dose: 6}, {Min: 301, Max: 350, Dose: 8}, {Min: 351, Max: 1000, Dose: 10}}

// regimens are rotated across residents so every check has an example.
var regimens = [][]orderSpec{
	{
		{product: "metoprolol25", dose: 25, unit: "mg", route: "oral", freq: "BID", holds: []mar.HoldParam{{Vital: "heart_rate", Op: "<", Value: 60}, {Vital: "systolic_bp", Op: "<", Value: 100}}},
		{product: "paracetamol500", dose: 1000, unit: "mg", route: "oral", freq: "q6h PRN max 4/24h", prn: true, reason: "pain or fever"},
		{product: "atorvastatin20", dose: 20, unit: "mg", route: "oral", freq: "QHS"},
	},
	{
		{product: "lispro", dose: 0, unit: "units", route: "subcutaneous", freq: "TID", scale: insulinScale},
		{product: "glargine", dose: 10, unit: "units", route: "subcutaneous", freq: "QHS"},
		{product: "metformin500", dose: 500, unit: "mg", route: "oral", freq: "BID"},
	},
	{
		{product: "fentanyl25", dose: 25, unit: "mcg/h", route: "transdermal", freq: "every 72 hours"},
		{product: "oxycodone5", dose: 5, unit: "mg", route: "oral", freq: "q4h PRN max 6/24h", prn: true, reason: "breakthrough pain"},
		{product: "senna", dose: 17.2, unit: "mg", route: "oral", freq: "QHS"},
	},
	{
		{product: "warfarin5", dose: 5, unit: "mg", route: "oral", freq: "daily at 17:00"},
		{product: "lorazepam05", dose: 0.5, unit: "mg", route: "oral", freq: "q8h PRN max 2/24h", prn: true, reason: "anxiety"},
		{product: "levothyroxine50", dose: 50, unit: "mcg", route: "oral", freq: "QAM"},
	},
	{
		{product: "furosemide40", dose: 40, unit: "mg", route: "oral", freq: "daily"},
		{product: "digoxin125", dose: 125, unit: "mcg", route: "oral", freq: "daily", holds: []mar.HoldParam{{Vital: "heart_rate", Op: "<", Value: 60}}},
		{product: "kcl20", dose: 20, unit: "mEq", route: "oral", freq: "daily", pending: true},
	},
}

func ordersFor(i int, r mar.Resident, products map[string]mar.Product, now time.Time) []mar.Order {
	var out []mar.Order
	start := now.Add(-72 * time.Hour).Truncate(time.Hour)
	for _, spec := range regimens[i%len(regimens)] {
		p := products[spec.product]
		status := mar.OrderActive
		var verifiedAt *time.Time
		if spec.pending {
			status = mar.OrderPending
		} else {
			v := start
			verifiedAt = &v
		}
		// A resident allergic to the demo drug gets no order for it: the
		// allergy is there to be caught when the wrong pack is scanned.
		if allergicTo(r, p) {
			continue
		}
		o := mar.Order{ID: mar.NewID(), FacilityID: r.FacilityID, ResidentID: r.ID, ProductID: p.ID, Ingredient: p.Ingredients[0].Name,
			DoseValue: spec.dose, DoseUnit: spec.unit, Route: spec.route, Frequency: spec.freq, PRN: spec.prn, PRNReason: spec.reason,
			StartAt: start, Status: status, Prescriber: "Dr. Demo Prescriber", HoldParams: spec.holds, SlidingScale: spec.scale,
			Source: "demo", VerifiedAt: verifiedAt, CreatedAt: start, UpdatedAt: start}
		if o.DoseValue == 0 && len(o.SlidingScale) > 0 {
			o.Instructions = "Sliding scale by capillary glucose before meals"
		}
		out = append(out, o)
	}
	return out
}

func allergicTo(r mar.Resident, p mar.Product) bool {
	for _, a := range r.Allergies {
		if p.HasIngredient(a.Substance) {
			return true
		}
	}
	return false
}
