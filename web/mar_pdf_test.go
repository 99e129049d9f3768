package web_test

import (
	"bytes"
	"compress/zlib"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/demo"
	"github.com/emar-project/emar/mar/store/storetest"
)

// pdfDoc is what the tests read back from a PDF: its pages' media box and
// the text each page's content stream shows.
type pdfDoc struct {
	MediaBoxes []string
	Pages      [][]string
}

var (
	pdfPageObj  = regexp.MustCompile(`/Type /Page\b[^s]`)
	pdfMediaBox = regexp.MustCompile(`/MediaBox \[([^\]]*)\]`)
	pdfStream   = regexp.MustCompile(`(?s)/Length \d+ ?>>\nstream\n(.*?)\nendstream`)
	pdfShowText = regexp.MustCompile(`\(((?:\\.|[^\\)])*)\)\s*Tj`)
)

// readPDF parses what fpdf writes: one object per page followed by its
// (Flate-compressed) content stream. Fonts are the core ones, so the
// streams are the pages' contents, in order.
func readPDF(t *testing.T, b []byte) pdfDoc {
	t.Helper()
	if p := os.Getenv("EMAR_TEST_PDF_DIR"); p != "" {
		_ = os.WriteFile(filepath.Join(p, strings.ReplaceAll(t.Name(), "/", "_")+".pdf"), b, 0o644)
	}
	if !bytes.HasPrefix(b, []byte("%PDF-")) || !bytes.Contains(b[max(0, len(b)-64):], []byte("%%EOF")) {
		t.Fatalf("not a PDF: %.40q", b)
	}
	var d pdfDoc
	for _, m := range pdfMediaBox.FindAllSubmatch(b, -1) {
		d.MediaBoxes = append(d.MediaBoxes, string(m[1]))
	}
	pages := len(pdfPageObj.FindAll(b, -1))
	for _, m := range pdfStream.FindAllSubmatch(b, -1) {
		zr, err := zlib.NewReader(bytes.NewReader(m[1]))
		if err != nil {
			continue // not a compressed content stream
		}
		content, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("stream: %v", err)
		}
		if !bytes.Contains(content, []byte("Tj")) {
			continue
		}
		var texts []string
		for _, tm := range pdfShowText.FindAllSubmatch(content, -1) {
			s := cp1252(tm[1])
			s = strings.NewReplacer(`\\`, `\`, `\(`, `(`, `\)`, `)`).Replace(s)
			texts = append(texts, s)
		}
		d.Pages = append(d.Pages, texts)
	}
	if len(d.Pages) != pages {
		t.Fatalf("%d page objects but %d content streams with text", pages, len(d.Pages))
	}
	return d
}

// cp1252 decodes the core fonts' encoding (Latin-1 but for a few
// punctuation marks in 0x80–0x9F).
func cp1252(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		switch c {
		case 0x85:
			sb.WriteRune('…')
		case 0x96:
			sb.WriteRune('–')
		case 0x97:
			sb.WriteRune('—')
		default:
			sb.WriteRune(rune(c))
		}
	}
	return sb.String()
}

// pageHas reports whether a page shows the text, in one piece or wrapped
// over lines (its text operators joined by spaces).
func (d pdfDoc) pageHas(i int, want string) bool {
	return strings.Contains(strings.Join(d.Pages[i], " "), want)
}

func (d pdfDoc) count(exact string) int {
	n := 0
	for _, p := range d.Pages {
		for _, s := range p {
			if s == exact {
				n++
			}
		}
	}
	return n
}

// The MAR as a PDF for surveyors: a 31-day month of a resident with 20
// orders is paginated on landscape Letter and A4, every page carrying the
// resident's name, MRN and allergies, the day headers 1–31, the key and
// "Page i of n"; every order is on it; the days beyond the dose horizon
// are marked projected; a period longer than 31 days continues on further
// pages; the read is audited; bad parameters are refused naming the field.
func TestMARPDFForSurveyors(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			start := month31(mustZone("America/New_York"))
			env := testenv.Start(t, engine, testenv.Options{Now: start})
			abbott := demo.BuildSheet(env.Clock.Now()).Residents[0]
			nurse, charge, ph, admin := env.Login(t, "nurse"), env.Login(t, "charge"), env.Login(t, "pharmacist"), env.Login(t, "admin")
			var wb struct {
				Resident struct {
					ID string `json:"id"`
				} `json:"resident"`
			}
			if st := nurse.JSON("POST", "/api/v1/bedside/wristband", map[string]string{"scan": abbott.Wristband.Typed}, &wb); st != http.StatusOK {
				t.Fatalf("wristband: %d", st)
			}
			rid := wb.Resident.ID
			var res mar.Resident
			if err := env.Store.InTx(context.Background(), func(tx mar.Tx) error {
				var err error
				res, err = tx.GetResident(rid)
				return err
			}); err != nil || len(res.Allergies) == 0 {
				t.Fatalf("resident: %v %+v", err, res)
			}
			products := []struct {
				name string
				dose float64
				unit string
			}{
				{"Donepezil", 5, "mg"}, {"Sertraline", 50, "mg"}, {"Sennosides", 8.6, "mg"}, {"Docusate", 100, "mg"}, {"Cholecalciferol", 1000, "units"},
				{"Tamsulosin", 0.4, "mg"}, {"Prednisone", 10, "mg"}, {"Carbidopa", 100, "mg"}, {"Cephalexin", 500, "mg"},
			}
			freqs := []string{"daily at 08:00", "BID", "TID", "q8h", "every other day at 10:00", "weekly on Mon at 09:00", "daily at 21:00", "QID"}
			var orders struct {
				Items []struct {
					ID string `json:"id"`
				} `json:"items"`
			}
			ph.JSON("GET", "/api/v1/orders?resident_id="+rid, nil, &orders)
			for i := len(orders.Items); i < 20; i++ {
				p := products[i%len(products)]
				body := map[string]any{"resident_id": rid, "product_id": productID(t, ph, p.name), "dose_value": p.dose, "dose_unit": p.unit,
					"route": "oral", "frequency": freqs[i%len(freqs)], "prescriber": "Dr Whitfield", "instructions": fmt.Sprintf("print test order %d", i+1)}
				if r := ph.Do("POST", "/api/v1/orders", body, nil); r.Status != http.StatusCreated {
					t.Fatalf("order %d: %d %s", i+1, r.Status, r.Body)
				}
			}
			if _, err := env.Svc.Materialize(context.Background()); err != nil {
				t.Fatalf("materialise: %v", err)
			}
			path := "/api/v1/residents/" + rid + "/mar.pdf"
			month := "from=" + start.Format(time.DateOnly) + "&to=" + start.AddDate(0, 0, 30).Format(time.DateOnly)

			pagesOf := map[string]int{}
			for _, paper := range []struct{ name, box string }{{"letter", "0 0 792.00 612.00"}, {"a4", "0 0 841.89 595.28"}} {
				t.Run(paper.name, func(t *testing.T) {
					resp := charge.Do("GET", path+"?"+month+"&paper="+paper.name, nil, nil)
					if resp.Status != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" {
						t.Fatalf("%d %s %.200s", resp.Status, resp.Header.Get("Content-Type"), resp.Body)
					}
					if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, ".pdf") || !strings.Contains(cd, start.Format("20060102")) {
						t.Errorf("Content-Disposition %q", cd)
					}
					d := readPDF(t, resp.Body)
					n := len(d.Pages)
					pagesOf[paper.name] = n
					// About 45 lines of 6 mm: more than one page, far fewer than one per order.
					if n < 2 || n > 6 {
						t.Fatalf("%d pages for 31 days × 20 orders", n)
					}
					for _, box := range d.MediaBoxes {
						if box != paper.box {
							t.Errorf("media box %q, want landscape %s %q", box, paper.name, paper.box)
						}
					}
					for i := range d.Pages {
						for _, want := range []string{res.DisplayName(), "MRN " + res.MRN, "Allergies: " + res.Allergies[0].Substance, "Key:", "projected from the order",
							fmt.Sprintf("Page %d of %d", i+1, n), "Medication", start.Format("January 2006")} {
							if !d.pageHas(i, want) {
								t.Errorf("page %d lacks %q", i+1, want)
							}
						}
						days := map[string]bool{}
						for _, s := range d.Pages[i] {
							days[s] = true
						}
						for day := 1; day <= 31; day++ {
							if !days[fmt.Sprint(day)] {
								t.Errorf("page %d lacks the header of day %d", i+1, day)
							}
						}
					}
					for i := range 20 {
						found := false
						for p := range d.Pages {
							found = found || d.pageHas(p, fmt.Sprintf("print test order %d", i+1))
						}
						if !found {
							t.Errorf("order %d is not in the PDF", i+1)
						}
					}
					// The horizon is 48 hours: most of the month is projected.
					if p := d.count("P"); p < 20*20 {
						t.Errorf("%d projected marks, want the rest of the month for 20 orders", p)
					}
				})
			}

			t.Run("a period longer than 31 days continues on further pages", func(t *testing.T) {
				resp := charge.Do("GET", path+"?from="+start.Format(time.DateOnly)+"&to="+start.AddDate(0, 0, 44).Format(time.DateOnly), nil, nil)
				if resp.Status != http.StatusOK {
					t.Fatalf("%d %s", resp.Status, resp.Body)
				}
				d := readPDF(t, resp.Body)
				if len(d.Pages) <= pagesOf["letter"] {
					t.Errorf("45 days on %d pages, a month on %d", len(d.Pages), pagesOf["letter"])
				}
				last := d.Pages[len(d.Pages)-1]
				if !d.pageHas(len(d.Pages)-1, res.DisplayName()) || len(last) == 0 {
					t.Errorf("the last page lacks the resident")
				}
				// The second block's pages name their dates: its headers are days of another month.
				second := start.AddDate(0, 0, 31).Format("2 January 2006") + " – " + start.AddDate(0, 0, 44).Format("2 January 2006")
				if !d.pageHas(len(d.Pages)-1, second) {
					t.Errorf("the last page does not name its days %q", second)
				}
			})

			t.Run("a reader of German gets the PDF's words and dates in German", func(t *testing.T) {
				resp := charge.Do("GET", path+"?"+month+"&paper=a4", nil, map[string]string{"Accept-Language": "de"})
				if resp.Status != http.StatusOK {
					t.Fatalf("%d %.200s", resp.Status, resp.Body)
				}
				d := readPDF(t, resp.Body)
				n := len(d.Pages)
				for i := range d.Pages {
					for _, want := range []string{res.DisplayName(), "Patientennummer " + res.MRN, "Allergien:", "Legende:", "aus dem Zeitplan der Verordnung vorausberechnet",
						fmt.Sprintf("Seite %d von %d", i+1, n), "Arzneimittel", "Uhrzeit", "Zeiten in", catalogue(t).Locale("de").FormatMonth(start)} {
						if !d.pageHas(i, want) {
							t.Errorf("page %d lacks %q", i+1, want)
						}
					}
					for _, english := range []string{"Key:", "Page ", "Medication", "projected from the order", start.Format("January 2006")} {
						if d.pageHas(i, english) {
							t.Errorf("page %d still has the English %q", i+1, english)
						}
					}
				}
				if d.count("So") == 0 || d.count("Mo") == 0 || d.count("Sun") > 0 || d.count("Mon") > 0 {
					t.Errorf("the day headers are not German weekdays: So %d, Mo %d, Sun %d, Mon %d", d.count("So"), d.count("Mo"), d.count("Sun"), d.count("Mon"))
				}
			})

			t.Run("the export is audited", func(t *testing.T) {
				if err := env.Store.InTx(context.Background(), func(tx mar.Tx) error {
					evs, err := tx.ListAudit(mar.AuditFilter{Action: "resident.mar_pdf", ObjectID: rid})
					if err == nil && len(evs) < 3 {
						t.Errorf("%d resident.mar_pdf audit events, want one per export", len(evs))
					}
					return err
				}); err != nil {
					t.Fatal(err)
				}
			})

			for _, tc := range []struct {
				name   string
				who    *testenv.Client
				query  string
				status int
				field  string
			}{
				{"a paper size it does not draw", charge, month + "&paper=b5", http.StatusBadRequest, "paper"},
				{"a from that is not a date", charge, "from=yesterday", http.StatusBadRequest, "from"},
				{"more than 93 days", charge, "from=" + start.Format(time.DateOnly) + "&to=" + start.AddDate(0, 0, 100).Format(time.DateOnly), http.StatusBadRequest, "to"},
				{"an administrator (no clinical access)", admin, month, http.StatusForbidden, ""},
			} {
				t.Run("refused: "+tc.name, func(t *testing.T) {
					resp := tc.who.Do("GET", path+"?"+tc.query, nil, nil)
					if resp.Status != tc.status || (tc.field != "" && resp.Err(t).Error.Field != tc.field) {
						t.Errorf("%d %s, want %d %s", resp.Status, resp.Body, tc.status, tc.field)
					}
				})
			}
		})
	}
}
