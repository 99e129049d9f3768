package scanning

import (
	"errors"
	"testing"
	"time"
)

// What Encode draws, Decode reads back: the same text, the symbology
// identifier that says GS1 where it should, and the parsed code.
func TestEncodeDecodesBack(t *testing.T) {
	gs := string(rune(GS))
	tests := []struct {
		name, format, text  string
		wantFormat, wantSym string
		wantKind            Kind
	}{
		{"wristband as Code 128", FormatCode128, "MRN00100001", "CODE_128", "]C0", KindWristband},
		{"badge as Code 128", FormatCode128, "EMP01001", "CODE_128", "]C0", KindBadge},
		// The check character of this one has FNC1's value.
		{"badge whose check character is FNC1", FormatCode128, "EMP01005", "CODE_128", "]C0", KindBadge},
		{"pack as GS1-128 with a lot before the expiry", FormatGS1_128, "01003991000100031" + "0LOT-4711" + gs + "17271231", "CODE_128", "]C1", KindGS1},
		{"pack as GS1-128 ending in a lot", FormatGS1_128, "0100399100010003" + "17271231" + "10A1B2C3", "CODE_128", "]C1", KindGS1},
		{"pack as GS1 QR", FormatGS1QR, "0100399100010003" + "10LOT-4711" + gs + "17271231", "QR_CODE", "]Q3", KindGS1},
		{"wristband as QR", FormatQR, "MRN00100001", "QR_CODE", "]Q1", KindWristband},
		{"wristband as DataMatrix", FormatDataMatrix, "MRN00100001", "DATA_MATRIX", "]d1", KindWristband},
		{"patient-specific label as GS1 DataMatrix", FormatGS1DataMatrix, "0100399100010003" + "17271231" + "10LOT-4711" + gs + "21RX0A1B2C3D4E5F6G", "DATA_MATRIX", "]d2", KindGS1},
		{"GS1 DataMatrix with an odd run of digits", FormatGS1DataMatrix, "0100399100010003" + "21123", "DATA_MATRIX", "]d2", KindGS1},
		{"GS1 DataMatrix that needs a bigger symbol", FormatGS1DataMatrix, "0100399100010003" + "17271231" + "10ABCDEFGHIJKLMNOPQRST" + gs + "21ABCDEFGHIJKLMNOPQRST", "DATA_MATRIX", "]d2", KindGS1},
	}
	opts := DecodeOptions{Parse: DefaultParseOptions()}
	opts.Parse.Now = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := Encode(tt.format, tt.text, 300, 120)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if b := img.Bounds(); b.Dx() < 300 || b.Dy() < 120 {
				t.Errorf("image is %v, asked for at least 300×120", b)
			}
			res, err := Decode(img, opts)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if res.Text != tt.text || res.Format != tt.wantFormat || res.Symbology != tt.wantSym {
				t.Fatalf("decoded %q as %s %s, want %q as %s %s", res.Text, res.Format, res.Symbology, tt.text, tt.wantFormat, tt.wantSym)
			}
			if res.ParseErr != nil || res.Code == nil || res.Code.Kind != tt.wantKind {
				t.Fatalf("parsed as %+v (%v), want kind %s", res.Code, res.ParseErr, tt.wantKind)
			}
		})
	}
}

func TestEncodeRefusesWhatItCannotDraw(t *testing.T) {
	tests := []struct{ name, format, text string }{
		{"empty text", FormatCode128, ""},
		{"unknown format", "AZTEC", "MRN00100001"},
		{"control character in Code 128", FormatCode128, "MRN\x1d001"},
		{"GS1 data without an AI", FormatGS1_128, "LOT"},
		{"GS1 data in DataMatrix", FormatDataMatrix, "0100399100010003" + "10LOT\x1d17271231"},
		{"non-ASCII in GS1 data", FormatGS1QR, "10LÖT"},
		{"GS1 DataMatrix without an AI", FormatGS1DataMatrix, "LOT"},
		{"non-ASCII in GS1 DataMatrix", FormatGS1DataMatrix, "10LÖT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Encode(tt.format, tt.text, 0, 0); !errors.Is(err, ErrEncode) {
				t.Fatalf("Encode(%s, %q): %v, want ErrEncode", tt.format, tt.text, err)
			}
		})
	}
}
