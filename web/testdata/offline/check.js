// Runs the WebAssembly build of the offline checks in Node, as the bedside
// page runs it in the browser: node check.js WASM_EXEC_JS EMAR_WASM CASES_JSON
// CASES_JSON is {"envelope": …, "key": "base64", "requests": [ … ]}; the
// answers are printed as one JSON array, in order.
'use strict';
const fs = require('fs');
const [wasmExec, wasmFile, casesFile] = process.argv.slice(2);
// No globalThis.fs: Go's loader then stands in for the file system as in a
// browser (the zones come from the build's embedded time/tzdata).
globalThis.TextEncoder = require('util').TextEncoder;
globalThis.TextDecoder = require('util').TextDecoder;
globalThis.performance ??= require('perf_hooks').performance;
globalThis.crypto ??= require('crypto');
require(wasmExec);

const cases = JSON.parse(fs.readFileSync(casesFile, 'utf8'));
const go = new Go();
const ready = new Promise((resolve) => { globalThis.emarOfflineReady = resolve; });
WebAssembly.instantiate(fs.readFileSync(wasmFile), go.importObject).then(async ({ instance }) => {
  go.run(instance);
  await ready;
  const env = JSON.stringify(cases.envelope);
  const out = cases.requests.map((r) => JSON.parse(globalThis.emarOfflineCheck(typeof r.envelope === 'object' ? JSON.stringify(r.envelope) : env, cases.key, JSON.stringify(r.request))));
  process.stdout.write(JSON.stringify(out));
  process.exit(0);
}).catch((e) => { console.error(e); process.exit(1); });
