package fhirvalidate

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// choiceTypes are the type suffixes of FHIR R4 choice elements ([x]):
// the primitive and complex data types a choice may take.
var choiceTypes = map[string]bool{}

func init() {
	for _, t := range strings.Fields(`Base64Binary Boolean Canonical Code Date DateTime Decimal Id Instant Integer
		Markdown Oid PositiveInt String Time UnsignedInt Uri Url Uuid Address Age Annotation Attachment CodeableConcept
		Coding ContactPoint Count Distance Duration HumanName Identifier Money Period Quantity Range Ratio Reference
		SampledData Signature Timing ContactDetail Contributor DataRequirement Expression ParameterDefinition
		RelatedArtifact TriggerDefinition UsageContext Dosage Meta`) {
		choiceTypes[t] = true
	}
}

// ChoiceErrors lists the places in a FHIR JSON document where a choice
// element appears more than once (e.g. both boundsDuration and
// boundsPeriod): FHIR allows exactly one type of a choice, which the JSON
// schema does not check. Each entry names the path and the keys.
func ChoiceErrors(doc []byte) ([]string, error) {
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	var errs []string
	walkChoices(v, "$", &errs)
	return errs, nil
}

func walkChoices(v any, path string, errs *[]string) {
	switch x := v.(type) {
	case []any:
		for i, e := range x {
			walkChoices(e, fmt.Sprintf("%s[%d]", path, i), errs)
		}
	case map[string]any:
		bases := map[string][]string{}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if strings.HasPrefix(k, "_") || k == "resourceType" {
				continue
			}
			// A choice key is a lower-case base and a capitalised type.
			for i := 1; i < len(k); i++ {
				if k[i] >= 'A' && k[i] <= 'Z' && choiceTypes[k[i:]] {
					bases[k[:i]] = append(bases[k[:i]], k)
					break
				}
			}
		}
		for _, b := range sortedKeys(bases) {
			if ks := bases[b]; len(ks) > 1 {
				*errs = append(*errs, fmt.Sprintf("%s: choice element %s[x] appears %d times (%s); FHIR allows one", path, b, len(ks), strings.Join(ks, ", ")))
			}
		}
		for _, k := range keys {
			walkChoices(x[k], path+"."+k, errs)
		}
	}
}

func sortedKeys(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
