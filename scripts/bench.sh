#!/usr/bin/env bash
# make bench: every figure of docs/performance.md in one bounded run
# (under 10 minutes on a 2-core machine). It builds emar and emar-bench,
# starts its own PostgreSQL with durable settings (fsync, synchronous
# commit and full-page writes on — unlike the test server), and runs
# emar-bench against it on 127.0.0.1. The table goes to stdout; the
# figures as JSON to bench/results/ (git-ignored), with the service's log.
#   scripts/bench.sh                       # everything
#   scripts/bench.sh --steps facility      # one measurement (see emar-bench -h)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v ZXingReader >/dev/null 2>&1; then
    echo "bench: installing zxing-cpp-tools (ZXingReader) for the decode comparison" >&2
    sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq zxing-cpp-tools >/dev/null || echo "bench: no ZXingReader; the decode step will fail" >&2
fi
if ! /usr/bin/python3 -c 'import zxingcpp, numpy, PIL' >/dev/null 2>&1; then
    echo "bench: installing python3-zxing-cpp (zxing-cpp timed in one process) for the decode comparison" >&2
    sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-zxing-cpp python3-numpy python3-pil >/dev/null || echo "bench: no python3-zxing-cpp; zxing-cpp is timed with ZXingReader's start-up subtracted" >&2
fi

go build -o bin/emar ./cmd/emar
go build -o bin/emar-bench ./cmd/emar-bench
mkdir -p bench/results

# Durable settings; the rest sized for a 24 GB machine.
export EMAR_PG_OPTS="-c fsync=on -c synchronous_commit=on -c full_page_writes=on -c shared_buffers=1GB -c max_wal_size=4GB ${EMAR_PG_OPTS:-}"
start=$(date +%s)
scripts/with-postgres.sh bin/emar-bench --emar bin/emar --out bench/results --repo . "$@"
echo "make bench: $(( $(date +%s) - start )) s in all; results in bench/results/latest.json"
