package web_test

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store/storetest"
	"github.com/emar-project/emar/scanning"
)

type dispenseAnswer struct {
	ID         string `json:"id"`
	ResidentID string `json:"resident_id"`
	GTIN       string `json:"gtin"`
	Lot        string `json:"lot"`
	Expiry     string `json:"expiry"`
	Serial     string `json:"serial"`
	LabelURL   string `json:"label_url"`
}

// dispenseFor has pharmacy dispense for the resident's order of the
// ingredient, with a lot and an expiry a year ahead.
func dispenseFor(t testing.TB, b *bed, ph *testenv.Client, r mar.Resident, ingredient, lot string) dispenseAnswer {
	t.Helper()
	o := b.order(r, ingredient, false)
	resp := ph.Do("POST", "/api/v1/dispenses", body{"order_id": o.ID, "quantity": 30, "lot": lot,
		"expiry": b.env.Clock.Now().AddDate(1, 0, 0).Format(time.DateOnly)}, nil)
	if resp.Status != http.StatusCreated {
		t.Fatalf("dispense: %d %s", resp.Status, resp.Body)
	}
	return decode[dispenseAnswer](t, resp)
}

// labelScan reads the label's DataMatrix from the served preview image
// with the project's decoder and returns the scan text a scanner sends
// (AIM identifier, then the element string).
func labelScan(t testing.TB, c *testenv.Client, d dispenseAnswer) (string, scanning.Result) {
	t.Helper()
	resp := c.Do("GET", "/api/v1/dispenses/"+d.ID+"/label.png", nil, nil)
	if resp.Status != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("label.png: %d %s %s", resp.Status, resp.Header.Get("Content-Type"), resp.Body)
	}
	img, err := png.Decode(bytes.NewReader(resp.Body))
	if err != nil {
		t.Fatal(err)
	}
	res, err := scanning.Decode(img, scanning.DecodeOptions{Parse: scanning.DefaultParseOptions()})
	if err != nil {
		t.Fatalf("our decoder cannot read the label: %v", err)
	}
	return res.Symbology + res.Text, res
}

// A dispense for a resident gets a serial; its label's DataMatrix, read
// back by the project's decoder and by zxing-cpp, is GS1 and carries the
// dispense's GTIN, expiry, lot and serial.
func TestDispenseLabelCarriesAReadableGS1DataMatrix(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBed(t, engine)
			ph := b.login("pharmacist")
			d := dispenseFor(t, b, ph, b.resident("Petrov"), "atorvastatin", "AT-2291")
			if !strings.HasPrefix(d.Serial, mar.LabelSerialPrefix) || d.LabelURL != "/api/v1/dispenses/"+d.ID+"/label.pdf" {
				t.Fatalf("dispense answer: %+v", d)
			}
			d2 := dispenseFor(t, b, ph, b.resident("Petrov"), "atorvastatin", "AT-2291")
			if d2.Serial == d.Serial {
				t.Fatalf("two dispenses share serial %s", d.Serial)
			}
			_, res := labelScan(t, ph, d)
			ours := res.Text
			c := res.Code
			if res.Format != "DATA_MATRIX" || res.Symbology != "]d2" || c == nil {
				t.Fatalf("read %s %s %q (%v)", res.Format, res.Symbology, res.Text, res.ParseErr)
			}
			if c.GTIN != d.GTIN || c.Lot != d.Lot || c.Serial != d.Serial || c.Expiry == nil || c.Expiry.String() != d.Expiry {
				t.Fatalf("label reads GTIN %s lot %s serial %s expiry %v; dispense %+v", c.GTIN, c.Lot, c.Serial, c.Expiry, d)
			}

			bin, err := exec.LookPath("ZXingReader")
			if err != nil {
				if os.Getenv("EMAR_TEST_REQUIRE_ZXING") == "1" {
					t.Fatal("EMAR_TEST_REQUIRE_ZXING=1 but ZXingReader is not installed")
				}
				t.Skip("ZXingReader not installed")
			}
			file := filepath.Join(t.TempDir(), "label.png")
			if err := os.WriteFile(file, ph.Do("GET", "/api/v1/dispenses/"+d.ID+"/label.png", nil, nil).Body, 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(bin, file).Output()
			if err != nil {
				t.Fatalf("ZXingReader: %v", err)
			}
			for _, want := range []string{"Identifier: ]d2", "Content:    GS1"} {
				if !strings.Contains(string(out), want) {
					t.Errorf("zxing-cpp's reading lacks %q:\n%s", want, out)
				}
			}
			// FILE FORMAT "TEXT", with GS escaped as <GS>.
			out, err = exec.Command(bin, "-1", "-escape", file).Output()
			if err != nil {
				t.Fatalf("ZXingReader: %v", err)
			}
			f := strings.SplitN(strings.TrimSpace(string(out)), " ", 3)
			if len(f) != 3 || strings.ReplaceAll(strings.Trim(f[2], `"`), "<GS>", "\x1d") != ours {
				t.Fatalf("zxing-cpp reads %q, we read %q", out, ours)
			}
		})
	}
}

var mediaBox = regexp.MustCompile(`/MediaBox \[0 0 ([0-9.]+) ([0-9.]+)\]`)

// The label PDF is one page of the chosen stock, and the DataMatrix on the
// printed page (rasterised at a label printer's 203 dpi) reads back.
func TestDispenseLabelPDFIsSizedForTheStock(t *testing.T) {
	b := newBed(t, "sqlite")
	ph := b.login("pharmacist")
	d := dispenseFor(t, b, ph, b.resident("Petrov"), "atorvastatin", "AT-77")
	for _, tc := range []struct {
		stock    string
		wPt, hPt float64
	}{{"", 288, 144}, {"4x2in", 288, 144}, {"89x36mm", 252.28, 102.05}} {
		t.Run("stock "+tc.stock, func(t *testing.T) {
			resp := ph.Do("GET", d.LabelURL+"?stock="+tc.stock, nil, nil)
			if resp.Status != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" {
				t.Fatalf("label.pdf: %d %s", resp.Status, resp.Body)
			}
			pdf := resp.Body
			if !bytes.HasPrefix(pdf, []byte("%PDF-1.")) || !bytes.Contains(pdf[len(pdf)-16:], []byte("%%EOF")) {
				t.Fatalf("not a PDF: %q…", pdf[:min(20, len(pdf))])
			}
			boxes := mediaBox.FindAllSubmatch(pdf, -1)
			if len(boxes) != 1 || bytes.Count(pdf, []byte("/Type /Page\n")) != 1 {
				t.Fatalf("want one page with one MediaBox, got %d boxes", len(boxes))
			}
			w, _ := strconv.ParseFloat(string(boxes[0][1]), 64)
			h, _ := strconv.ParseFloat(string(boxes[0][2]), 64)
			if diff(w, tc.wPt) > 0.1 || diff(h, tc.hPt) > 0.1 {
				t.Fatalf("page %.2f×%.2f pt, want %.2f×%.2f", w, h, tc.wPt, tc.hPt)
			}
			bin, err := exec.LookPath("pdftoppm")
			if err != nil {
				if os.Getenv("EMAR_TEST_REQUIRE_ZXING") == "1" {
					t.Fatal("EMAR_TEST_REQUIRE_ZXING=1 but pdftoppm is not installed (poppler-utils)")
				}
				t.Skip("pdftoppm not installed")
			}
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "label.pdf"), pdf, 0o600); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command(bin, "-r", "203", "-png", "-singlefile", filepath.Join(dir, "label.pdf"), filepath.Join(dir, "page")).CombinedOutput(); err != nil {
				t.Fatalf("pdftoppm: %v %s", err, out)
			}
			if os.Getenv("EMAR_TEST_KEEP_LABEL") != "" {
				_ = exec.Command("cp", filepath.Join(dir, "label.pdf"), filepath.Join(dir, "page.png"), os.Getenv("EMAR_TEST_KEEP_LABEL")).Run()
			}
			f, err := os.Open(filepath.Join(dir, "page.png"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			img, err := png.Decode(f)
			if err != nil {
				t.Fatal(err)
			}
			// A scanner is aimed at the symbol: the square at the label's
			// left, as high as the label.
			side := img.Bounds().Dy()
			sym := img.(interface {
				SubImage(image.Rectangle) image.Image
			}).SubImage(image.Rect(0, 0, side, side))
			res, err := scanning.Decode(sym, scanning.DecodeOptions{Parse: scanning.DefaultParseOptions()})
			if err != nil || res.Code == nil || res.Code.Serial != d.Serial {
				t.Fatalf("the printed symbol reads %q (%v)", res.Text, err)
			}
			// zxing-cpp finds it on the whole page, text and all.
			if z, err := exec.LookPath("ZXingReader"); err == nil {
				out, err := exec.Command(z, "-1", "-escape", filepath.Join(dir, "page.png")).Output()
				if err != nil || !strings.Contains(string(out), "<GS>21"+d.Serial) {
					t.Fatalf("zxing-cpp on the printed page: %q %v", out, err)
				}
			}
		})
	}
	t.Run("unknown stock", func(t *testing.T) {
		resp := ph.Do("GET", d.LabelURL+"?stock=a4", nil, nil)
		if resp.Status != http.StatusBadRequest || resp.Err(t).Error.Field != "stock" {
			t.Fatalf("%d %s", resp.Status, resp.Body)
		}
	})
	t.Run("ward stock has no label", func(t *testing.T) {
		p := b.product("Atorvastatin")
		resp := ph.Do("POST", "/api/v1/dispenses", body{"product_id": p.ID, "unit_id": b.resident("Petrov").UnitID, "quantity": 100}, nil)
		if resp.Status != http.StatusCreated {
			t.Fatalf("dispense: %d %s", resp.Status, resp.Body)
		}
		ward := decode[dispenseAnswer](t, resp)
		if ward.Serial != "" || ward.LabelURL != "" {
			t.Fatalf("ward stock got a label: %+v", ward)
		}
		if r := ph.Do("GET", "/api/v1/dispenses/"+ward.ID+"/label.pdf", nil, nil); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("ward stock label: %d %s", r.Status, r.Body)
		}
	})
	t.Run("a nurse cannot print", func(t *testing.T) {
		if r := b.login("nurse").Do("GET", d.LabelURL, nil, nil); r.Status != http.StatusForbidden {
			t.Fatalf("nurse: %d", r.Status)
		}
	})
}

func diff(a, b float64) float64 {
	if a > b {
		return a - b
	}
	return b - a
}

// A pack labelled for one resident, scanned at another resident's bedside,
// is refused as wrong patient although that resident has an order for the
// same drug; at its own resident's bedside it passes, and a pack whose
// serial no dispense carries (a manufacturer's serial) is an ordinary pack.
func TestLabelledPackOnAnotherResidentIsWrongPatient(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBed(t, engine)
			ph, nurse := b.login("pharmacist"), b.login("nurse")
			petrov, kowalski := b.resident("Petrov"), b.resident("Kowalski")
			// Kowalski has the same drug ordered and due now: without the
			// label, the pack would be given to her.
			b.dose(b.order(kowalski, "atorvastatin", false), b.env.Clock.Now(), time.Hour)
			d := dispenseFor(t, b, ph, petrov, "atorvastatin", "AT-5")
			scan, _ := labelScan(t, ph, d)

			for _, path := range []string{"/api/v1/bedside/verify", "/api/v1/administrations"} {
				ctx := scanWristband(t, nurse, kowalski)
				resp := nurse.Do("POST", path, body{"context_id": ctx, "scan": scan}, map[string]string{"Idempotency-Key": newKey()})
				if resp.Status != http.StatusUnprocessableEntity {
					t.Fatalf("%s on Kowalski: %d %s", path, resp.Status, resp.Body)
				}
				e := resp.Err(t).Error
				if e.Reason != mar.ReasonLabelOtherResident || !strings.Contains(e.Message, petrov.DisplayName()) || !strings.Contains(e.Message, "Do not give it") {
					t.Fatalf("%s: %s %q", path, e.Reason, e.Message)
				}
			}

			b.dose(b.order(petrov, "atorvastatin", false), b.env.Clock.Now(), time.Hour)
			ctx := scanWristband(t, nurse, petrov)
			resp := nurse.Do("POST", "/api/v1/bedside/verify", body{"context_id": ctx, "scan": scan}, nil)
			if resp.Status != http.StatusOK {
				t.Fatalf("own resident: %d %s", resp.Status, resp.Body)
			}
			if v := decode[verdict](t, resp); v.check("patient").Status == "fail" {
				t.Fatalf("own resident refused: %s", resp.Body)
			}

			manufacturer := fmt.Sprintf("]d201%s17%s10LOT9\x1d21%s", d.GTIN, b.env.Clock.Now().AddDate(1, 0, 0).Format("060102"), "RX0000000000000Q")
			ctx = scanWristband(t, nurse, kowalski)
			resp = nurse.Do("POST", "/api/v1/bedside/verify", body{"context_id": ctx, "scan": manufacturer}, nil)
			if resp.Status != http.StatusOK {
				t.Fatalf("unknown serial: %d %s", resp.Status, resp.Body)
			}
		})
	}
}
