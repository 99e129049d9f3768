#!/usr/bin/env bash
# Installs what the test suite drives for real: PostgreSQL (the store
# tests), Chromium (the browser tests), zint and zxing-cpp (the scanning
# tests), and Node.js with the pinned FHIR schema validator (tools/fhir-validate, from the npm registry).
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 || need+=(postgresql)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
# zint draws the PDF417 table generator's and test symbols; ZXingReader is
# the reference decoder the scanning tests compare with.
command -v zint >/dev/null 2>&1 || need+=(zint)
command -v ZXingReader >/dev/null 2>&1 || need+=(zxing-cpp-tools)
# pdftoppm rasterises the patient-specific label PDF so the test reads its
# DataMatrix back from the printed page.
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
if [ ${#need[@]} -gt 0 ]; then
    echo "ensure-tools: installing ${need[*]}"
    sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
# The FHIR validator's packages, exactly as package-lock.json pins them;
# reinstalled only when the lock file changes.
v=tools/fhir-validate
sum=$(sha256sum "$v/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$v/node_modules/.emar-lock-sha256" 2>/dev/null)" != "$sum" ]; then
    echo "ensure-tools: npm ci in $v"
    npm ci --prefix "$v" --cache "${XDG_CACHE_HOME:-$HOME/.cache}/emar-npm" --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null
    echo "$sum" >"$v/node_modules/.emar-lock-sha256"
fi
