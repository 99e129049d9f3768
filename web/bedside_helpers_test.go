package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/demo"
)

// bedsideStart is a fixed instant: 14:00 UTC is 10:00 in New York (EDT)
// and 15:00 in Berlin (CET) on the demo's two units.
var bedsideStart = time.Date(2026, 3, 10, 14, 0, 0, 0, time.UTC)

// bed is a running service with the demo data indexed for the tests.
type bed struct {
	t         testing.TB
	env       *testenv.Env
	residents map[string]mar.Resident // by family name
	products  map[string]mar.Product  // by name
	units     map[string]mar.Unit     // by id
}

func newBed(t testing.TB, engine string) *bed {
	t.Helper()
	env := testenv.Start(t, engine, testenv.Options{Now: bedsideStart})
	b := &bed{t: t, env: env, residents: map[string]mar.Resident{}, products: map[string]mar.Product{}, units: map[string]mar.Unit{}}
	b.tx(func(tx mar.Tx) error {
		rs, err := tx.ListResidents(mar.ResidentFilter{})
		if err != nil {
			return err
		}
		for _, r := range rs {
			b.residents[r.FamilyName] = r
		}
		ps, err := tx.ListProducts("")
		if err != nil {
			return err
		}
		for _, p := range ps {
			b.products[p.Name] = p
		}
		us, err := tx.ListUnits("")
		for _, u := range us {
			b.units[u.ID] = u
		}
		return err
	})
	return b
}

func (b *bed) tx(fn func(tx mar.Tx) error) {
	b.t.Helper()
	if err := b.env.Store.InTx(context.Background(), fn); err != nil {
		b.t.Fatalf("store: %v", err)
	}
}

func (b *bed) resident(family string) mar.Resident {
	b.t.Helper()
	r, ok := b.residents[family]
	if !ok {
		b.t.Fatalf("no demo resident %q", family)
	}
	return r
}

func (b *bed) product(prefix string) mar.Product {
	b.t.Helper()
	for name, p := range b.products {
		if strings.HasPrefix(name, prefix) {
			return p
		}
	}
	b.t.Fatalf("no demo product %q", prefix)
	return mar.Product{}
}

func (b *bed) loc(r mar.Resident) *time.Location {
	loc, err := b.units[r.UnitID].Location()
	if err != nil {
		b.t.Fatal(err)
	}
	return loc
}

// order returns the resident's order of the ingredient (PRN or not).
func (b *bed) order(r mar.Resident, ingredient string, prn bool) mar.Order {
	b.t.Helper()
	var out *mar.Order
	b.tx(func(tx mar.Tx) error {
		os, err := tx.ListOrders(mar.OrderFilter{ResidentID: r.ID})
		for i := range os {
			if mar.SameIngredient(os[i].Ingredient, ingredient) && os[i].PRN == prn && out == nil {
				out = &os[i]
			}
		}
		return err
	})
	if out == nil {
		b.t.Fatalf("%s has no %s order (prn=%v)", r.FamilyName, ingredient, prn)
	}
	return *out
}

// addOrder stores an extra order for the resident.
func (b *bed) addOrder(o mar.Order) mar.Order {
	b.t.Helper()
	now := b.env.Clock.Now()
	o.ID, o.Status, o.Source = mar.NewID(), mar.OrderActive, "test"
	if o.FacilityID == "" {
		o.FacilityID = b.env.Demo.Facility.ID
	}
	o.StartAt, o.CreatedAt, o.UpdatedAt = now.Add(-72*time.Hour), now, now
	b.tx(func(tx mar.Tx) error { return tx.CreateOrder(&o) })
	return o
}

func (b *bed) setOrderStatus(o mar.Order, st mar.OrderStatus) {
	b.t.Helper()
	o.Status = st
	b.tx(func(tx mar.Tx) error { return tx.UpdateOrder(&o) })
}

// dose schedules one dose of the order due at due with a ±window.
func (b *bed) dose(o mar.Order, due time.Time, window time.Duration) mar.ScheduledDose {
	b.t.Helper()
	ds := b.doses(o, []time.Time{due}, window)
	return ds[0]
}

func (b *bed) doses(o mar.Order, due []time.Time, window time.Duration) []mar.ScheduledDose {
	b.t.Helper()
	r := b.residentByID(o.ResidentID)
	out := make([]mar.ScheduledDose, len(due))
	for i, d := range due {
		out[i] = mar.ScheduledDose{ID: mar.NewID(), FacilityID: o.FacilityID, OrderID: o.ID, ResidentID: o.ResidentID, UnitID: r.UnitID,
			DueAt: d.UTC(), WindowStart: d.Add(-window).UTC(), WindowEnd: d.Add(window).UTC(), Status: mar.DoseScheduled}
	}
	b.tx(func(tx mar.Tx) error {
		n, err := tx.InsertDoses(out)
		if err == nil && n != len(out) {
			err = fmt.Errorf("inserted %d of %d doses", n, len(out))
		}
		return err
	})
	return out
}

func (b *bed) residentByID(id string) mar.Resident {
	for _, r := range b.residents {
		if r.ID == id {
			return r
		}
	}
	b.t.Fatalf("no resident %s", id)
	return mar.Resident{}
}

func (b *bed) getDose(id string) mar.ScheduledDose {
	var d mar.ScheduledDose
	b.tx(func(tx mar.Tx) (err error) { d, err = tx.GetDose(id); return })
	return d
}

// gs1 builds the GS1 element string a DataMatrix on the pack carries: AIM
// identifier ]d2, AI 01 GTIN, AI 17 expiry (YYMMDD), AI 10 lot, a group
// separator and AI 21 serial.
func gs1(p mar.Product, expiry time.Time, lot string) string {
	return fmt.Sprintf("]d201%s17%s10%s\x1d21%s", p.Packages[0].GTIN, expiry.Format("060102"), lot, "SN"+lot)
}

// pack is a scan of the product with an expiry a year ahead.
func (b *bed) pack(p mar.Product) string {
	return gs1(p, b.env.Clock.Now().AddDate(1, 0, 0), "L"+strings.ToUpper(p.ID[len(p.ID)-6:]))
}

// wristband is what the resident's band encodes.
func wristband(r mar.Resident) string { return r.WristbandID }

var keyCounter atomic.Int64

func newKey() string { return fmt.Sprintf("test-key-%d-%s", keyCounter.Add(1), mar.NewID()) }

// scanWristband opens a bedside context and returns its id.
func scanWristband(t testing.TB, c *testenv.Client, r mar.Resident) string {
	t.Helper()
	var out struct {
		ContextID string `json:"context_id"`
	}
	resp := c.Do("POST", "/api/v1/bedside/wristband", map[string]string{"scan": wristband(r)}, map[string]string{"Idempotency-Key": newKey()})
	if resp.Status != http.StatusOK {
		t.Fatalf("wristband %s: %d %s", r.FamilyName, resp.Status, resp.Body)
	}
	if err := json.Unmarshal(resp.Body, &out); err != nil || out.ContextID == "" {
		t.Fatalf("wristband answer %s: %v", resp.Body, err)
	}
	return out.ContextID
}

// body is a request body under construction.
type body map[string]any

// verdict is the decoded answer of verify (200) or its refusal (422).
type verdict struct {
	Allowed bool    `json:"allowed"`
	Checks  []check `json:"checks"`
	Dose    *struct {
		ID string `json:"id"`
	} `json:"dose"`
	Order *struct {
		ID string `json:"id"`
	} `json:"order"`
	Lot      string  `json:"lot"`
	Expiry   string  `json:"expiry"`
	Quantity float64 `json:"quantity"`
	Amount   float64 `json:"amount"`
	Requires struct {
		Witness        bool     `json:"witness"`
		Vitals         []string `json:"vitals"`
		Glucose        bool     `json:"glucose"`
		Site           bool     `json:"site"`
		OverrideReason bool     `json:"override_reason"`
		Overrides      []string `json:"overrides"`
	} `json:"requires"`
	Candidates []json.RawMessage `json:"candidates"`
}

type check struct {
	Right   string `json:"right"`
	Status  string `json:"status"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

// refusal decodes a refused answer's checks and candidates.
type refusal struct {
	Error struct {
		Code    string `json:"code"`
		Reason  string `json:"reason"`
		Message string `json:"message"`
		Details struct {
			Checks       []check           `json:"checks"`
			Candidates   []json.RawMessage `json:"candidates"`
			DocumentedBy string            `json:"documented_by"`
			DocumentedAt string            `json:"documented_at"`
		} `json:"details"`
	} `json:"error"`
}

func decode[T any](t testing.TB, r testenv.Response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
	return v
}

func (b *bed) login(name string) *testenv.Client { return b.env.Login(b.t, name) }

// witness is the second nurse's credentials.
var witness = map[string]string{"username": "nurse2", "password": demo.Password}
