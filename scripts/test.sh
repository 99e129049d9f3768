#!/usr/bin/env bash
# make test: installs what the suite needs, starts a throwaway PostgreSQL
# and runs every test on it and on SQLite. The fuzz targets' seed corpora
# (testdata/fuzz, every input a fuzzer ever failed on among them) run as
# ordinary tests; searching for new inputs is `make fuzz`, not part of this
# run, so that the same commit always gives the same answer.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/ensure-tools.sh
# The offline bedside's WebAssembly build (its tests build their own copy;
# this reports the size and fails early if it does not compile).
scripts/build-wasm.sh bin/wasm

# EMAR_TEST_LONG=1: the full 1,000-round race test on PostgreSQL (a few
# minutes); set EMAR_TEST_LONG=0 for a quicker local run.
export EMAR_TEST_LONG=${EMAR_TEST_LONG:-1}
export EMAR_TEST_REQUIRE_PG=1 EMAR_TEST_CHROMIUM=1 EMAR_TEST_REQUIRE_FHIR_VALIDATOR=1 EMAR_TEST_REQUIRE_ZXING=1
go build -o /tmp/emar-testsummary ./internal/testsummary

echo "== tests on SQLite and PostgreSQL"
scripts/with-postgres.sh bash -c '
    set -euo pipefail
    echo "-- store tests, each on both engines:"
    go test -count=1 -v ./mar/store/ 2>&1 | grep -E -- "--- (PASS|FAIL|SKIP).*/(sqlite|postgres)|^(FAIL|panic)" || true
    echo "-- every package (the fault suite ./faults in its short form among them;"
    echo "   the Patroni failover test needs its cluster: make faults-ha runs it):"
    go test -count=1 -timeout 45m -skip TestHAFailoverMidBurst -json ./... 2>&1 | /tmp/emar-testsummary
'

