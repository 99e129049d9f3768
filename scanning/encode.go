package scanning

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"strings"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/datamatrix"
	"github.com/makiuchi-d/gozxing/oned"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// The symbologies Encode draws. The names match Result.Format, except the
// two GS1 variants, which decode as CODE_128 and QR_CODE with the GS1
// symbology identifiers ]C1 and ]Q3.
const (
	FormatCode128    = "CODE_128"    // wristbands, badges: printable ASCII
	FormatGS1_128    = "GS1_128"     // a GS1 element string as GS1-128 (Code 128 with FNC1)
	FormatQR         = "QR_CODE"     // any text
	FormatGS1QR      = "GS1_QR"      // a GS1 element string as GS1 QR Code (FNC1 in first position)
	FormatDataMatrix = "DATA_MATRIX" // text only: gozxing's writer cannot mark GS1 data (no FNC1)
	// FormatGS1DataMatrix is a GS1 element string as GS1 DataMatrix (ECC 200
	// with FNC1 in first position, FNC1 as separator); it decodes as
	// DATA_MATRIX with the symbology identifier ]d2.
	FormatGS1DataMatrix = "GS1_DATA_MATRIX"
)

// ErrEncode: the text cannot be drawn in the requested symbology.
var ErrEncode = errors.New("cannot encode")

// fnc1 is how gozxing's Code 128 writer is asked for the FNC1 character.
const fnc1 = "\u00f1"

// Encode draws text as a barcode image, black on white with a quiet zone,
// at least w×h pixels (0 asks for the smallest size; a symbol never gets
// fewer pixels than it needs, and modules are whole pixels). For the GS1
// formats, text is a GS1 element string without symbology identifier, with
// ASCII 29 (GS) after each variable-length field that is not last, as
// Result.Text and Code.Canonical hold it.
func Encode(format, text string, w, h int) (image.Image, error) {
	if text == "" {
		return nil, fmt.Errorf("scanning: %w: no text", ErrEncode)
	}
	if w < 0 || h < 0 {
		return nil, fmt.Errorf("scanning: %w: negative size %d×%d", ErrEncode, w, h)
	}
	var (
		m   *gozxing.BitMatrix
		err error
	)
	hints := map[gozxing.EncodeHintType]any{}
	switch format {
	case FormatCode128:
		if strings.ContainsFunc(text, func(r rune) bool { return r < ' ' || r > '~' }) {
			return nil, fmt.Errorf("scanning: %w: Code 128 here takes printable ASCII only", ErrEncode)
		}
		m, err = oned.NewCode128Writer().Encode(text, gozxing.BarcodeFormat_CODE_128, w, h, hints)
	case FormatGS1_128:
		if err := checkGS1Text(text); err != nil {
			return nil, err
		}
		// FNC1 first marks GS1 data; inside, FNC1 is the separator.
		data := fnc1 + strings.ReplaceAll(text, string(rune(GS)), fnc1)
		m, err = oned.NewCode128Writer().Encode(data, gozxing.BarcodeFormat_CODE_128, w, h, hints)
	case FormatQR, FormatGS1QR:
		if format == FormatGS1QR {
			if err := checkGS1Text(text); err != nil {
				return nil, err
			}
			hints[gozxing.EncodeHintType_GS1_FORMAT] = true
		}
		hints[gozxing.EncodeHintType_MARGIN] = 4
		m, err = qrcode.NewQRCodeWriter().Encode(text, gozxing.BarcodeFormat_QR_CODE, w, h, hints)
	case FormatDataMatrix:
		if strings.IndexByte(text, GS) >= 0 {
			return nil, fmt.Errorf("scanning: %w: this DataMatrix writer has no FNC1 for GS1 data; use GS1_128 or GS1_QR", ErrEncode)
		}
		m, err = datamatrix.NewDataMatrixWriter().Encode(text, gozxing.BarcodeFormat_DATA_MATRIX, 0, 0, hints)
		if err == nil {
			return scaleMatrix(m, w, h, 2), nil
		}
	case FormatGS1DataMatrix:
		if err := checkGS1Text(text); err != nil {
			return nil, err
		}
		m, err = encodeGS1DataMatrix(text)
		if err == nil {
			return scaleMatrix(m, w, h, 2), nil
		}
	default:
		return nil, fmt.Errorf("scanning: %w: unknown format %q", ErrEncode, format)
	}
	if err != nil {
		return nil, fmt.Errorf("scanning: %w: %v", ErrEncode, err)
	}
	return toGray(m), nil
}

// checkGS1Text refuses what is not a GS1 element string in digits and
// GS1's character set; the decoder then reports the AIs back.
func checkGS1Text(text string) error {
	if len(text) < 4 || text[0] < '0' || text[0] > '9' || text[1] < '0' || text[1] > '9' {
		return fmt.Errorf("scanning: %w: a GS1 element string starts with an Application Identifier", ErrEncode)
	}
	if strings.ContainsFunc(text, func(r rune) bool { return (r < ' ' && r != GS) || r > '~' }) {
		return fmt.Errorf("scanning: %w: GS1 data holds printable ASCII and GS separators only", ErrEncode)
	}
	return nil
}

// toGray copies a bit matrix into an 8-bit grey image.
func toGray(m *gozxing.BitMatrix) *image.Gray {
	w, h := m.GetWidth(), m.GetHeight()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if !m.Get(x, y) {
				img.Pix[y*img.Stride+x] = 0xff
			}
		}
	}
	return img
}

// scaleMatrix draws a symbol given at one pixel per module with a quiet
// zone of quiet modules around it, scaled by a whole factor to reach at
// least w×h.
func scaleMatrix(m *gozxing.BitMatrix, w, h, quiet int) *image.Gray {
	mw, mh := m.GetWidth()+2*quiet, m.GetHeight()+2*quiet
	scale := max(1, w/mw, h/mh)
	if mw*scale < w || mh*scale < h {
		scale++
	}
	img := image.NewGray(image.Rect(0, 0, mw*scale, mh*scale))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for y := 0; y < m.GetHeight(); y++ {
		for x := 0; x < m.GetWidth(); x++ {
			if !m.Get(x, y) {
				continue
			}
			for dy := 0; dy < scale; dy++ {
				for dx := 0; dx < scale; dx++ {
					img.SetGray((x+quiet)*scale+dx, (y+quiet)*scale+dy, color.Gray{Y: 0})
				}
			}
		}
	}
	return img
}
