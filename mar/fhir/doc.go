// Package fhir maps the medication record to and from FHIR R4 (4.0.1)
// JSON: Patient, Medication, MedicationRequest, MedicationAdministration,
// MedicationDispense and AuditEvent out; Patient and MedicationRequest
// (alone or in a Bundle) in; OperationOutcome, searchset Bundles and the
// CapabilityStatement around them.
//
// The resource types are those of github.com/samply/golang-fhir-models:
// plain Go structs generated from the R4 StructureDefinitions that
// encoding/json reads and writes as R4 JSON. The alternatives carry
// protocol buffers and a Bazel build (google/fhir) or a whole server
// framework; these need nothing but the standard library. Two gaps of
// those structs are closed here: choice elements ([x]) and some required
// primitives are not pointers, so an unset one would be written as "" or
// {}, which FHIR forbids (ele-1) — Marshal prunes every empty value; and
// DomainResource.contained is missing, so contained resources are read
// from and written to the raw JSON.
//
// Input is read leniently where the standard lets a receiver be lenient
// (unknown extensions, extra identifiers, codings in systems it does not
// know beside one it does) and refused where honouring it would change the
// meaning: a modifierExtension, an intent that is not an order, dosage
// instructions that apply together (a split dose), a dose or timing the
// record cannot hold. Sequenced dosage instructions are one taper order.
// Every refusal is an *mar.Error whose Field is the FHIRPath expression of
// the element at fault, which the web layer returns as an
// OperationOutcome issue.
package fhir
