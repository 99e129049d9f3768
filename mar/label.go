package mar

import (
	"context"
	"crypto/rand"
	"strings"
	"time"
)

// labelSerialAlphabet is Crockford's base 32: digits and capitals without
// I, L, O and U, all in GS1's character set 82 and unambiguous when read
// aloud or keyed from a damaged label.
const labelSerialAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// LabelSerialPrefix starts every serial the service prints, so a
// manufacturer's serial (which may be any CSET 82 text) is unlikely to be
// taken for one of ours and the labels are recognisable in an audit.
const LabelSerialPrefix = "RX"

// IsLabelSerial reports whether a GS1 serial has the shape of the serials
// NewLabelSerial makes: a pack carrying one is one of pharmacy's
// patient-specific labels, not a manufacturer's serialised pack.
func IsLabelSerial(serial string) bool {
	rest, ok := strings.CutPrefix(serial, LabelSerialPrefix)
	if !ok || len(rest) != 14 {
		return false
	}
	for _, c := range []byte(rest) {
		if strings.IndexByte(labelSerialAlphabet, c) < 0 {
			return false
		}
	}
	return true
}

// NewLabelSerial returns a fresh serial for a patient-specific label:
// "RX" and 14 random Crockford base-32 characters (70 bits), 16 characters
// in all, within AI 21's 20.
func NewLabelSerial() string {
	var b [14]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("mar: no randomness for a label serial: " + err.Error())
	}
	var sb strings.Builder
	sb.WriteString(LabelSerialPrefix)
	for _, c := range b {
		sb.WriteByte(labelSerialAlphabet[c&31])
	}
	return sb.String()
}

// Label is what a patient-specific label prints: who the pack is for, what
// it holds and how it is given, and the GS1 element string of its
// DataMatrix (AI 01 GTIN, 17 expiry, 10 lot, 21 serial).
type Label struct {
	Dispense   Dispense
	Resident   Resident
	Unit       Unit
	Product    Product
	Order      *Order // nil for a dispense not tied to an order
	Directions string // dose, route and frequency, as the MAR prints the order
	OrderRef   string // the placer order number when there is one, else the order's id
	GS1        string // the element string, GS after a variable-length field that is not last
}

// DispenseLabel assembles the label of a dispense for a resident. Reading
// it is an audited read of the resident's record; pharmacists, charge
// nurses (of the resident's unit) and admins may print it.
func (s *Service) DispenseLabel(ctx context.Context, by Identity, dispenseID string) (Label, error) {
	var l Label
	err := s.Store.InTx(ctx, func(tx Tx) error {
		d, err := tx.GetDispense(dispenseID)
		if err != nil || d.FacilityID != by.User.FacilityID {
			return NotFound("dispense", dispenseID)
		}
		if d.ResidentID == "" || d.Serial == "" {
			return &Error{Code: ERefused, Field: "id", Reason: "not_patient_specific",
				Message: "this dispense is ward stock or has no GTIN: it has no patient-specific label"}
		}
		if ScopedToUnits(by.User.Role) && !by.User.WorksOnUnit(d.UnitID) {
			return Forbidden("you are not assigned to this dispense's unit")
		}
		l.Dispense = d
		if l.Resident, err = tx.GetResident(d.ResidentID); err != nil {
			return err
		}
		if l.Unit, err = tx.GetUnit(l.Resident.UnitID); err != nil {
			return err
		}
		if l.Product, err = tx.GetProduct(d.ProductID); err != nil {
			return err
		}
		if d.OrderID != "" {
			o, err := tx.GetOrder(d.OrderID)
			if err != nil {
				return err
			}
			l.Order = &o
			l.Directions = labelDirections(o)
			l.OrderRef = o.ExternalID
			if l.OrderRef == "" {
				l.OrderRef = o.ID
			}
		}
		l.GS1 = LabelElementString(d)
		return s.audit(tx, by, AuditEntry{Action: "dispense.label", ObjectType: "dispense", ObjectID: d.ID, ResidentID: d.ResidentID})
	})
	return l, err
}

// LabelElementString is a dispense's GS1 element string: 01 GTIN, then 17
// expiry (YYMMDD) when known, 10 lot when known (followed by GS), and 21
// the dispense's serial last.
func LabelElementString(d Dispense) string {
	var b strings.Builder
	gtin := d.GTIN
	for len(gtin) < 14 {
		gtin = "0" + gtin // GTIN-8, -12 and -13 are carried as 14 digits
	}
	b.WriteString("01" + gtin)
	if t, err := time.Parse(time.DateOnly, d.Expiry); err == nil {
		b.WriteString("17" + t.Format("060102"))
	}
	if gs1Lot(d.Lot) {
		b.WriteString("10" + d.Lot + "\x1d")
	}
	b.WriteString("21" + d.Serial)
	return b.String()
}

// labelDirections is the order's dose, route and frequency, as needed with
// its indication, then the prescriber's instructions.
func labelDirections(o Order) string {
	dose := fmtNum(o.DoseValue) + " " + o.DoseUnit
	if len(o.SlidingScale) > 0 {
		dose = "sliding scale (" + o.DoseUnit + ")"
	}
	out := strings.TrimSpace(dose + " " + o.Route + " " + o.Frequency)
	if o.PRN && o.PRNReason != "" {
		out += " for " + o.PRNReason
	}
	if t := strings.TrimSpace(o.Instructions); t != "" {
		out += ". " + t
	}
	return out
}

// gs1Lot reports whether a lot can be carried in AI 10: 1 to 20 characters
// of GS1's character set 82. A lot that cannot (several lots of one HL7
// dispense, "LOT-A7, LOT-A8", or a space) is left out of the symbol and
// only printed: the serial still ties the pack to its dispense, whose
// record holds every lot.
func gs1Lot(lot string) bool {
	if lot == "" || len(lot) > 20 {
		return false
	}
	for i := 0; i < len(lot); i++ {
		c := lot[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || strings.IndexByte("!\"%&'()*+,-./:;<=>?_", c) >= 0) {
			return false
		}
	}
	return true
}
