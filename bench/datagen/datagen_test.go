package datagen

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store/storetest"
)

func TestPassZonePutsNowInTheMorningPass(t *testing.T) {
	for h := 0; h < 24; h++ {
		for _, m := range []int{0, 29, 30, 59} {
			now := time.Date(2026, 3, 8, h, m, 0, 0, time.UTC)
			loc, err := time.LoadLocation(PassZone(now))
			if err != nil {
				t.Fatal(err)
			}
			l := now.In(loc)
			mins := l.Hour()*60 + l.Minute()
			if mins < 8*60+30 || mins >= 9*60+30 {
				t.Errorf("%s: local %s in %s", now.Format("15:04"), l.Format("15:04"), loc)
			}
		}
	}
}

func TestSmallFacilityVerifiesAndMaterialisesOnwards(t *testing.T) {
	if len(storetest.Engines(t)) < 2 {
		t.Skip("needs PostgreSQL (EMAR_TEST_PG_DSN): the generator uses COPY")
	}
	ctx := context.Background()
	st := storetest.Open(t, "postgres")
	now := time.Now().UTC().Truncate(time.Microsecond)
	o := Options{Beds: 20, Occupancy: 0.8, Units: 2, NursesPerUnit: 2, Days: 3, LadderResidents: 3, LadderOrders: 4, LadderNurses: 2, Now: now, Seed: 3}
	f, err := Build(ctx, st, o)
	if err != nil {
		t.Fatal(err)
	}
	if f.LadderResident != 16 || len(f.Residents) != 19 || f.LadderNurse != 4 || len(f.Nurses) != 6 {
		t.Fatalf("facility sizes: %+v", f)
	}
	hs, err := History(ctx, st, f, o)
	if err != nil {
		t.Fatal(err)
	}
	// 15 doses a day per resident over 3-4 days before the cutoff.
	if hs.Doses < 16*15*3 || hs.Doses > 16*15*5 || hs.AuditEvents < 16*3 {
		t.Fatalf("history: %+v", hs)
	}
	var documented int64
	if err := st.DB().QueryRowContext(ctx, "SELECT count(*) FROM scheduled_doses WHERE status IN ('given','held','refused') AND admin_id IS NOT NULL").Scan(&documented); err != nil {
		t.Fatal(err)
	}
	if hs.Administrations == 0 || documented != hs.Administrations {
		t.Fatalf("%d administrations for %d documented doses", hs.Administrations, documented)
	}
	// The rows were copied with the foreign-key triggers off: every
	// reference must still resolve.
	for _, q := range []string{
		"SELECT count(*) FROM scheduled_doses d LEFT JOIN orders o ON o.id = d.order_id LEFT JOIN residents r ON r.id = d.resident_id LEFT JOIN units u ON u.id = d.unit_id WHERE o.id IS NULL OR r.id IS NULL OR u.id IS NULL",
		"SELECT count(*) FROM administrations a LEFT JOIN scheduled_doses d ON d.id = a.dose_id LEFT JOIN users n ON n.id = a.performer_id LEFT JOIN products p ON p.id = a.product_id WHERE d.id IS NULL OR n.id IS NULL OR p.id IS NULL OR d.admin_id <> a.id",
	} {
		var bad int
		if err := st.DB().QueryRowContext(ctx, q).Scan(&bad); err != nil || bad != 0 {
			t.Fatalf("%d dangling references (%v): %s", bad, err, q)
		}
	}
	n, brk, err := st.VerifyAudit(ctx)
	if err != nil || brk != nil || n != hs.AuditEvents {
		t.Fatalf("verify: %d %v %v", n, brk, err)
	}
	svc := mar.NewService(st, nil)
	svc.Clock = mar.ClockFunc(func() time.Time { return now })
	res, err := svc.Materialize(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// From the cutoff (07:00 today) to now + 48 h: 2-3 days of 15 doses.
	if res.Doses < 16*15*2 || res.Doses > 16*15*3+3*4*3 {
		t.Fatalf("materialised %+v", res)
	}
	var open int
	if err := st.DB().QueryRowContext(ctx, "SELECT count(*) FROM scheduled_doses WHERE status = 'scheduled' AND window_start <= $1 AND window_end >= $1", now).Scan(&open); err != nil {
		t.Fatal(err)
	}
	// Now is the 09:00 pass: at least the six 09:00 doses of every resident
	// and the ladder ward's daily doses are open.
	if open < 16*6+3*4 {
		t.Fatalf("%d doses open now", open)
	}
	if !strings.HasPrefix(f.Zone, "Etc/") {
		t.Fatalf("zone %s", f.Zone)
	}
}
