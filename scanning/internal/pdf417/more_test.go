package pdf417

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
)

func TestMacroPDF417Metadata(t *testing.T) {
	res, err := decodeImage(withQuietZone(loadImage(t, "macro_segment.png"), 10))
	if err != nil {
		t.Fatal(err)
	}
	m, ok := res.GetResultMetadata()[gozxing.ResultMetadataType_PDF417_EXTRA_METADATA].(*Macro)
	if !ok {
		t.Fatalf("no Macro PDF417 metadata: %v", res.GetResultMetadata())
	}
	// zint --structapp=2,3,4711: segment index 1 (from 0), 3 segments,
	// file ID 4711 as codewords, not the last segment.
	if m.SegmentIndex != 1 || m.SegmentCount != 3 || m.LastSegment {
		t.Fatalf("macro %+v, want segment index 1 of 3, not last", m)
	}
	if m.FileID == "" {
		t.Fatalf("macro %+v: no file ID", m)
	}
}

// TestDecodeWithoutQuietZone reads zint's PNGs as written: the symbol
// touches the image border.
func TestDecodeWithoutQuietZone(t *testing.T) {
	for _, s := range loadSamples(t) {
		res, err := decodeImage(loadImage(t, s.file))
		if err != nil || res.GetText() != s.text {
			t.Errorf("%s: %v %v", s.file, res, err)
		}
	}
}

// blot paints a light rectangle (from fractions of the image) over
// img, destroying the codewords under it.
func blot(img *image.Gray, x0, y0, x1, y1 float64) {
	b := img.Bounds()
	for y := int(y0 * float64(b.Dy())); y < int(y1*float64(b.Dy())); y++ {
		for x := int(x0 * float64(b.Dx())); x < int(x1*float64(b.Dx())); x++ {
			img.SetGray(x, y, color.Gray{255})
		}
	}
}

func TestDamagedSymbolsCorrected(t *testing.T) {
	for _, tc := range []struct {
		name, file     string
		x0, y0, x1, y1 float64
		ok             bool
	}{
		// level 5 (64 EC codewords), 12 columns: a stain over a
		// quarter of the data columns of the middle rows.
		{"stain within capacity", "level5_cols12.png", 0.35, 0.3, 0.6, 0.7, true},
		// default level 2 (8 EC codewords): a few codewords of one row.
		{"scratch within capacity", "text_band.png", 0.44, 0.3, 0.47, 0.6, true},
		// Most of the symbol gone: refused, not misread.
		{"beyond capacity", "text_band.png", 0.2, 0.0, 0.8, 1.0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := withQuietZone(loadImage(t, tc.file), 10)
			// Blot inside the symbol (the quiet zone offsets the fractions
			// slightly; the stain stays between the row indicators).
			blot(img, tc.x0, tc.y0, tc.x1, tc.y1)
			res, err := decodeImage(img)
			if !tc.ok {
				if err == nil {
					t.Fatalf("read %q from a destroyed symbol", res.GetText())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := "MRN:00123456|DOE^JANE|DOB:19800101"
			if res.GetText() != want {
				t.Fatalf("read %q, want %q", res.GetText(), want)
			}
			if c := res.GetResultMetadata()[gozxing.ResultMetadataType_OTHER]; c == "errors corrected: 0" {
				t.Fatalf("the damage corrected nothing: %v", c)
			}
		})
	}
}

// TestAgainstZXingCpp compares every sample with zxing-cpp's ZXingReader.
// It skips when ZXingReader is missing unless EMAR_TEST_REQUIRE_ZXING=1
// (scripts/test.sh sets it; scripts/ensure-tools.sh installs
// zxing-cpp-tools).
func TestAgainstZXingCpp(t *testing.T) {
	bin, err := exec.LookPath("ZXingReader")
	if err != nil {
		if os.Getenv("EMAR_TEST_REQUIRE_ZXING") == "1" {
			t.Fatal("EMAR_TEST_REQUIRE_ZXING=1 but ZXingReader is not installed (apt-get install zxing-cpp-tools)")
		}
		t.Skip("ZXingReader not installed")
	}
	samples := loadSamples(t)
	args := []string{"-1", "-escape"}
	for _, s := range samples {
		args = append(args, filepath.Join(testdataDir, s.file))
	}
	out, err := exec.Command(bin, args...).Output()
	if err != nil {
		t.Fatalf("ZXingReader: %v", err)
	}
	theirs := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		// FILE FORMAT "TEXT"
		f := strings.SplitN(line, " ", 3)
		if len(f) == 3 && f[1] == "PDF417" {
			theirs[filepath.Base(f[0])] = unescapeZXing(strings.Trim(f[2], `"`))
		}
	}
	ours, both := 0, 0
	for _, s := range samples {
		res, err := decodeImage(loadImage(t, s.file))
		z, zok := theirs[s.file]
		if err == nil {
			ours++
			if res.GetText() != s.text {
				t.Errorf("%s: we read %q, want %q", s.file, res.GetText(), s.text)
			}
		}
		if zok && z != s.text {
			t.Logf("%s: zxing-cpp reads %q", s.file, z)
		}
		if zok && err == nil && z == res.GetText() {
			both++
		}
		if zok && err != nil {
			t.Errorf("%s: zxing-cpp reads it, we do not: %v", s.file, err)
		}
	}
	t.Logf("read: ours %d, zxing-cpp %d, identical %d, of %d", ours, len(theirs), both, len(samples))
}

// unescapeZXing undoes ZXingReader -escape: <GS>, <U+XXXX>.
func unescapeZXing(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		if strings.HasPrefix(s, "<GS>") {
			b.WriteByte(0x1d)
			s = s[4:]
			continue
		}
		if strings.HasPrefix(s, "<U+") {
			if end := strings.IndexByte(s, '>'); end > 0 {
				var r rune
				ok := true
				for _, c := range s[3:end] {
					switch {
					case c >= '0' && c <= '9':
						r = r*16 + c - '0'
					case c >= 'A' && c <= 'F':
						r = r*16 + c - 'A' + 10
					default:
						ok = false
					}
				}
				if ok {
					b.WriteRune(r)
					s = s[end+1:]
					continue
				}
			}
		}
		b.WriteByte(s[0])
		s = s[1:]
	}
	return b.String()
}

func TestClusterOf(t *testing.T) {
	for _, tc := range []struct {
		widths [8]int
		want   int
	}{
		{[8]int{3, 1, 1, 1, 1, 1, 1, 8}, (3 - 1 + 1 - 1 + 9) % 9}, // not a symbol character, formula only
		{[8]int{5, 1, 1, 1, 1, 1, 1, 6}, (5 - 1 + 1 - 1) % 9},
		{[8]int{1, 1, 4, 1, 1, 1, 1, 7}, (1 - 4 + 1 - 1 + 9) % 9},
	} {
		if got := clusterOf(tc.widths); got != tc.want {
			t.Errorf("clusterOf(%v) = %d, want %d", tc.widths, got, tc.want)
		}
	}
	// Every table entry is a valid pattern of its cluster, and the three
	// clusters hold 929 distinct patterns each.
	seen := map[uint32]bool{}
	for c := range symbolTable {
		for v, p := range symbolTable[c] {
			if err := CheckPattern(p, 3*c); err != nil {
				t.Fatalf("cluster %d value %d: %v", 3*c, v, err)
			}
			if seen[p] {
				t.Fatalf("pattern %017b twice", p)
			}
			seen[p] = true
			if w, _ := widthsOf(p); patternOf(w) != p {
				t.Fatalf("widths round trip of %017b", p)
			}
		}
	}
}

func TestReedSolomon(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for level := 0; level <= 8; level++ {
		k := 1 << (level + 1)
		n := min(928, k+10+rng.IntN(100))
		data := make([]int, n-k)
		for i := range data {
			data[i] = rng.IntN(900)
		}
		data[0] = len(data)
		cw := append(append([]int(nil), data...), ECCodewords(data, level)...)
		limit := k - 2 // ISO/IEC 15438: erasures + 2×errors ≤ k-2
		for _, tc := range []struct {
			name             string
			errors, erasures int
			ok               bool
		}{
			{"clean", 0, 0, true},
			{"errors at capacity", limit / 2, 0, true},
			{"erasures at capacity", 0, limit, true},
			{"mixed at capacity", limit / 4, limit - 2*(limit/4), true},
			{"errors beyond capacity", limit/2 + 1, 0, false},
			{"erasures beyond capacity", 0, limit + 1, false},
		} {
			if tc.errors == 0 && tc.erasures == 0 && tc.name != "clean" {
				continue
			}
			got := append([]int(nil), cw...)
			pos := rng.Perm(n)
			var er []int
			for i, p := range pos[:tc.errors+tc.erasures] {
				got[p] = (got[p] + 1 + rng.IntN(928)) % 929
				if i >= tc.errors {
					er = append(er, p)
				}
			}
			fixed, err := correct(got, k, er)
			if !tc.ok {
				// Beyond capacity: refused, or (rarely, for errors) a
				// different valid codeword — never the original silently
				// "fixed" with a lie about it.
				if err == nil && equal(got, cw) {
					t.Errorf("level %d %s: corrected beyond capacity", level, tc.name)
				}
				if err == nil && tc.erasures > 0 {
					t.Errorf("level %d %s: accepted", level, tc.name)
				}
				continue
			}
			if err != nil {
				t.Errorf("level %d %s: %v", level, tc.name, err)
				continue
			}
			if !equal(got, cw) {
				t.Errorf("level %d %s: not restored", level, tc.name)
			}
			if fixed != tc.errors+tc.erasures {
				t.Errorf("level %d %s: %d corrected, want %d", level, tc.name, fixed, tc.errors+tc.erasures)
			}
		}
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// textCW packs base-30 text values two to a codeword (odd: padded with
// 29), as an encoder does.
func textCW(v ...int) []int {
	if len(v)%2 == 1 {
		v = append(v, 29)
	}
	var cw []int
	for i := 0; i < len(v); i += 2 {
		cw = append(cw, 30*v[i]+v[i+1])
	}
	return cw
}

func cat(parts ...[]int) []int {
	var out []int
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func TestHighLevel(t *testing.T) {
	// Values: alpha A=0…Z=25 sp=26 ll=27 ml=28 ps=29; lower a=0… as=27;
	// mixed 0–9=0–9 &=10 … pl=25 al=28; punct ;=0 … al=29.
	for _, tc := range []struct {
		name string
		cw   []int
		want string
	}{
		{"alpha", textCW(7, 4, 11, 11, 14), "HELLO"},
		{"lower latch and alpha shift", textCW(0, 27, 1, 27, 2, 3), "AbCd"},
		{"mixed latch and back", textCW(0, 28, 1, 2, 28, 1), "A12B"},
		{"punctuation shift from alpha", textCW(0, 29, 10, 1), "A!B"},
		{"punctuation latch from mixed", textCW(28, 25, 0, 3, 29, 2), ";@C"},
		{"pad after odd text then byte shift", cat(textCW(0), []int{913, 0xe9}, textCW(26)), "A\u00e9 "},
		{"text latch resets to alpha", cat(textCW(27, 0), []int{900}, textCW(0)), "aA"},
		{"numeric", []int{902, 1, 624, 434, 632, 282, 200}, "000213298174000"},
		{"byte 901 tail singles", []int{901, 'a', 'b', 'c', 'd', 'e'}, "abcde"},
		{"byte 924 groups", cat([]int{924}, ByteCompact([]byte("abcdef"))), "abcdef"},
		{"byte 901 group then single", cat([]int{901}, ByteCompact([]byte("abcdefg"))), "abcdefg"},
		{"byte Latin-1 default", []int{901, 0xfc}, "\u00fc"},
		{"ECI 26 UTF-8", []int{927, 26, 901, 0xc3, 0xbc}, "\u00fc"},
		{"general ECI skipped", cat([]int{926, 1, 2}, textCW(0)), "A"},
		{"text then numeric then text", cat(textCW(0), []int{902, 1, 624, 434, 632, 282, 200, 900}, textCW(1)), "A000213298174000B"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := decodeHighLevel(tc.cw)
			if err != nil {
				t.Fatal(err)
			}
			if d.Text != tc.want {
				t.Fatalf("got %q, want %q", d.Text, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		name string
		cw   []int
	}{
		{"byte shift at end", []int{913}},
		{"byte 924 not in groups of 5", []int{924, 1, 2, 3}},
		{"byte codeword over 255", []int{901, 300}},
		{"reserved codeword", []int{905}},
		{"terminator outside macro", []int{922}},
		{"unknown ECI", []int{927, 899, 1}},
		{"macro without index", []int{928, 1}},
	} {
		t.Run("refuses "+tc.name, func(t *testing.T) {
			if _, err := decodeHighLevel(tc.cw); !errors.Is(err, ErrFormat) {
				t.Fatalf("err = %v, want ErrFormat", err)
			}
		})
	}
}

func TestMacroBlock(t *testing.T) {
	// 928, segment index 3 ("00003" as numeric: 1 00003 = 100003 =
	// 111×900+103), file ID 017 053, file name "AB", segment count 4
	// (numeric: 14), last segment.
	cw := cat(textCW(0), []int{928, 111, 103, 17, 53, 923, 0}, textCW(0, 1), []int{923, 1, 14, 922})
	d, err := decodeHighLevel(cw)
	if err != nil {
		t.Fatal(err)
	}
	m := d.Macro
	if m == nil || m.SegmentIndex != 3 || m.FileID != "017053" || m.FileName != "AB" || m.SegmentCount != 4 || !m.LastSegment || d.Text != "A" {
		t.Fatalf("got %q %+v", d.Text, m)
	}
}

func TestDecodeCodewordsRoundTrip(t *testing.T) {
	// Byte-compacted data in a 6-row, 4-column level-1 symbol.
	data := []byte("\x00\xffBYTES")
	cw := cat([]int{0, 901}, ByteCompact(data))
	for len(cw) < 6*4-4 {
		cw = append(cw, 900)
	}
	cw[0] = len(cw)
	cw = append(cw, ECCodewords(cw, 1)...)
	s, err := DecodeCodewords(cw, 6, 4, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(s.Bytes, data) {
		t.Fatalf("bytes %q, want %q", s.Bytes, data)
	}
}
