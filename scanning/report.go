package scanning

import "errors"

// Report is the wire shape shared by `emar decode --json` and the
// POST /api/v1/scans/decode and /parse endpoints. Text keeps the group
// separator as ASCII 29 (JSON "\u001d").
type Report struct {
	File      string      `json:"file,omitempty"`
	Format    string      `json:"format,omitempty"`
	Text      string      `json:"text,omitempty"`
	Symbology string      `json:"symbology,omitempty"`
	Code      *CodeReport `json:"code,omitempty"`
	Error     string      `json:"error,omitempty"`
	// Conflicts names the checked AIs on which the readings of text
	// without group separators disagree, when that is why it was refused.
	Conflicts []string `json:"conflicts,omitempty"`
}

// CodeReport is a Code on the wire.
type CodeReport struct {
	Kind           Kind              `json:"kind"`
	Symbology      string            `json:"symbology,omitempty"`
	Canonical      string            `json:"canonical,omitempty"`
	HRI            string            `json:"hri,omitempty"`
	GTIN           string            `json:"gtin,omitempty"`
	NDC            string            `json:"ndc,omitempty"`
	Expiry         string            `json:"expiry,omitempty"`
	ExpiryDayZero  bool              `json:"expiry_day_zero,omitempty"`
	Lot            string            `json:"lot,omitempty"`
	Serial         string            `json:"serial,omitempty"`
	ProductionDate string            `json:"production_date,omitempty"`
	Quantity       string            `json:"quantity,omitempty"`
	GSRN           string            `json:"gsrn,omitempty"`
	Elements       []ElementReport   `json:"elements,omitempty"`
	HIBC           *HIBCReport       `json:"hibc,omitempty"`
	Identifiers    map[string]string `json:"identifiers,omitempty"`
	Format         string            `json:"format,omitempty"`
	// Uncertain lists the elements whose value depends on where a dropped
	// group separator was; "" in values means the element is absent in a
	// reading.
	Uncertain []UncertainReport `json:"uncertain,omitempty"`
}

// UncertainReport is an Uncertain element on the wire.
type UncertainReport struct {
	AI     string   `json:"ai"`
	Title  string   `json:"title"`
	Values []string `json:"values"`
}

// ElementReport is one GS1 element on the wire.
type ElementReport struct {
	AI    string `json:"ai"`
	Title string `json:"title"`
	Value string `json:"value"`
}

// HIBCReport is an HIBC on the wire.
type HIBCReport struct {
	LIC           string `json:"lic,omitempty"`
	Product       string `json:"product,omitempty"`
	UnitOfMeasure *int   `json:"unit_of_measure,omitempty"` // nil for a secondary-only symbol
	Lot           string `json:"lot,omitempty"`
	Serial        string `json:"serial,omitempty"`
	Expiry        string `json:"expiry,omitempty"`
	Quantity      string `json:"quantity,omitempty"`
	Link          string `json:"link,omitempty"`
	Check         string `json:"check"`
	SecondaryOnly bool   `json:"secondary_only,omitempty"`
}

// NewReport describes the decoding of one image. err is the error Decode
// returned; a parse failure of decoded text is reported in Error while Text
// still shows what was read.
func NewReport(file string, r Result, err error) Report {
	rep := Report{File: file, Format: r.Format, Text: r.Text, Symbology: r.Symbology}
	if r.Code != nil {
		rep.Code = NewCodeReport(*r.Code)
	}
	switch {
	case err != nil:
		rep.Error = err.Error()
	case r.ParseErr != nil:
		rep.Error = r.ParseErr.Error()
	}
	return rep
}

// ReportFromParse describes the parsing of scanner text.
func ReportFromParse(text string, c Code, err error) Report {
	rep := Report{Text: text, Symbology: c.Symbology}
	if err != nil {
		rep.Error = err.Error()
		var pe *ParseError
		if errors.As(err, &pe) {
			rep.Conflicts = pe.Conflicts
		}
		return rep
	}
	rep.Code = NewCodeReport(c)
	return rep
}

// NewCodeReport converts a Code to its wire shape.
func NewCodeReport(c Code) *CodeReport {
	r := &CodeReport{
		Kind:          c.Kind,
		Symbology:     c.Symbology,
		Canonical:     c.Canonical,
		GTIN:          c.GTIN,
		NDC:           c.NDC,
		Expiry:        dateString(c.Expiry),
		ExpiryDayZero: c.ExpiryDayZero,
		Lot:           c.Lot,
		Serial:        c.Serial,
		Quantity:      c.Quantity,
		GSRN:          c.GSRN,
		Identifiers:   c.Identifiers,
		Format:        c.Format,
	}
	r.ProductionDate = dateString(c.ProductionDate)
	for _, u := range c.Uncertain {
		r.Uncertain = append(r.Uncertain, UncertainReport(u))
	}
	if len(c.Elements) > 0 {
		r.HRI = HRI(c.Elements)
		for _, e := range c.Elements {
			r.Elements = append(r.Elements, ElementReport(e))
		}
	}
	if h := c.HIBC; h != nil {
		r.HIBC = &HIBCReport{
			LIC: h.LIC, Product: h.Product,
			Lot: h.Lot, Serial: h.Serial, Expiry: dateString(h.Expiry), Quantity: h.Quantity,
			Link: h.Link, Check: h.Check, SecondaryOnly: h.SecondaryOnly,
		}
		if !h.SecondaryOnly {
			um := h.UnitOfMeasure
			r.HIBC.UnitOfMeasure = &um
		}
	}
	return r
}

func dateString(d *Date) string {
	if d == nil {
		return ""
	}
	return d.String()
}
