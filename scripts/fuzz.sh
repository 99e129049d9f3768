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
        # Go's fuzzer sometimes ends a clean run with "context deadline
        # exceeded" when a worker is slow to stop; only a run that found a
        # failing input (or failed twice) fails the build.
        for attempt in 1 2; do
            if go test -run '^$' -fuzz "^${t}\$" -fuzztime "$fuzztime" "$pkg" >/tmp/emar-fuzz.log 2>&1; then break; fi
            if grep -q "Failing input" /tmp/emar-fuzz.log || ! grep -q "context deadline exceeded" /tmp/emar-fuzz.log || [ $attempt = 2 ]; then
                cat /tmp/emar-fuzz.log; exit 1
            fi
            echo "fuzz $pkg $t: the fuzzer stopped late (context deadline exceeded), running it again"
        done
    done
done
