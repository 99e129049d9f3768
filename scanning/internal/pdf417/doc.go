// Package pdf417 reads PDF417 symbols (ISO/IEC 15438) from a gozxing
// BitMatrix or BinaryBitmap and returns a gozxing.Result, so that it could
// be offered to gozxing, which has no PDF417 reader (its issue #28).
//
// What it follows: the standard's rules — start pattern 81111113 and stop
// pattern 711311121, 17-module symbol characters of 4 bars and 4 spaces in
// three clusters ((b1-b2+b3-b4+9) mod 9 = 0, 3, 6; row r uses 3×(r mod 3)),
// left and right row indicators carrying rows, columns and error
// correction level, modulo-929 Reed–Solomon with generator powers of 3,
// and the high-level encodation: text compaction (alpha, lower, mixed and
// punctuation submodes, latches and shifts, byte shift 913), byte
// compaction (901, 924: five base-900 codewords per six bytes), numeric
// compaction (902: base 900 to decimal with a leading 1), ECIs (927
// character sets through gozxing's CharacterSetECI; 926 and 925 skipped)
// and the Macro PDF417 control block (928, 923 optional fields, 922).
// The general structure — scan lines for start/stop patterns, read row
// indicators for the symbol's shape, let lines vote per (row, column),
// then error correction and high-level decoding — is the usual one of
// open-source decoders (zxing, zxing-cpp); the code and the tests are this
// package's own. The symbol-character table is not copied from any
// decoder: gen/main.go derives it from symbols drawn by zint and checks it
// (see table.go's header).
//
// Compact PDF417 (the standard's truncated form: no right row indicator,
// a stop pattern reduced to one bar a module wide) is read too: a line
// with a start pattern and no stop pattern is walked one 17-module symbol
// character at a time until a boundary where no character reads and a
// one-module bar meets a space wider than any within a character (or the
// end of the line); when the walk fails, the row's end is taken at that
// space and the character count fitted. The left row indicator alone then
// gives the row, and its three clusters the rows, columns and level. A
// compact symbol needs a quiet zone of more than six modules after its
// last bar, or the image's edge.
//
// Time is bounded: DecodeMatrixContext checks its context on every scan
// line (DecodeMatrix and Reader use DefaultTimeout), and the search for a
// stop pattern or a compact row's end never looks further than the widest
// symbol (30 data columns) from a start pattern.
//
// Error correction is as strict as the standard: erasures + 2×errors ≤
// k-2 for k error correction codewords, so that two codewords remain to
// detect a miscorrection; level 0 symbols are only checked, never
// corrected.
//
// Scan lines follow a symbol turned by a few degrees (shears up to about
// ±12°, the first one estimated from where the start pattern lies on
// successive lines; a change of cluster tells a line moved to the next
// row), upside down or by 90°, and inverted (light bars on a dark
// ground). Along a line, the module size may change (perspective): the
// characters' widths follow it from the start pattern's to the stop
// pattern's, each found where the previous one ended.
//
// Limits: other angles are left to the caller, who turns the image
// (scanning does, by 22.5° and 45°); a perspective that makes rows fan out
// strongly is read only as far as the row-following lines manage;
// MicroPDF417 (ISO/IEC 24728) is recognised (LooksLikeMicroPDF417) but
// not read — see micro.go for what is missing.
//
//go:generate go run ./gen
package pdf417
