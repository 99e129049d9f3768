package scanning

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/datamatrix"
	"github.com/makiuchi-d/gozxing/oned"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// hints is a gozxing hint map. gozxing tests hints by presence
// (`_, ok := hints[k]`), so a key is only ever added with a meaningful
// value, never with false.
type hints = map[gozxing.DecodeHintType]interface{}

var (
	hintsNone      = hints{}
	hintsPure      = hints{gozxing.DecodeHintType_PURE_BARCODE: true}
	hintsTryHarder = hints{gozxing.DecodeHintType_TRY_HARDER: true}
	// Code 128 drops every FNC1 unless told the data may be GS1; with the
	// hint a leading FNC1 becomes "]C1" and later ones ASCII 29.
	hintsCode128 = hints{gozxing.DecodeHintType_ASSUME_GS1: true}
	// EAN-8 and UPC-E are left out on purpose: on images without a barcode
	// they are where gozxing's false reads come from, and drug packs carry
	// EAN-13 or UPC-A. Listing UPC_A also makes gozxing report a 12-digit
	// UPC-A rather than a 13-digit EAN-13.
	hintsUPCEAN = hints{gozxing.DecodeHintType_POSSIBLE_FORMATS: []gozxing.BarcodeFormat{
		gozxing.BarcodeFormat_EAN_13, gozxing.BarcodeFormat_UPC_A}}
	// ITF has no checksum of its own and reads fragments of other patterns;
	// only ITF-14 (a GTIN-14 on cases) is accepted, and its check digit is
	// verified after reading.
	hintsITF = hints{gozxing.DecodeHintType_ALLOWED_LENGTHS: []int{14}}
)

// read is one decoded symbol before it is trusted.
type read struct {
	format gozxing.BarcodeFormat
	text   string // data without symbology prefix or leading FNC1
	sym    string
}

func (r read) key() string { return r.format.String() + "\x00" + r.text }

// fromResult extracts the data of a gozxing result in the package's form.
func fromResult(res *gozxing.Result) read {
	r := read{format: res.GetBarcodeFormat(), text: res.GetText()}
	if s, ok := res.GetResultMetadata()[gozxing.ResultMetadataType_SYMBOLOGY_IDENTIFIER].(string); ok {
		r.sym = s
	}
	switch r.format {
	case gozxing.BarcodeFormat_CODE_128:
		// With ASSUME_GS1 a leading FNC1 is reported inside the text.
		if t, ok := strings.CutPrefix(r.text, "]C1"); ok {
			r.text, r.sym = t, "]C1"
		}
		// When the check character's value is that of FNC1 (102), gozxing
		// with ASSUME_GS1 reports it as a trailing GS and does not strip
		// it; no FNC1 at the end of a symbol carries data.
		r.text = strings.TrimSuffix(r.text, "\x1d")
		// gozxing returns characters shifted by FNC4 as raw ISO 8859-1
		// bytes; Code 128's extended set is Latin-1, so convert it.
		if !utf8.ValidString(r.text) {
			r.text = latin1ToUTF8(r.text)
		}
	case gozxing.BarcodeFormat_DATA_MATRIX, gozxing.BarcodeFormat_QR_CODE:
		// GS1 DataMatrix reports the FNC1 in first position as a leading
		// GS; the symbology identifier already says the data are GS1.
		r.text = strings.TrimLeft(r.text, "\x1d")
	}
	return r
}

func latin1ToUTF8(s string) string {
	runes := make([]rune, len(s))
	for i := 0; i < len(s); i++ {
		runes[i] = rune(s[i])
	}
	return string(runes)
}

// matrixBinarizer hands a precomputed bit matrix to the 2D readers, so one
// binarisation serves several readers, its inversion and its crops.
type matrixBinarizer struct {
	src gozxing.LuminanceSource
	m   *gozxing.BitMatrix
}

func (b matrixBinarizer) GetLuminanceSource() gozxing.LuminanceSource { return b.src }
func (b matrixBinarizer) GetBlackRow(y int, row *gozxing.BitArray) (*gozxing.BitArray, error) {
	return b.m.GetRow(y, row), nil
}
func (b matrixBinarizer) GetBlackMatrix() (*gozxing.BitMatrix, error) { return b.m, nil }
func (b matrixBinarizer) CreateBinarizer(src gozxing.LuminanceSource) gozxing.Binarizer {
	return gozxing.NewHybridBinarizer(src)
}
func (b matrixBinarizer) GetWidth() int  { return b.m.GetWidth() }
func (b matrixBinarizer) GetHeight() int { return b.m.GetHeight() }

func bitmapOf(src gozxing.LuminanceSource, m *gozxing.BitMatrix) *gozxing.BinaryBitmap {
	bmp, _ := gozxing.NewBinaryBitmap(matrixBinarizer{src: src, m: m})
	return bmp
}

// safeDecode runs a gozxing reader, turning a panic inside it into an error:
// gozxing is a port of Java code that indexes arrays freely, and a corrupt
// image must not take the service down.
func safeDecode(fn func() (*gozxing.Result, error)) (res *gozxing.Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			res, err = nil, &readerPanic{p}
		}
	}()
	return fn()
}

type readerPanic struct{ v any }

func (p *readerPanic) Error() string { return fmt.Sprintf("gozxing panic: %v", p.v) }

// twoDMode selects which 2D readers run and how.
type twoDMode int

const (
	modeFull   twoDMode = iota // DataMatrix, then QR trying harder
	modeFast                   // DataMatrix, then QR at normal effort
	modePure                   // both readers assume a pure, cropped symbol
	modeDMOnly                 // DataMatrix only: QR's finder search is global anyway
)

// twoD decodes DataMatrix, then QR, from a binarised matrix.
func twoD(src gozxing.LuminanceSource, m *gozxing.BitMatrix, mode twoDMode) (read, bool, error) {
	bmp := bitmapOf(src, m)
	dmHints, qrHints := hintsNone, hintsTryHarder
	switch mode {
	case modePure:
		dmHints, qrHints = hintsPure, hintsPure
	case modeFast:
		qrHints = hintsNone
	}
	var firstErr error
	res, err := safeDecode(func() (*gozxing.Result, error) {
		return datamatrix.NewDataMatrixReader().Decode(bmp, dmHints)
	})
	if err == nil {
		return fromResult(res), true, nil
	}
	if _, ok := err.(*readerPanic); ok {
		firstErr = err
	}
	if mode == modeDMOnly {
		return read{}, false, firstErr
	}
	res, err = safeDecode(func() (*gozxing.Result, error) {
		return qrcode.NewQRCodeReader().Decode(bmp, qrHints)
	})
	if err == nil {
		return fromResult(res), true, nil
	}
	if _, ok := err.(*readerPanic); ok && firstErr == nil {
		firstErr = err
	}
	return read{}, false, firstErr
}

// rowReader is a 1D reader with the hints it runs with.
type rowReader struct {
	dec   oned.RowDecoder
	hints hints
	// minRuns is how many bars and spaces the shortest symbol the reader
	// accepts has, less some slack: a row whose longest stretch of runs
	// after (or before) a quiet zone is shorter is not given to it.
	minRuns int
}

// newRowReaders builds the 1D readers: fresh per decode, because gozxing's
// readers keep per-call state and are not safe for concurrent use.
func newRowReaders() []rowReader {
	return []rowReader{
		// Start, one character, check character, stop: 25 runs.
		{oned.NewCode128Reader().(oned.RowDecoder), hintsCode128, 22},
		// EAN-13 and UPC-A: 59 runs.
		{oned.NewMultiFormatUPCEANReader(hintsUPCEAN).(oned.RowDecoder), hintsUPCEAN, 45},
		// ITF-14: start, 14 digits of 5 runs, stop: 77 runs.
		{oned.NewITFReader().(oned.RowDecoder), hintsITF, 60},
	}
}

// acceptable filters reads a reader accepted but the package does not trust.
func acceptable(r read) bool {
	switch r.format {
	case gozxing.BarcodeFormat_ITF:
		return len(r.text) == 14 && validMod10(r.text)
	case gozxing.BarcodeFormat_EAN_13, gozxing.BarcodeFormat_UPC_A:
		return validMod10(r.text)
	case gozxing.BarcodeFormat_CODE_128:
		return r.text != ""
	}
	return true
}
