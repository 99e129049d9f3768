// Package fhirvalidate runs the independent FHIR R4 schema validator
// (tools/fhir-validate: the official fhir.schema.json with Ajv, on Node)
// over resources a test wrote, so nothing the service emits escapes the
// standard unnoticed. scripts/ensure-tools.sh installs it; without it the
// tests that need it skip, unless EMAR_TEST_REQUIRE_FHIR_VALIDATOR=1
// (make test) makes them fail.
package fhirvalidate

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

func toolDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "tools", "fhir-validate")
}

// Available reports whether node and the validator's packages are there.
func Available() error {
	dir := toolDir()
	if _, err := exec.LookPath("node"); err != nil {
		return fmt.Errorf("node is not installed (scripts/ensure-tools.sh installs it)")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "ajv")); err != nil {
		return fmt.Errorf("the validator's packages are not installed: run scripts/ensure-tools.sh")
	}
	return nil
}

// Collector gathers resources during a test and validates them together,
// since starting the validator costs a second or two.
type Collector struct {
	mu    sync.Mutex
	dir   string
	files []string
}

// New starts a collection in a temporary directory of t.
func New(t testing.TB) *Collector {
	return &Collector{dir: t.TempDir()}
}

// Add keeps one emitted resource under a name for the report.
func (c *Collector) Add(name string, body []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	safe := strings.Map(func(r rune) rune {
		if r == '/' || r == '?' || r == '&' || r == '=' || r == ' ' {
			return '_'
		}
		return r
	}, name)
	path := filepath.Join(c.dir, fmt.Sprintf("%03d-%s.json", len(c.files)+1, safe))
	if err := os.WriteFile(path, body, 0o600); err != nil {
		panic(err)
	}
	c.files = append(c.files, path)
}

// Validate runs the validator over everything collected.
func (c *Collector) Validate(t testing.TB) {
	t.Helper()
	if len(c.files) == 0 {
		t.Fatal("no resources collected")
	}
	// Choice elements ([x]) take one type: the schema does not check it.
	for _, f := range c.files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		errs, err := ChoiceErrors(b)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
		}
		for _, e := range errs {
			t.Errorf("%s: %s", filepath.Base(f), e)
		}
	}
	if err := Available(); err != nil {
		if os.Getenv("EMAR_TEST_REQUIRE_FHIR_VALIDATOR") == "1" {
			t.Fatalf("FHIR validator required: %v", err)
		}
		t.Skipf("FHIR validator not available: %v", err)
	}
	cmd := exec.Command("node", append([]string{filepath.Join(toolDir(), "validate.js")}, c.files...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil {
		t.Fatalf("FHIR R4 schema validation failed:\n%s", out.String())
	}
	t.Logf("FHIR R4 schema: %d resources valid", len(c.files))
}
