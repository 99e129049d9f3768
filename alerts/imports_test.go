package alerts_test

import (
	"os/exec"
	"strings"
	"testing"
)

// Only this package may import robfig/cron: dose times must never turn
// into cron specs anywhere else (cron skips and repeats around DST).
func TestOnlyAlertsImportsCron(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "github.com/emar-project/emar/...").CombinedOutput()
	if err != nil {
		t.Skipf("go list unavailable: %v: %s", err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, " ")
		if pkg != "github.com/emar-project/emar/alerts" && strings.Contains(" "+imports+" ", " github.com/robfig/cron/v3 ") {
			t.Errorf("%s imports robfig/cron; only alerts may", pkg)
		}
	}
}
