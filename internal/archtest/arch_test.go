// Package archtest holds the test that keeps the package design of
// docs/architecture.md true: who may import whom.
package archtest

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/emar-project/emar"

// imports maps each package of the module (tests included) to its imports.
func imports(t *testing.T) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}} {{join .TestImports " "}} {{join .XTestImports " "}}`, module+"/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v: %s", err, out)
	}
	m := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		pkg := f[0]
		for _, d := range f[1:] {
			if d != pkg { // an external test package imports its own package
				m[pkg] = append(m[pkg], d)
			}
		}
	}
	return m
}

func under(pkg, root string) bool { return pkg == root || strings.HasPrefix(pkg, root+"/") }

func TestPackageDesign(t *testing.T) {
	rules := []struct {
		name    string
		dep     string                // an imported path prefix
		allowed func(pkg string) bool // who may import it
	}{
		{"only web imports gin", "github.com/gin-gonic/gin", func(p string) bool { return under(p, module+"/web") }},
		{"only mar/store imports gorm", "gorm.io/", func(p string) bool { return under(p, module+"/mar/store") }},
		{"only alerts imports robfig/cron", "github.com/robfig/cron", func(p string) bool { return under(p, module+"/alerts") }},
		{"only scanning imports gozxing", "github.com/makiuchi-d/gozxing", func(p string) bool { return under(p, module+"/scanning") }},
		{"nothing imports cmd", module + "/cmd", func(p string) bool { return under(p, module+"/cmd") }},
		{"mar does not import the web layer", module + "/web", func(p string) bool {
			return !under(p, module+"/mar") && !under(p, module+"/alerts") || under(p, module+"/web")
		}},
		{"mar does not import alerts", module + "/alerts", func(p string) bool { return !under(p, module+"/mar") }},
	}
	all := imports(t)
	for _, r := range rules {
		for pkg, deps := range all {
			if strings.HasPrefix(pkg, module+"/internal/") {
				continue // test support wires the real pieces together
			}
			for _, d := range deps {
				if strings.HasPrefix(d, r.dep) && !r.allowed(pkg) {
					t.Errorf("%s: %s imports %s", r.name, pkg, d)
				}
			}
		}
	}
}

// The leaves stay leaves: schedules is pure time arithmetic and scanning
// has no database or HTTP.
func TestLeafPackagesStayLeaves(t *testing.T) {
	all := imports(t)
	for pkg, deps := range all {
		for _, d := range deps {
			switch {
			case under(pkg, module+"/schedules") && strings.Contains(d, "."):
				t.Errorf("schedules must use the standard library only; %s imports %s", pkg, d)
			case under(pkg, module+"/scanning") && (d == "database/sql" || d == "net/http" || strings.HasPrefix(d, module+"/mar") || strings.HasPrefix(d, module+"/web")):
				t.Errorf("scanning is a leaf; %s imports %s", pkg, d)
			case under(pkg, module+"/scanning/internal/pdf417") && !under(pkg, module+"/scanning/internal/pdf417/gen") &&
				strings.Contains(d, ".") && !strings.HasPrefix(d, "github.com/makiuchi-d/gozxing") && !under(d, module+"/scanning/internal/pdf417"):
				t.Errorf("the PDF417 reader imports only gozxing and the standard library, to stay offerable upstream; %s imports %s", pkg, d)
			case pkg == module+"/mar" && (d == "net/http" || d == "database/sql"):
				t.Errorf("mar is free of HTTP and SQL; it imports %s", d)
			case under(pkg, module+"/web/i18n") && (strings.HasPrefix(d, module+"/") || strings.HasPrefix(d, "github.com/gin-gonic/") || d == "net/http"):
				// Words are translated at the edge, from catalogues alone: the
				// catalogue knows no domain type and no HTTP, so a facility's
				// translation files are checked by `emar serve` before anything
				// starts, and mar keeps one language and its reason codes.
				t.Errorf("web/i18n is a leaf (catalogues and formats only); %s imports %s", pkg, d)
			case (under(pkg, module+"/mar/offline") || under(pkg, module+"/cmd/emar-wasm")) && (d == "net/http" || d == "database/sql" ||
				strings.HasPrefix(d, module+"/") && d != module+"/mar" && d != module+"/mar/offline" && !under(d, module+"/scanning") && !under(d, module+"/schedules")):
				t.Errorf("the offline checks (WebAssembly) use only mar, scanning and schedules: %s imports %s", pkg, d)
			}
		}
	}
}
