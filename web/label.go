package web

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"strings"

	"codeberg.org/go-pdf/fpdf"
	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/scanning"
)

// labelStock is a label size the PDF is laid out for, landscape, in mm.
type labelStock struct {
	Name        string
	Description string
	W, H        float64
}

// labelStocks are the label sizes GET /api/v1/dispenses/:id/label.pdf
// offers (?stock=); the first is the default.
var labelStocks = []labelStock{
	{"4x2in", "4 × 2 in (101.6 × 50.8 mm) thermal label", 101.6, 50.8},
	{"89x36mm", "89 × 36 mm (Dymo 99012 large address label)", 89, 36},
}

func findStock(name string) (labelStock, error) {
	if name == "" {
		return labelStocks[0], nil
	}
	var names []string
	for _, s := range labelStocks {
		if s.Name == name {
			return s, nil
		}
		names = append(names, s.Name)
	}
	return labelStock{}, mar.Invalid("stock", "unknown label stock %q: one of %s", name, strings.Join(names, ", "))
}

// labelTexts holds every word the label prints, in one place for the
// translation catalogue.
var labelTexts = struct {
	DOB, Room, Unit, Order, Lot, Expiry, Serial, Qty, NoDirections string
}{"DOB", "Room", "Unit", "Order", "Lot", "Exp", "SN", "Qty", "Ward stock: see the MAR for directions"}

// labelSymbol draws the dispense's GS1 DataMatrix at one pixel per module
// with a two-module quiet zone.
func labelSymbol(l mar.Label) (image.Image, error) {
	return scanning.Encode(scanning.FormatGS1DataMatrix, l.GS1, 0, 0)
}

// renderLabelPDF lays a patient-specific label out on one page of the
// stock's size: the DataMatrix on the left, drawn as vector squares (one
// per module, so the printer's resolution decides the edges, not a
// resampled bitmap), and the human-readable lines on the right.
func renderLabelPDF(l mar.Label, stock labelStock) ([]byte, error) {
	sym, err := labelSymbol(l)
	if err != nil {
		return nil, err
	}
	// "P" keeps Size as given (fpdf's "L" swaps width and height, which for
	// a wide label would make it tall).
	pdf := fpdf.NewCustom(&fpdf.InitType{OrientationStr: "P", UnitStr: "mm", Size: fpdf.SizeType{Wd: stock.W, Ht: stock.H}})
	pdf.SetMargins(0, 0, 0)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetTitle("Label "+l.Dispense.Serial, true)
	pdf.SetCreator("eMAR", true)
	pdf.AddPage()
	tr := pdf.UnicodeTranslatorFromDescriptor("")

	margin := 2.5
	b := sym.Bounds()
	side := min(stock.H-2*margin, stock.W*0.36)
	mod := side / float64(b.Dx())
	pdf.SetFillColor(0, 0, 0)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if r, _, _, _ := sym.At(x, y).RGBA(); r < 0x8000 {
				pdf.Rect(margin+float64(x-b.Min.X)*mod, margin+float64(y-b.Min.Y)*mod, mod, mod, "F")
			}
		}
	}

	x := margin + side + 2
	w := stock.W - x - margin
	scale := stock.H / 50.8 // type shrinks with the stock
	lineH := func(pt float64) float64 { return pt * 0.3528 * 1.2 }
	y := margin
	line := func(style string, pt float64, text string, wrap bool) {
		pdf.SetFont("Helvetica", style, pt)
		pdf.SetXY(x, y)
		if wrap {
			lines := pdf.SplitText(tr(text), w)
			if len(lines) > 2 {
				lines = lines[:2]
			}
			for _, ln := range lines {
				pdf.SetXY(x, y)
				pdf.CellFormat(w, lineH(pt), ln, "", 0, "L", false, 0, "")
				y += lineH(pt)
			}
			return
		}
		pdf.CellFormat(w, lineH(pt), fitText(pdf, tr(text), w), "", 0, "L", false, 0, "")
		y += lineH(pt)
	}
	r := l.Resident
	line("B", 14*scale, r.DisplayName(), false)
	room := r.Room
	if r.Bed != "" {
		room += "-" + r.Bed
	}
	line("", 9*scale, fmt.Sprintf("%s %s   %s %s", labelTexts.DOB, r.BirthDate, labelTexts.Room, orDash(room)), false)
	line("", 9*scale, fmt.Sprintf("%s %s", labelTexts.Unit, l.Unit.Name), false)
	y += 0.8 * scale
	line("B", 11*scale, l.Product.Name, true)
	dir := l.Directions
	if dir == "" {
		dir = labelTexts.NoDirections
	}
	line("", 9.5*scale, dir, true)
	d := l.Dispense
	y = max(y, stock.H-margin-2*lineH(7*scale))
	meta := fmt.Sprintf("%s %s   %s %s", labelTexts.Qty, fmtQty(d.Quantity), labelTexts.Order, orDash(l.OrderRef))
	line("", 7*scale, meta, false)
	line("", 7*scale, fmt.Sprintf("%s %s   %s %s   %s %s", labelTexts.Lot, orDash(d.Lot), labelTexts.Expiry, orDash(d.Expiry), labelTexts.Serial, d.Serial), false)
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// fitText shortens text with an ellipsis until it fits w.
func fitText(pdf *fpdf.Fpdf, s string, w float64) string {
	if pdf.GetStringWidth(s) <= w {
		return s
	}
	for len(s) > 1 && pdf.GetStringWidth(s+"...") > w {
		s = s[:len(s)-1]
	}
	return s + "..."
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

func fmtQty(q float64) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.3f", q), "0"), ".")
}

// dispenseLabelPDF prints a dispense's patient-specific label.
func (s *Server) dispenseLabelPDF(c *gin.Context) {
	stock, err := findStock(c.Query("stock"))
	if err != nil {
		s.respondError(c, err)
		return
	}
	l, err := s.svc.DispenseLabel(c.Request.Context(), mustIdentity(c), c.Param("id"))
	if err != nil {
		s.respondError(c, err)
		return
	}
	out, err := renderLabelPDF(l, stock)
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.Header("Content-Disposition", fmt.Sprintf(`inline; filename="label-%s.pdf"`, l.Dispense.Serial))
	c.Data(http.StatusOK, "application/pdf", out)
}

// dispenseLabelPNG is the label's DataMatrix as an image, for the preview.
func (s *Server) dispenseLabelPNG(c *gin.Context) {
	l, err := s.svc.DispenseLabel(c.Request.Context(), mustIdentity(c), c.Param("id"))
	if err != nil {
		s.respondError(c, err)
		return
	}
	img, err := scanning.Encode(scanning.FormatGS1DataMatrix, l.GS1, 240, 240)
	if err != nil {
		s.respondError(c, err)
		return
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		s.respondError(c, err)
		return
	}
	c.Data(http.StatusOK, "image/png", buf.Bytes())
}

// labelJSON is what the label prints, for the browser's preview.
type labelJSON struct {
	DispenseID  string           `json:"dispense_id"`
	Resident    string           `json:"resident"`
	BirthDate   string           `json:"birth_date"`
	Room        string           `json:"room"`
	Unit        string           `json:"unit"`
	Product     string           `json:"product"`
	Directions  string           `json:"directions"`
	OrderRef    string           `json:"order_ref,omitempty"`
	Quantity    float64          `json:"quantity"`
	Lot         string           `json:"lot,omitempty"`
	Expiry      string           `json:"expiry,omitempty"`
	Serial      string           `json:"serial"`
	ElementText string           `json:"element_string"` // GS1 element string, GS as ASCII 29
	ImageURL    string           `json:"image_url"`
	PDFURL      string           `json:"pdf_url"`
	Stocks      []labelStockJSON `json:"stocks"`
}

type labelStockJSON struct {
	Name        string  `json:"name"`
	Description string  `json:"description"`
	WidthMM     float64 `json:"width_mm"`
	HeightMM    float64 `json:"height_mm"`
}

// dispenseLabel answers what the label prints, for the preview.
func (s *Server) dispenseLabel(c *gin.Context) {
	l, err := s.svc.DispenseLabel(c.Request.Context(), mustIdentity(c), c.Param("id"))
	if err != nil {
		s.respondError(c, err)
		return
	}
	r, d := l.Resident, l.Dispense
	room := r.Room
	if r.Bed != "" {
		room += "-" + r.Bed
	}
	out := labelJSON{DispenseID: d.ID, Resident: r.DisplayName(), BirthDate: r.BirthDate, Room: room, Unit: l.Unit.Name, Product: l.Product.Name,
		Directions: l.Directions, OrderRef: l.OrderRef, Quantity: d.Quantity, Lot: d.Lot, Expiry: d.Expiry, Serial: d.Serial, ElementText: l.GS1,
		ImageURL: "/api/v1/dispenses/" + d.ID + "/label.png", PDFURL: "/api/v1/dispenses/" + d.ID + "/label.pdf"}
	for _, st := range labelStocks {
		out.Stocks = append(out.Stocks, labelStockJSON{st.Name, st.Description, st.W, st.H})
	}
	c.JSON(http.StatusOK, out)
}
