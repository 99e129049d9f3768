// Package datagen synthesises the benchmark's data sets quickly and
// honestly: master data (facility, units, nurses, residents, orders) goes
// through the store's own transaction methods; bulk history goes in with
// COPY through the store's connection pool; the audit trail is chained
// exactly as the service chains it, so `emar audit verify` checks it.
// Everything is fictitious and labelled as synthetic.
package datagen

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/demo"
	"github.com/emar-project/emar/mar/store"
	"github.com/emar-project/emar/schedules"
)

// Password is every synthetic account's password.
const Password = "bench-password-1"

// Options size the facility.
type Options struct {
	Beds          int     // 500
	Occupancy     float64 // 0.85 → 425 residents
	Units         int     // wards; beds are split evenly
	NursesPerUnit int     // bedside nurses per ward for the medication pass
	Days          int     // days of history before Now
	// LadderResidents and LadderOrders make a separate ward whose only job
	// is to have many doses open at once for the throughput ladder.
	LadderResidents, LadderOrders, LadderNurses int
	Now                                         time.Time
	Seed                                        uint64
}

// DefaultOptions is the 500-bed facility of the research notes (§4).
func DefaultOptions(now time.Time) Options {
	return Options{Beds: 500, Occupancy: 0.85, Units: 10, NursesPerUnit: 6, Days: 90,
		LadderResidents: 200, LadderOrders: 12, LadderNurses: 32, Now: now, Seed: 1}
}

// Nurse is a synthetic bedside nurse and the residents in her care.
type Nurse struct {
	ID, Username, UnitID string
	Residents            []int // indexes into Facility.Residents
}

// Resident is what the load generator needs to know about a resident.
type Resident struct {
	ID, UnitID, Wristband string
	Orders                []Order
}

// Order is one scheduled order and the package that fills it.
type Order struct {
	ID, ProductID, GTIN string
	Dose                float64
	Unit, Route         string
	Frequency           string // canonical text
	Start               time.Time
}

// Facility is what Build made.
type Facility struct {
	FacilityID string
	Zone       string // the wards' time zone: chosen so that Now is the 09:00 pass
	Units      []mar.Unit
	Residents  []Resident // the facility's residents, then the ladder ward's
	Nurses     []Nurse    // the pass nurses, then the ladder nurses
	// Ladder is the index of the first ladder resident and nurse.
	LadderResident, LadderNurse int
	Orders                      int
	Cutoff                      time.Time // history ends here; doses from here on are the service's
}

// PassZone returns a fixed-offset IANA zone (Etc/GMT±N) in which now is
// between 08:30 and 09:30 local time, so the doses due at 09:00 are open
// whenever the benchmark runs.
func PassZone(now time.Time) string {
	now = now.UTC()
	target := 9
	if now.Minute() >= 30 {
		target = 8
	}
	off := target - now.Hour() // local = UTC + off
	for off < -12 {
		off += 24
	}
	for off > 14 {
		off -= 24
	}
	switch {
	case off == 0:
		return "Etc/UTC"
	case off > 0:
		return fmt.Sprintf("Etc/GMT-%d", off) // POSIX sign: Etc/GMT-5 is UTC+5
	default:
		return fmt.Sprintf("Etc/GMT+%d", -off)
	}
}

// regimen is every resident's scheduled orders: 15 doses a day, 6 of
// them at 09:00 (40 %, as in the VA's BCMA data), none high-alert, none
// with hold parameters, so the pass exercises the common path.
var regimen = []struct {
	product string
	dose    float64
	unit    string
	freq    string
}{
	{"Lisinopril 10 mg tablet", 10, "mg", "QD"},
	{"Cholecalciferol 1000 unit tablet", 1000, "units", "QD"},
	{"Metoprolol tartrate 25 mg tablet", 25, "mg", "BID"},
	{"Metformin 500 mg tablet", 500, "mg", "BID"},
	{"Acetaminophen 500 mg tablet", 1000, "mg", "TID"},
	{"Docusate sodium 100 mg capsule", 100, "mg", "QID"},
	{"Atorvastatin 20 mg tablet", 20, "mg", "QHS"},
	{"Levothyroxine 50 mcg tablet", 50, "mcg", "QAM"},
}

// ladderProducts give the ladder ward's residents many different daily
// 09:00 orders.
var ladderProducts = []string{"Lisinopril 10 mg tablet", "Cholecalciferol 1000 unit tablet", "Metoprolol tartrate 25 mg tablet",
	"Metformin 500 mg tablet", "Acetaminophen 500 mg tablet", "Docusate sodium 100 mg capsule", "Atorvastatin 20 mg tablet",
	"Amlodipine 5 mg tablet", "Omeprazole 20 mg capsule", "Donepezil 5 mg tablet", "Sertraline 50 mg tablet",
	"Tamsulosin 0.4 mg capsule", "Sennosides 8.6 mg tablet", "Furosemide 40 mg tablet"}

// Build writes the facility's master data through the store's own
// transaction methods, one transaction for everything.
func Build(ctx context.Context, st *store.Store, o Options) (*Facility, error) {
	rng := rand.New(rand.NewPCG(o.Seed, 42))
	zone := PassZone(o.Now)
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return nil, err
	}
	f := &Facility{FacilityID: mar.NewID(), Zone: zone}
	hash, err := mar.HashPassword(Password)
	if err != nil {
		return nil, err
	}
	start := o.Now.AddDate(0, 0, -o.Days-1).In(loc)
	start = time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, loc).UTC()
	err = st.InTx(ctx, func(tx mar.Tx) error {
		if err := tx.CreateFacility(&mar.Facility{ID: f.FacilityID, Name: "Benchmark Care Center (synthetic)", TimeZone: zone}); err != nil {
			return err
		}
		units := make([]mar.Unit, o.Units+1)
		for i := range units {
			code, name := fmt.Sprintf("W%02d", i+1), fmt.Sprintf("Ward %d", i+1)
			if i == o.Units {
				code, name = "LADDER", "Throughput ladder ward (benchmark only)"
			}
			units[i] = mar.Unit{ID: mar.NewID(), FacilityID: f.FacilityID, Code: code, Name: name, TimeZone: zone}
			if err := tx.CreateUnit(&units[i]); err != nil {
				return err
			}
		}
		f.Units = units
		products := demo.Products(f.FacilityID)
		byKey := map[string]mar.Product{}
		for i := range products {
			if err := tx.CreateProduct(&products[i]); err != nil {
				return err
			}
			byKey[products[i].Name] = products[i]
		}
		admin := mar.User{ID: mar.NewID(), FacilityID: f.FacilityID, Username: "bench-admin", DisplayName: "Bench Admin",
			Role: mar.RoleAdmin, PasswordHash: hash, Active: true, CreatedAt: o.Now}
		if err := tx.CreateUser(&admin); err != nil {
			return err
		}
		newNurse := func(unit mar.Unit, n int) (Nurse, error) {
			u := mar.User{ID: mar.NewID(), FacilityID: f.FacilityID, Username: fmt.Sprintf("nurse-%s-%02d", unit.Code, n),
				DisplayName: fmt.Sprintf("Nurse %s %d", unit.Code, n), Role: mar.RoleNurse, PasswordHash: hash,
				BadgeID: fmt.Sprintf("EMPB%s%02d", unit.Code, n), Active: true, CreatedAt: o.Now, UnitIDs: []string{unit.ID}}
			return Nurse{ID: u.ID, Username: u.Username, UnitID: unit.ID}, tx.CreateUser(&u)
		}
		newResident := func(unit mar.Unit, n int) (mar.Resident, error) {
			mrn := fmt.Sprintf("%08d", 500001+n)
			r := mar.Resident{ID: mar.NewID(), FacilityID: f.FacilityID, UnitID: unit.ID, MRNSystem: mar.DefaultMRNSystem, MRN: mrn, WristbandID: "MRN" + mrn,
				FamilyName: fmt.Sprintf("Synthetic%04d", n), GivenName: "Resident", BirthDate: fmt.Sprintf("19%02d-%02d-%02d", 30+rng.IntN(25), 1+rng.IntN(12), 1+rng.IntN(28)),
				Sex: []string{"female", "male"}[n%2], Room: fmt.Sprintf("%d", 100+n%50), Bed: "A", Status: mar.Admitted, AdmittedAt: start}
			return r, tx.CreateResident(&r)
		}
		newOrder := func(r mar.Resident, key string, dose float64, unit, freq string) (Order, error) {
			p, ok := byKey[key]
			if !ok {
				return Order{}, fmt.Errorf("no demo product %q", key)
			}
			rule, err := schedules.Parse(freq, schedules.DefaultTimes())
			if err != nil {
				return Order{}, err
			}
			verified := start
			ord := mar.Order{ID: mar.NewID(), FacilityID: f.FacilityID, ResidentID: r.ID, ProductID: p.ID, Ingredient: p.Ingredients[0].Name,
				DoseValue: dose, DoseUnit: unit, Route: p.Routes[0], Frequency: rule.String(), StartAt: start, Status: mar.OrderActive,
				Prescriber: "Dr. Synthetic", Source: "bench", VerifiedAt: &verified, CreatedAt: start, UpdatedAt: start}
			f.Orders++
			return Order{ID: ord.ID, ProductID: p.ID, GTIN: p.Packages[0].GTIN, Dose: dose, Unit: unit, Route: ord.Route,
				Frequency: ord.Frequency, Start: start}, tx.CreateOrder(&ord)
		}

		residents := int(float64(o.Beds)*o.Occupancy + 0.5)
		for i := 0; i < residents; i++ {
			unit := units[i%o.Units]
			r, err := newResident(unit, i)
			if err != nil {
				return err
			}
			res := Resident{ID: r.ID, UnitID: unit.ID, Wristband: r.WristbandID}
			for _, g := range regimen {
				ord, err := newOrder(r, g.product, g.dose, g.unit, g.freq)
				if err != nil {
					return err
				}
				res.Orders = append(res.Orders, ord)
			}
			f.Residents = append(f.Residents, res)
		}
		for u := 0; u < o.Units; u++ {
			for n := 0; n < o.NursesPerUnit; n++ {
				nu, err := newNurse(units[u], n+1)
				if err != nil {
					return err
				}
				f.Nurses = append(f.Nurses, nu)
			}
		}
		// Each ward's residents are shared round-robin by its nurses.
		for i := range f.Residents {
			u := i % o.Units
			k := (i / o.Units) % o.NursesPerUnit
			n := &f.Nurses[u*o.NursesPerUnit+k]
			n.Residents = append(n.Residents, i)
		}

		f.LadderResident, f.LadderNurse = len(f.Residents), len(f.Nurses)
		ladder := units[o.Units]
		for i := 0; i < o.LadderResidents; i++ {
			r, err := newResident(ladder, residents+i)
			if err != nil {
				return err
			}
			res := Resident{ID: r.ID, UnitID: ladder.ID, Wristband: r.WristbandID}
			for k := 0; k < o.LadderOrders; k++ {
				key := ladderProducts[k%len(ladderProducts)]
				p := byKey[key]
				ord, err := newOrder(r, key, p.Ingredients[0].StrengthValue, p.Ingredients[0].StrengthUnit, "QD")
				if err != nil {
					return err
				}
				res.Orders = append(res.Orders, ord)
			}
			f.Residents = append(f.Residents, res)
		}
		for n := 0; n < o.LadderNurses; n++ {
			nu, err := newNurse(ladder, n+1)
			if err != nil {
				return err
			}
			f.Nurses = append(f.Nurses, nu)
		}
		for i := f.LadderResident; i < len(f.Residents); i++ {
			k := (i - f.LadderResident) % o.LadderNurses
			f.Nurses[f.LadderNurse+k].Residents = append(f.Nurses[f.LadderNurse+k].Residents, i)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("datagen: build facility: %w", err)
	}
	return f, nil
}
