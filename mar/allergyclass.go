package mar

import "strings"

// Allergies are often recorded by class ("penicillin", "sulfa", "NSAIDs")
// while products list ingredients ("amoxicillin"). drugClasses says which
// ingredients belong to a class; an allergy to a class, or to any member,
// stops every member. The table covers the classes behind most documented
// drug allergies; it is data, so a facility's formulary can extend it.
var drugClasses = map[string][]string{
	"penicillins": {"penicillin", "penicillin g", "penicillin v", "amoxicillin", "ampicillin", "piperacillin", "dicloxacillin",
		"flucloxacillin", "nafcillin", "oxacillin", "cloxacillin", "ticarcillin", "amoxicillin clavulanate"},
	"cephalosporins": {"cephalexin", "cefalexin", "cefazolin", "cefuroxime", "ceftriaxone", "cefdinir", "cefepime", "cefpodoxime",
		"cefadroxil", "cefaclor", "ceftazidime", "cefotaxime", "cefixime"},
	"carbapenems":  {"meropenem", "imipenem", "ertapenem", "doripenem"},
	"sulfonamides": {"sulfamethoxazole", "sulfadiazine", "sulfasalazine", "sulfisoxazole"},
	"nsaids": {"ibuprofen", "naproxen", "diclofenac", "ketorolac", "indomethacin", "meloxicam", "celecoxib", "aspirin",
		"acetylsalicylic acid", "ketoprofen", "piroxicam", "etodolac", "nabumetone"},
	"opioids": {"morphine", "morphine sulfate", "codeine", "oxycodone", "hydrocodone", "hydromorphone", "fentanyl", "tramadol",
		"methadone", "tapentadol", "oxymorphone", "buprenorphine"},
	// Morphine-like opioids cross-react with each other; the synthetic ones
	// (fentanyl, methadone, tramadol) far less.
	"phenanthrene opioids": {"morphine", "morphine sulfate", "codeine", "oxycodone", "hydrocodone", "hydromorphone", "oxymorphone"},
	"fluoroquinolones":     {"ciprofloxacin", "levofloxacin", "moxifloxacin", "ofloxacin", "norfloxacin"},
	"tetracyclines":        {"doxycycline", "minocycline", "tetracycline"},
	"macrolides":           {"azithromycin", "clarithromycin", "erythromycin"},
	"ace inhibitors":       {"lisinopril", "enalapril", "ramipril", "captopril", "perindopril", "quinapril", "benazepril"},
	"statins":              {"atorvastatin", "simvastatin", "rosuvastatin", "pravastatin", "lovastatin"},
	"benzodiazepines":      {"lorazepam", "diazepam", "alprazolam", "clonazepam", "midazolam", "temazepam", "oxazepam"},
}

// classAliases are the words allergy lists use for a class.
var classAliases = map[string]string{
	"penicillin": "penicillins", "pcn": "penicillins", "beta-lactam penicillins": "penicillins",
	"cephalosporin": "cephalosporins", "carbapenem": "carbapenems",
	"sulfa": "sulfonamides", "sulfa drugs": "sulfonamides", "sulfonamide": "sulfonamides", "sulfonamide antibiotics": "sulfonamides",
	"nsaid": "nsaids", "non-steroidal anti-inflammatory drugs": "nsaids",
	"opioid": "opioids", "opiates": "opioids", "opiate": "opioids",
	"quinolones": "fluoroquinolones", "fluoroquinolone": "fluoroquinolones", "tetracycline antibiotics": "tetracyclines",
	"macrolide": "macrolides", "ace inhibitor": "ace inhibitors", "statin": "statins", "benzodiazepine": "benzodiazepines",
}

// crossReactive pairs classes where an allergy to one makes a reaction to
// the other possible but uncommon (penicillin and cephalosporins, about
// 1–2 %): a soft stop a nurse may override with a reason, not a silent pass.
var crossReactive = map[string][]string{
	"penicillins":          {"cephalosporins", "carbapenems"},
	"cephalosporins":       {"penicillins", "carbapenems"},
	"phenanthrene opioids": {"opioids"},
}

// broadClasses apply only when the allergy names the class itself: an
// allergy to codeine is not an allergy to every opioid.
var broadClasses = map[string]bool{"opioids": true}

var classOf = func() map[string][]string {
	m := map[string][]string{}
	for class, members := range drugClasses {
		for _, in := range members {
			m[in] = append(m[in], class)
		}
	}
	return m
}()

// allergyClasses are the classes an allergy entry names or belongs to.
func allergyClasses(substance string) []string {
	s := canonicalIngredient(substance)
	if c, ok := classAliases[s]; ok {
		return []string{c}
	}
	if _, ok := drugClasses[s]; ok {
		return []string{s}
	}
	var out []string
	for _, c := range classOf[s] {
		if !broadClasses[c] {
			out = append(out, c)
		}
	}
	return out
}

// AllergyMatch says how an ingredient relates to a documented allergy.
type AllergyMatch int

const (
	AllergyNone   AllergyMatch = iota
	AllergyCross               // a cross-reactive class: caution
	AllergyDirect              // the same ingredient or class: never give
)

// MatchAllergy compares one ingredient with one allergy entry and names the
// class that links them, if any.
func MatchAllergy(ingredient, substance string) (AllergyMatch, string) {
	if SameIngredient(ingredient, substance) {
		return AllergyDirect, ""
	}
	ingClasses := classOf[canonicalIngredient(ingredient)]
	for _, ac := range allergyClasses(substance) {
		for _, ic := range ingClasses {
			if ic == ac {
				return AllergyDirect, ic
			}
		}
	}
	for _, ac := range allergyClasses(substance) {
		for _, cross := range crossReactive[ac] {
			for _, ic := range ingClasses {
				if ic == cross {
					return AllergyCross, strings.TrimSuffix(ac, "s") + "–" + strings.TrimSuffix(ic, "s")
				}
			}
		}
	}
	return AllergyNone, ""
}
