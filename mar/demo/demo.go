// Package demo loads a small, realistic data set for trying the service:
// one facility with two units in different time zones, about twenty
// residents with wristbands and allergies, forty products with valid
// GTIN-14s, active orders and the demo accounts, and (LoadWith) thirty days
// of charted history. Every name and number is
// fictitious; the NDC labeler code 99xxx is not assigned to a real firm.
package demo

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/emar-project/emar/mar"
)

// Password is the password of every demo account.
const Password = "demo"

// PIN is the badge PIN of every demo account (a witness co-signs a
// high-alert dose with badge and PIN, or with username and password).
const PIN = "2468"

// Account is a demo sign-in.
type Account struct {
	Username, Role, Description string
	Badge                       string // scanned with PIN at the bedside
	// TOTPSecret is the enrolled second factor of the roles that need
	// one: add it to an authenticator app (or compute the code with
	// mar.TOTPCode) to sign in. Public, like the password: demo only.
	TOTPSecret string
}

// Accounts lists the demo sign-ins, printed at start-up.
var Accounts = []Account{
	{Username: "nurse", Role: string(mar.RoleNurse), Description: "bedside nurse on both units", Badge: "EMP01001"},
	{Username: "nurse2", Role: string(mar.RoleNurse), Description: "second nurse (witness for high-alert doses)", Badge: "EMP01002"},
	{Username: "charge", Role: string(mar.RoleChargeNurse), Description: "charge nurse: missed-dose board", Badge: "EMP01003"},
	{Username: "pharmacist", Role: string(mar.RolePharmacist), Description: "pharmacy: verification and reconciliation", Badge: "EMP01004", TOTPSecret: "DEMOPHARMACISTTOTPKEY234"},
	{Username: "admin", Role: string(mar.RoleAdmin), Description: "administrator: users and catalogue", Badge: "EMP01005", TOTPSecret: "DEMOADMINISTRATORTOTPKEY"},
	{Username: "pflege", Role: string(mar.RoleNurse), Description: "nurse of the Berlin ward only: the pages are in German (the unit's language)", Badge: "EMP01006"},
}

// TOTPCode is the one-time code of a demo account at t ("" for an
// account without a second factor).
func TOTPCode(username string, t time.Time) string {
	for _, a := range Accounts {
		if a.Username == username && a.TOTPSecret != "" {
			code, err := mar.TOTPCode(a.TOTPSecret, t)
			if err != nil {
				panic("demo TOTP secret: " + err.Error())
			}
			return code
		}
	}
	return ""
}

// Summary tells what was loaded.
type Summary struct {
	Facility  mar.Facility
	Units     []mar.Unit
	Residents int
	Products  int
	Orders    int
}

// ErrNotEmpty is returned when the database already holds records.
var ErrNotEmpty = &mar.Error{Code: mar.EConflict, Reason: "not_empty", Message: "the database already holds records; the demo data set loads only into an empty database"}

// Load writes the demo data set in one transaction. now anchors order start
// times so that doses are due today.
func Load(ctx context.Context, st mar.Store, now time.Time) (Summary, error) {
	var sum Summary
	err := st.InTx(ctx, func(tx mar.Tx) error {
		n, err := tx.CountRows()
		if err != nil {
			return err
		}
		if n > 0 {
			return ErrNotEmpty
		}
		sum, _, err = load(tx, now.UTC(), 0)
		return err
	})
	return sum, err
}

// load writes the data set. With history > 0 the orders that the history
// documents (see historyOrder) start history ago; the others are returned
// unwritten, for the caller to add once the history is in (so that the
// stepped clock does not see them and mark their doses missed).
func load(tx mar.Tx, now time.Time, history time.Duration) (Summary, []mar.Order, error) {
	fac := mar.Facility{ID: mar.NewID(), Name: "Riverside Care Center", TimeZone: "America/New_York"}
	if err := tx.CreateFacility(&fac); err != nil {
		return Summary{}, nil, fmt.Errorf("facility: %w", err)
	}
	units := Units(fac.ID)
	for i := range units {
		if err := tx.CreateUnit(&units[i]); err != nil {
			return Summary{}, nil, fmt.Errorf("unit: %w", err)
		}
	}
	hash, err := mar.HashPassword(Password)
	if err != nil {
		return Summary{}, nil, err
	}
	pinHash, err := mar.HashPassword(PIN)
	if err != nil {
		return Summary{}, nil, err
	}
	allUnits := []string{units[0].ID, units[1].ID}
	names := map[string]string{"nurse": "Nora Nurse", "nurse2": "Wes Witness", "charge": "Cora Charge", "pharmacist": "Phil Pharmacist", "admin": "Ada Admin", "pflege": "Pia Pflege"}
	for _, a := range Accounts {
		u := mar.User{ID: mar.NewID(), FacilityID: fac.ID, Username: a.Username, DisplayName: names[a.Username], Role: mar.Role(a.Role),
			PasswordHash: hash, PINHash: pinHash, BadgeID: a.Badge, Active: true, CreatedAt: now}
		if mar.ScopedToUnits(u.Role) {
			u.UnitIDs = allUnits
			if a.Username == "pflege" {
				u.UnitIDs = []string{units[1].ID} // the Berlin ward
			}
		}
		if err := tx.CreateUser(&u); err != nil {
			return Summary{}, nil, fmt.Errorf("user %s: %w", a.Username, err)
		}
		if a.TOTPSecret != "" {
			if err := tx.SetTOTPSecret(u.ID, a.TOTPSecret); err != nil {
				return Summary{}, nil, fmt.Errorf("user %s: %w", a.Username, err)
			}
		}
	}
	products := Products(fac.ID)
	byKey := map[string]mar.Product{}
	for i := range products {
		if err := tx.CreateProduct(&products[i]); err != nil {
			return Summary{}, nil, fmt.Errorf("product %s: %w", products[i].Name, err)
		}
		byKey[productKeys[i]] = products[i]
	}
	residents := Residents(fac.ID, units, now)
	orders := 0
	var deferred []mar.Order
	histStart := now.Add(-history).Truncate(time.Hour)
	for i := range residents {
		r := &residents[i]
		if history > 0 && r.AdmittedAt.After(histStart.Add(-24*time.Hour)) {
			r.AdmittedAt = histStart.Add(-24 * time.Hour)
		}
		if err := tx.CreateResident(r); err != nil {
			return Summary{}, nil, fmt.Errorf("resident %s: %w", r.MRN, err)
		}
		for _, o := range ordersFor(i, *r, byKey, now) {
			if history > 0 {
				if i >= historyResidents || !historyOrder(o, byID(byKey, o.ProductID)) {
					deferred = append(deferred, o)
					orders++
					continue
				}
				o.StartAt, o.CreatedAt, o.UpdatedAt = histStart, histStart, histStart
				o.VerifiedAt = &histStart
			}
			if err := tx.CreateOrder(&o); err != nil {
				return Summary{}, nil, fmt.Errorf("order for %s: %w", r.MRN, err)
			}
			orders++
		}
	}
	return Summary{Facility: fac, Units: units, Residents: len(residents), Products: len(products), Orders: orders}, deferred, nil
}

// Units returns the demo units: one in New York, one in Berlin, so that
// every page shows times in the unit's own zone.
func Units(facilityID string) []mar.Unit {
	return []mar.Unit{
		{ID: mar.NewID(), FacilityID: facilityID, Code: "MAPLE", Name: "Maple Wing (long-term care)", TimeZone: "America/New_York"},
		{ID: mar.NewID(), FacilityID: facilityID, Code: "LINDEN", Name: "Linden Ward (Berlin annex)", TimeZone: "Europe/Berlin", Language: "de"},
	}
}

// GTIN builds a GTIN-14 for an NDC-10 the way US packs carry it: indicator
// 0, number system 03, the NDC, and the mod-10 check digit.
func GTIN(ndc10 string) string {
	body := "003" + ndc10
	sum := 0
	for i := 0; i < 13; i++ {
		d := int(body[i] - '0')
		if i%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return body + strconv.Itoa((10-sum%10)%10)
}
