// Package scanning turns what a barcode scanner produced into typed codes.
//
// Two inputs reach the bedside: text typed by a handheld scanner in
// keyboard-wedge mode, and images from a phone camera or an uploaded label.
// Parse normalises every textual form of the same pack (AIM symbology
// identifier or not, group separator sent as ASCII 29 or as a configured
// substitute, GS1 human-readable "(01)…" form, bare UPC/EAN digits) to one
// canonical form and returns a Code: GS1 element strings checked against the
// full Application Identifier table, the GTIN with the NDC inside it, HIBC
// supply labels, and the facility's wristband and staff badge formats.
// Decode and DecodeBytes read images with gozxing and hand the decoded text
// to the same parser.
//
// The package is a leaf: it imports only the standard library and gozxing,
// so that the rules about what a scan means can be tested without a database
// or a web server. Domain types carry no JSON tags; Report is the one wire
// shape, shared by the command line and the HTTP API.
package scanning
