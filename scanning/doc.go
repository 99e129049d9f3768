// Package scanning turns what a barcode scanner produced into typed codes.
//
// Two inputs reach the bedside: text typed by a handheld scanner in
// keyboard-wedge mode, and images from a phone camera or an uploaded label.
// Parse normalises every textual form of the same pack (AIM symbology
// identifier or not, group separator sent as ASCII 29 or as a configured
// substitute, GS1 human-readable "(01)…" form, bare UPC/EAN digits) to one
// canonical form and returns a Code: GS1 element strings checked against the
// full Application Identifier table, the GTIN with the NDC inside it, HIBC
// supply labels, and the facility's wristband and staff badge formats
// (IDFormat). Decode and DecodeBytes read images with gozxing and hand the
// decoded text to the same parser.
//
// # Parsing
//
// The symbology identifier ("]d2", "]C1", "]Q3", "]E0", …) or a leading
// group separator decides what the data are: GS1 for the GS1 symbologies,
// a GTIN for EAN/UPC and ITF, and never a product code for the others
// ("]C0" Code 128, "]Q1" QR, "]d1" DataMatrix, …: a numeric wristband is
// not a UPC). Without one, the shape does (a leading "+" is HIBC, "(nn)" is
// GS1 HRI, a facility format, GTIN digits with a valid check digit, a GS1
// key such as AI 01 at the start); the facility's wristband and badge
// formats are tried before product codes unless ParseOptions.Expect asks
// for a product.
// Unless the channel is known to keep group separators
// (ParseOptions.TrustSeparators, decoded images, data with at least one
// separator or a leading FNC1), a scanner may have dropped them: every
// variable-length field may then end before any later text that reads as a
// valid element string. Parse enumerates those readings. When they agree on
// what the bedside checks (ParseOptions.CheckedAIs: the GTIN and other
// keys, the expiry, wristband identities, and the serial when asked) the
// first reading is returned and the elements that differ (a lot ending in
// "944", which may be lot "…9" and AI 94 "4") are listed in Code.Uncertain;
// otherwise the scan is refused with ErrMissingSeparator and
// ParseError.Conflicts naming the checked elements in conflict. Errors are *ParseError values naming the AI or field and the
// position in the original input, and wrap a sentinel for errors.Is.
//
// # Decoding
//
// gozxing has no multi-format reader; the decoder runs DataMatrix, QR,
// Code 128 (with ASSUME_GS1, or the FNC1 separators are lost),
// EAN-13/UPC-A (restricted to those two: EAN-8 and UPC-E are where false
// reads come from) and ITF-14 itself, on its own slice-backed luminance
// source. It tries a fixed sequence of attempts, cheapest first, and stops
// at the first trusted read. First, on the whole image: hybrid binarisation
// for 2D, PDF417 when sampled rows show its start and stop patterns, per-row
// histograms and the hybrid matrix for 1D, both orientations. Then an
// evidence map of the primary binarisation (cells of about a 48th of the
// short side: contrast, black/white transitions per row and per column,
// black fraction) decides what else is worth running. A frame with no
// cluster of barcode-like cells (a single straight edge, a box side or a
// corner is not one) ends there: an empty camera frame costs the first
// attempts and one pass over the matrix. Without module texture (transitions
// in both directions at a black fraction between print and solid blocks),
// the 2D fallbacks are skipped. With it, after crops around textured
// regions of the matrix, 2D symbols are looked for in proposals: compact, dense groups of module-texture cells, each cropped
// with a margin, turned upright by its module grid's angle (the gradient
// directions of module edges, taken modulo a quarter turn), upscaled when
// small, read as it is and then isolated (the group nearest the crop's
// centre grown to its quiet zone and copied onto a paper-coloured canvas,
// so that a pack edge or print touching the symbol does not stand in for
// the quiet zone), with the hybrid and the global binariser. This is what
// reads a DataMatrix or QR code turned at any angle among other labels'
// edges. The remaining fallbacks follow: scans along the dominant edge direction, the inverted image,
// pure-barcode mode, the global-histogram binariser, rows averaged against
// noise, a padded quiet zone, smaller scales, turned copies for 1D and
// PDF417, and, in images too small for the evidence map (under 200 pixels
// a side), the image turned by 45°, an upscaled copy and a grid of crops
// (in larger frames the proposals do this work on crops). A search budget
// (DecodeOptions.Budget, DefaultBudget 2 s) is checked between attempts:
// once spent, no attempt starts and the answer is ErrNoBarcode, so a
// pathological frame cannot hold a camera stream for seconds. Large
// frames are box-filtered to at most 2048 pixels a side first. A 1D read is
// trusted only when a second, independent attempt (another row, binariser,
// scale or angle) reads the same text and no rival text comes close. PDF417
// is read by internal/pdf417 (gozxing has none) after the first 1D pass,
// when sampled rows show its start and stop patterns, and once more from
// the global binarisation when everything else failed; a PDF417 symbol
// that is seen but cannot be read is answered with ErrUnsupportedSymbology
// rather than ErrNoBarcode. Panics inside gozxing are recovered.
//
// The package is a leaf: it imports only the standard library, gozxing and
// its own internal/pdf417,
// so that the rules about what a scan means can be tested without a database
// or a web server. Domain types carry no JSON tags; Report is the one wire
// shape, shared by the command line and the HTTP API.
//
// Test images are generated by testdata/gen.sh (zint, then
// internal/fixturegen); as camera frames of bedside codes with the
// degradations of a phone (testdata/photos, checked by TestDecodePhotos
// against testdata/photos/floor.tsv), by testdata/gen-photos.sh;
// testdata/clutter, cluttered turned pack photos and the same clutter
// without a symbol, by TestGenerateClutterCorpus (go test -run
// TestGenerateClutterCorpus -clutter.gen) from the zint renders;
// bench/decode-compare.sh compares the decoder with zxing-cpp on all of
// them or on any labelled set of photographs.
package scanning
