package pdf417

import (
	"testing"

	"github.com/makiuchi-d/gozxing"
)

// FuzzDecodeMatrix reads a bit matrix built from the input: the first
// byte is the width in bytes (8 modules each), the rest the rows; each bit
// is repeated to 2×2 pixels so that symbol-like patterns can arise.
func FuzzDecodeMatrix(f *testing.F) {
	f.Add([]byte{2, 0xff, 0x54, 0x7a, 0xbc})
	// A zint symbol's rows (cols=2, level 1; "Ab"), from --dump.
	f.Add([]byte{13,
		0xFF, 0x54, 0x7A, 0xBC, 0x3D, 0x4F, 0x15, 0xC7, 0x0F, 0x57, 0x87, 0xF4, 0x52,
		0xFF, 0x54, 0x7D, 0x4C, 0x2B, 0xE3, 0x17, 0xEB, 0x0F, 0xD5, 0xC7, 0xF4, 0x52,
		0xFF, 0x54, 0x75, 0x7E, 0x32, 0x87, 0xD1, 0x84, 0xED, 0x4F, 0x87, 0xF4, 0x52,
		0xFF, 0x54, 0x57, 0x9E, 0x2F, 0x1E, 0x9D, 0x96, 0x0A, 0xF3, 0xC7, 0xF4, 0x52})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 2 || len(data) > 1<<14 {
			return
		}
		wb := int(data[0])%40 + 1
		rows := (len(data) - 1) / wb
		if rows == 0 {
			return
		}
		m, err := gozxing.NewBitMatrix(wb*8*2, rows*2)
		if err != nil {
			return
		}
		for y := 0; y < rows; y++ {
			for x := 0; x < wb*8; x++ {
				if data[1+y*wb+x/8]>>(7-uint(x%8))&1 == 1 {
					m.SetRegion(2*x, 2*y, 2, 2)
				}
			}
		}
		res, err := DecodeMatrix(m)
		if err == nil && res.GetBarcodeFormat() != gozxing.BarcodeFormat_PDF_417 {
			t.Fatal("wrong format")
		}
	})
}

// FuzzDecodeCodewords corrects and decodes codeword streams: pairs of
// bytes are codewords mod 929; the shape comes from the first bytes.
func FuzzDecodeCodewords(f *testing.F) {
	f.Add([]byte{3, 2, 1, 0, 5, 3, 133, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{0, 0, 0, 0x03, 0xa0, 0x00, 0x01, 0x03, 0x86})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 3 {
			return
		}
		var cw []int
		for i := 3; i+1 < len(data); i += 2 {
			cw = append(cw, (int(data[i])<<8|int(data[i+1]))%929)
		}
		// The high-level decoder alone, on any stream.
		_, _ = decodeHighLevel(cw)
		rows, level := int(data[0])%90+1, int(data[2])%9
		if len(cw) == 0 || len(cw)%rows != 0 {
			return
		}
		cols := len(cw) / rows
		s, err := DecodeCodewords(cw, rows, cols, level)
		if err == nil && s.Corrected > (1<<(level+1))/2 {
			t.Fatalf("corrected %d codewords with level %d", s.Corrected, level)
		}
	})
}
