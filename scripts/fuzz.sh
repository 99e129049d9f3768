#!/usr/bin/env bash
# Runs every Fuzz target in the module for FUZZTIME (default 10s) each.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-10s}
for pkg in $(go list ./...); do
    dir=$(go list -f '{{.Dir}}' "$pkg")
    targets=$(grep -hoE '^func (Fuzz[A-Za-z0-9_]+)\(' "$dir"/*_test.go 2>/dev/null | sed -E 's/^func (Fuzz[A-Za-z0-9_]+)\(/\1/' || true)
    for t in $targets; do
        echo "fuzz $pkg $t ($fuzztime)"
        go test -run '^$' -fuzz "^${t}\$" -fuzztime "$fuzztime" "$pkg" >/tmp/emar-fuzz.log 2>&1 || { cat /tmp/emar-fuzz.log; exit 1; }
    done
done
