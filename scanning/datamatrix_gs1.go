package scanning

import (
	"fmt"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/datamatrix/encoder"
)

// Data Matrix ECC 200 codewords of the ASCII encodation (ISO/IEC 16022
// §5.2.3) that a GS1 element string needs.
const (
	dmFNC1 = 232 // FNC1: in first position it marks GS1 data; later, the separator
	dmPad  = 129 // the first pad codeword
)

// encodeGS1DataMatrix draws a GS1 element string (GS after each variable-
// length field that is not last) as a square GS1 DataMatrix, one pixel per
// module, without quiet zone. gozxing's DataMatrix writer has no FNC1, so
// the data codewords are made here in ASCII encodation (FNC1, digit pairs,
// one codeword per other character); gozxing then adds the Reed-Solomon
// error correction and places the modules, as its writer does.
func encodeGS1DataMatrix(text string) (*gozxing.BitMatrix, error) {
	cw := []byte{dmFNC1}
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c >= '0' && c <= '9' && i+1 < len(text) && text[i+1] >= '0' && text[i+1] <= '9':
			cw = append(cw, byte(130+int(c-'0')*10+int(text[i+1]-'0')))
			i++
		case c == GS:
			cw = append(cw, dmFNC1)
		case c < 128:
			cw = append(cw, c+1)
		default:
			return nil, fmt.Errorf("scanning: %w: GS1 DataMatrix here takes ASCII only", ErrEncode)
		}
	}
	info, err := encoder.SymbolInfo_Lookup(len(cw), encoder.SymbolShapeHint_FORCE_SQUARE, nil, nil, true)
	if err != nil {
		return nil, fmt.Errorf("scanning: %w: %v", ErrEncode, err)
	}
	if n := info.GetDataCapacity(); len(cw) < n {
		cw = append(cw, dmPad)
		for len(cw) < n {
			cw = append(cw, randomize253(len(cw)+1))
		}
	}
	full, err := encoder.ErrorCorrection_EncodeECC200(cw, info)
	if err != nil {
		return nil, fmt.Errorf("scanning: %w: %v", ErrEncode, err)
	}
	p := encoder.NewDefaultPlacement(full, info.GetSymbolDataWidth(), info.GetSymbolDataHeight())
	p.Place()
	return dmModules(p, info)
}

// randomize253 is the pad codewords' 253-state randomising algorithm
// (ISO/IEC 16022 Annex B.1); pos counts codewords from 1.
func randomize253(pos int) byte {
	v := dmPad + (149*pos)%253 + 1
	if v > 254 {
		v -= 254
	}
	return byte(v)
}

// dmModules lays the data regions out with their finder patterns (solid
// left and bottom edges, alternating top and right edges).
func dmModules(p *encoder.DefaultPlacement, info *encoder.SymbolInfo) (*gozxing.BitMatrix, error) {
	m, err := gozxing.NewBitMatrix(info.GetSymbolWidth(), info.GetSymbolHeight())
	if err != nil {
		return nil, fmt.Errorf("scanning: %w: %v", ErrEncode, err)
	}
	mw, mh := info.GetMatrixWidth(), info.GetMatrixHeight()
	my := 0
	for y := 0; y < info.GetSymbolDataHeight(); y++ {
		if y%mh == 0 { // top edge of a region: alternating
			for x := 0; x < info.GetSymbolWidth(); x++ {
				if x%2 == 0 {
					m.Set(x, my)
				}
			}
			my++
		}
		mx := 0
		for x := 0; x < info.GetSymbolDataWidth(); x++ {
			if x%mw == 0 { // left edge: solid
				m.Set(mx, my)
				mx++
			}
			if p.GetBit(x, y) {
				m.Set(mx, my)
			}
			mx++
			if x%mw == mw-1 { // right edge: alternating
				if y%2 == 0 {
					m.Set(mx, my)
				}
				mx++
			}
		}
		my++
		if y%mh == mh-1 { // bottom edge: solid
			for x := 0; x < info.GetSymbolWidth(); x++ {
				m.Set(x, my)
			}
			my++
		}
	}
	return m, nil
}
