package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emar-project/emar/mar/store/storetest"
)

// emar import hl7 answers every message in a file and stores what was
// accepted; a refused message names the segment, field and HL7 code.
func TestImportHL7AndFHIRFiles(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.NewDSN(t, engine)
			if code, _, stderr := emar(t, nil, "demo", "--db", dsn); code != 0 {
				t.Fatalf("demo: %s", stderr)
			}
			dir := t.TempDir()
			// Demo resident 100001 and the demo metoprolol 25 mg NDC.
			good := "MSH|^~\\&|PHARMSYS|X|EMAR|X|20260314083012-0500||RDE^O11^RDE_O11|IMP1|P|2.5.1\r" +
				"PID|1||00100001^^^X^MR||Abbott^Margaret\r" +
				"ORC|NW|IMP-1^EHR|RX-1^PHARMSYS\r" +
				"RXE|^BID^^20260314090000-0500|9910010000^Metoprolol^NDC|25||mg\r" +
				"RXR|PO\r"
			bad := strings.Replace(strings.Replace(good, "9910010000", "0000000000", 1), "IMP1", "IMP2", 1)
			file := filepath.Join(dir, "batch.hl7")
			if err := os.WriteFile(file, []byte(good+"\n"+strings.Replace(bad, "IMP-1", "IMP-2", 1)), 0o600); err != nil {
				t.Fatal(err)
			}
			acks := t.TempDir()
			code, out, stderr := emar(t, nil, "import", "hl7", "--db", dsn, "--ack-dir", acks,
				"--hl7-authority", "X=https://emar-project.github.io/fhir/sid/mrn", file)
			if code != 1 || !strings.Contains(out, "IMP1: AA accepted") || !strings.Contains(out, "refused at RXE-2 (HL7 error 103)") {
				t.Fatalf("import: exit %d\n%s\n%s", code, out, stderr)
			}
			if entries, _ := os.ReadDir(acks); len(entries) != 2 {
				t.Fatalf("%d acknowledgements written", len(entries))
			}
			fhirFile := filepath.Join(dir, "bundle.json")
			bundle := `{"resourceType":"Bundle","type":"transaction","entry":[
			  {"fullUrl":"urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a","resource":{"resourceType":"Patient",
			    "identifier":[{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR"}]},"value":"IMP-77"}],
			    "name":[{"family":"Import","given":["Ida"]}],"gender":"female","birthDate":"1940-02-03",
			    "extension":[{"url":"https://emar-project.github.io/fhir/StructureDefinition/unit","valueString":"MAPLE"}]}},
			  {"fullUrl":"urn:uuid:2","resource":{"resourceType":"MedicationRequest","status":"active","intent":"order",
			    "subject":{"reference":"urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a"},
			    "medicationCodeableConcept":{"coding":[{"system":"http://hl7.org/fhir/sid/ndc","code":"9910010000"}]},
			    "dosageInstruction":[{"timing":{"code":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation","code":"BID"}]}},
			      "route":{"coding":[{"system":"http://snomed.info/sct","code":"26643006"}]},
			      "doseAndRate":[{"doseQuantity":{"value":25,"unit":"mg","system":"http://unitsofmeasure.org","code":"mg"}}]}]}},
			  {"resource":{"resourceType":"Observation","status":"final","code":{"text":"x"}}}]}`
			if err := os.WriteFile(fhirFile, []byte(bundle), 0o600); err != nil {
				t.Fatal(err)
			}
			code, out, _ = emar(t, nil, "import", "fhir", "--db", dsn, fhirFile)
			if code != 1 || !strings.Contains(out, "entry 0 Patient: stored") || !strings.Contains(out, "entry 1 MedicationRequest: stored") ||
				!strings.Contains(out, "entry 2 Observation: refused") {
				t.Fatalf("import fhir: exit %d\n%s", code, out)
			}
		})
	}
}
