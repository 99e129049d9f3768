package mar

import "testing"

func TestAllergyMatchesByIngredientAndClass(t *testing.T) {
	tests := []struct {
		ingredient, allergy string
		want                AllergyMatch
	}{
		{"amoxicillin", "penicillin", AllergyDirect},
		{"amoxicillin", "Penicillin", AllergyDirect},
		{"piperacillin", "PCN", AllergyDirect},
		{"ampicillin", "amoxicillin", AllergyDirect},
		{"cephalexin", "penicillin", AllergyCross},
		{"amoxicillin", "cefazolin", AllergyCross},
		{"sulfamethoxazole", "sulfa", AllergyDirect},
		{"ibuprofen", "NSAIDs", AllergyDirect},
		{"naproxen", "aspirin", AllergyDirect},
		{"acetaminophen", "paracetamol", AllergyDirect},
		{"acetaminophen", "NSAIDs", AllergyNone},
		{"morphine sulfate", "codeine", AllergyDirect},
		{"fentanyl", "codeine", AllergyCross},
		{"fentanyl", "opioids", AllergyDirect},
		{"metoprolol tartrate", "penicillin", AllergyNone},
		{"lisinopril", "enalapril", AllergyDirect},
		{"cephalexin", "latex", AllergyNone},
	}
	for _, tt := range tests {
		t.Run(tt.ingredient+" vs "+tt.allergy, func(t *testing.T) {
			if got, _ := MatchAllergy(tt.ingredient, tt.allergy); got != tt.want {
				t.Fatalf("MatchAllergy(%q, %q) = %v, want %v", tt.ingredient, tt.allergy, got, tt.want)
			}
		})
	}
}
