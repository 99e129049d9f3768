package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadScanConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.json", `{"wristbands":[{"name":"numeric","pattern":"(?P<mrn>[0-9]{8})","example":"12345678"}],"badges":[{"name":"emp","prefix":"EMP","fields":["badge"]}],"gs_substitutes":["^]"]}`)
	tests := []struct {
		name, path, wantErr string
	}{
		{"no flag keeps the built-in formats", "", ""},
		{"a valid file", good, ""},
		{"a missing file", filepath.Join(dir, "none.json"), "no such file"},
		{"an unknown key", write("typo.json", `{"wristband":[]}`), "unknown field"},
		{"a pattern that does not compile", write("re.json", `{"wristbands":[{"name":"x","pattern":"(?P<mrn>["}],"badges":[{"name":"emp","prefix":"EMP","fields":["badge"]}]}`), "wristbands[0]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			set, err := readScanConfig(tc.path)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("error %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
			case tc.path == good && (len(set.Wristbands) != 1 || set.GSSubstitutes[0] != "^]"):
				t.Fatalf("read %+v", set)
			}
		})
	}
}
