package scanning

import (
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A patient-specific label's GS1 DataMatrix carries the four AIs the
// bedside reads: GTIN, expiry, lot and serial.
func TestGS1DataMatrixCarriesTheLabelAIs(t *testing.T) {
	text := "0100399100010003" + "17271231" + "10LOT-4711" + string(rune(GS)) + "21RX0A1B2C3D4E5F6G"
	img, err := Encode(FormatGS1DataMatrix, text, 200, 200)
	if err != nil {
		t.Fatal(err)
	}
	opts := DecodeOptions{Parse: DefaultParseOptions()}
	opts.Parse.Now = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	res, err := Decode(img, opts)
	if err != nil {
		t.Fatal(err)
	}
	c := res.Code
	if c == nil {
		t.Fatalf("not parsed: %v", res.ParseErr)
	}
	if c.GTIN != "00399100010003" || c.Lot != "LOT-4711" || c.Serial != "RX0A1B2C3D4E5F6G" || c.Expiry == nil || c.Expiry.String() != "2027-12-31" {
		t.Fatalf("parsed %+v", c)
	}
}

// zxing-cpp, an independent reader, reads the symbols the same: the
// encoder makes real GS1 DataMatrix, not something only our decoder
// accepts. It skips when ZXingReader is missing unless
// EMAR_TEST_REQUIRE_ZXING=1 (scripts/ensure-tools.sh installs it).
func TestGS1DataMatrixReadByZXingCpp(t *testing.T) {
	bin, err := exec.LookPath("ZXingReader")
	if err != nil {
		if os.Getenv("EMAR_TEST_REQUIRE_ZXING") == "1" {
			t.Fatal("EMAR_TEST_REQUIRE_ZXING=1 but ZXingReader is not installed (apt-get install zxing-cpp-tools)")
		}
		t.Skip("ZXingReader not installed")
	}
	gs := string(rune(GS))
	for _, text := range []string{
		"0100399100010003" + "17271231" + "10LOT-4711" + gs + "21RX0A1B2C3D4E5F6G",
		"0100399100010003" + "21123",
		"0100399100010003" + "17271231" + "10ABCDEFGHIJKLMNOPQRST" + gs + "21ABCDEFGHIJKLMNOPQRST",
	} {
		img, err := Encode(FormatGS1DataMatrix, text, 240, 240)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), "label.png")
		f, err := os.Create(file)
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(f, img); err != nil {
			t.Fatal(err)
		}
		f.Close()
		out, err := exec.Command(bin, "-1", "-escape", "-format", "DataMatrix", file).Output()
		if err != nil {
			t.Fatalf("ZXingReader: %v", err)
		}
		// FILE FORMAT "TEXT"; -escape writes GS as <GS>.
		line := strings.TrimSpace(string(out))
		f3 := strings.SplitN(line, " ", 3)
		if len(f3) != 3 || f3[1] != "DataMatrix" {
			t.Fatalf("ZXingReader: %q", line)
		}
		got := strings.ReplaceAll(strings.Trim(f3[2], `"`), "<GS>", gs)
		// zxing-cpp reports the FNC1 in first position as ]d2 in its
		// symbology, not in the text.
		if got != text {
			t.Errorf("zxing-cpp reads %q, want %q", got, text)
		}
		sym, err := exec.Command(bin, "-format", "DataMatrix", file).Output()
		if err != nil {
			t.Fatalf("ZXingReader: %v", err)
		}
		if !strings.Contains(string(sym), "]d2") {
			t.Errorf("zxing-cpp does not see GS1 (]d2):\n%s", sym)
		}
	}
}
