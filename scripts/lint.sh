#!/usr/bin/env bash
# make lint: gofmt, go vet and staticcheck. staticcheck's version is pinned
# in go.mod's tool block, so every machine runs the same checks.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== lint: gofmt, go vet, staticcheck"
unformatted=$(gofmt -l $(git ls-files '*.go') 2>/dev/null || true)
if [ -n "$unformatted" ]; then echo "gofmt needed: $unformatted"; exit 1; fi
go vet ./...
go tool staticcheck ./...
