package demo

import (
	"fmt"
	"image"
	"slices"
	"strings"
	"time"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/scanning"
)

// Sheet is the demo barcode sheet: the wristbands, medication packs and
// staff badges of the demo data set, so that a newcomer can try the
// bedside without real packs. It is built from the same definitions the
// loader writes, so every barcode matches a record.
type Sheet struct {
	Residents []SheetResident
	Badges    []Barcode
	// Demonstrations are packs that must be refused: an expired pack, and
	// a drug a resident is allergic to.
	Demonstrations []Barcode
}

// SheetResident is one resident with the wristband and the packs of the
// resident's orders.
type SheetResident struct {
	Name, BirthDate, MRN, Unit, Room string
	Allergies                        []string
	Wristband                        Barcode
	Packs                            []Barcode
}

// Barcode is one symbol on the sheet.
type Barcode struct {
	File    string // image file name, unique on the sheet
	Label   string // what it is
	Note    string // what scanning it shows
	Format  string // a scanning.Format… name
	Data    string // what the symbol encodes; GS1 data with ASCII 29 separators
	Typed   string // what a keyboard-wedge scanner types: AIM prefix and data
	Expired bool
}

// TypedShown is Typed with the group separator written as {GS}, which is
// also what the service accepts when a scanner substitutes it.
func (b Barcode) TypedShown() string {
	return strings.ReplaceAll(b.Typed, string(rune(scanning.GS)), "{GS}")
}

// BuildSheet returns the sheet for packs that expire relative to now.
func BuildSheet(now time.Time) Sheet {
	var sh Sheet
	products := Products("")
	byKey := map[string]mar.Product{}
	for i, p := range products {
		byKey[productKeys[i]] = p
	}
	units := Units("")
	goodUntil := endOfMonth(now.AddDate(1, 6, 0))
	for i, r := range Residents("", units, now) {
		sr := SheetResident{Name: r.DisplayName(), BirthDate: r.BirthDate, MRN: r.MRN, Room: r.Room + r.Bed}
		for _, u := range units {
			if u.ID == r.UnitID {
				sr.Unit = u.Name
			}
		}
		for _, a := range r.Allergies {
			sr.Allergies = append(sr.Allergies, a.Substance)
		}
		sr.Wristband = Barcode{File: "wristband-" + r.WristbandID + ".png", Label: "Wristband of " + r.DisplayName(),
			Format: scanning.FormatCode128, Data: r.WristbandID, Typed: r.WristbandID}
		for _, spec := range regimens[i%len(regimens)] {
			p := byKey[spec.product]
			if allergicTo(r, p) {
				continue
			}
			b := pack(p, lotOf(spec.product, false), goodUntil)
			switch {
			case spec.pending:
				b.Note = "Order not yet verified by pharmacy: the bedside refuses it."
			case spec.prn:
				b.Note = "PRN (" + spec.reason + ")."
			}
			sr.Packs = append(sr.Packs, b)
		}
		sh.Residents = append(sh.Residents, sr)
	}
	for _, a := range Accounts {
		sh.Badges = append(sh.Badges, Barcode{File: "badge-" + a.Badge + ".png", Label: fmt.Sprintf("Badge of %s (PIN %s)", a.Username, PIN),
			Format: scanning.FormatCode128, Data: a.Badge, Typed: a.Badge})
	}
	expired := pack(byKey["metoprolol25"], lotOf("metoprolol25", true), endOfMonth(now.AddDate(0, -2, 0)))
	expired.Expired = true
	expired.File = "expired-" + expired.File
	expired.Label = "EXPIRED " + expired.Label
	expired.Note = fmt.Sprintf("Expired %s. Scan it for %s: the bedside refuses an expired pack.", expiryText(now.AddDate(0, -2, 0)), sh.Residents[0].Name)
	sh.Demonstrations = []Barcode{expired}
	for _, r := range sh.Residents {
		if slices.Contains(r.Allergies, "acetaminophen") {
			allergy := pack(byKey["paracetamol500"], lotOf("paracetamol500", false), goodUntil)
			allergy.File = "allergy-" + allergy.File
			allergy.Note = fmt.Sprintf("%s is allergic to acetaminophen: scanning this pack for that resident is a hard stop.", r.Name)
			sh.Demonstrations = append(sh.Demonstrations, allergy)
			break
		}
	}
	return sh
}

// pack is a GS1-128 pack label: GTIN, lot and expiry. The lot comes
// before the expiry so that a group separator ends it, as on real packs
// that carry more data after the lot.
func pack(p mar.Product, lot string, expiry time.Time) Barcode {
	gtin := p.Packages[0].GTIN
	data := "01" + gtin + "10" + lot + string(rune(scanning.GS)) + "17" + expiry.Format("060102")
	return Barcode{File: "pack-" + gtin + "-" + lot + ".png", Label: p.Name, Format: scanning.FormatGS1_128, Data: data,
		Typed: "]C1" + data}
}

func lotOf(key string, expired bool) string {
	i := slices.Index(productKeys, key)
	if expired {
		return fmt.Sprintf("X%04d", 3000+i)
	}
	return fmt.Sprintf("L%04d", 1000+i)
}

func endOfMonth(t time.Time) time.Time {
	y, m, _ := t.Date()
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC)
}

func expiryText(t time.Time) string { return endOfMonth(t).Format("2 Jan 2006") }

// Files lists every barcode of the sheet.
func (sh Sheet) Files() []Barcode {
	var out []Barcode
	for _, r := range sh.Residents {
		out = append(out, r.Wristband)
		out = append(out, r.Packs...)
	}
	out = append(out, sh.Badges...)
	return append(out, sh.Demonstrations...)
}

// Image draws the barcode: linear symbols with two pixels per module and
// 2D symbols at about 240 pixels, large enough to scan off a screen with a
// phone camera.
func (b Barcode) Image() (image.Image, error) {
	switch b.Format {
	case scanning.FormatCode128, scanning.FormatGS1_128:
		narrow, err := scanning.Encode(b.Format, b.Data, 0, 90)
		if err != nil {
			return nil, err
		}
		return scanning.Encode(b.Format, b.Data, 2*narrow.Bounds().Dx(), 90)
	}
	return scanning.Encode(b.Format, b.Data, 240, 240)
}
