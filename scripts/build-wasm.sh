#!/usr/bin/env bash
# Builds the offline bedside's checks as WebAssembly (the server's own rules,
# cmd/emar-wasm) with Go's loader next to it: OUT/emar.wasm, OUT/wasm_exec.js.
# Build artefacts: never committed. Usage: scripts/build-wasm.sh [OUT]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bin/wasm}
go=${GO:-go}
mkdir -p "$out"
GOOS=js GOARCH=wasm "$go" build -trimpath -o "$out/emar.wasm" ./cmd/emar-wasm
root=$("$go" env GOROOT)
for f in "$root/lib/wasm/wasm_exec.js" "$root/misc/wasm/wasm_exec.js"; do
    if [ -f "$f" ]; then cp "$f" "$out/wasm_exec.js"; break; fi
done
[ -f "$out/wasm_exec.js" ] || { echo "wasm_exec.js not found under $root" >&2; exit 1; }
size=$(wc -c <"$out/emar.wasm")
gz=$(gzip -9c "$out/emar.wasm" | wc -c)
echo "offline checks: $out/emar.wasm $((size / 1024)) KiB ($((gz / 1024)) KiB gzipped)"
