package web_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/emar-project/emar/alerts"
	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/demo"
)

// Two replicas of the service behind a load balancer, one PostgreSQL:
// what protects sign-in, the alert sweeper and the live board must hold
// for the deployment as a whole, not once per replica.
func TestReplicasShareSignInLimitLockoutAlertsAndStream(t *testing.T) {
	reps := testenv.StartReplicas(t, 2, testenv.Options{Now: t0})
	anon := []*testenv.Client{reps[0].Anonymous(t), reps[1].Anonymous(t)}
	signIn := func(replica int, from, name, password string) testenv.Response {
		return anon[replica].Do("POST", "/api/v1/auth/login", map[string]string{"username": name, "password": password},
			map[string]string{"X-Forwarded-For": from})
	}

	t.Run("one sign-in limit per address across replicas", func(t *testing.T) {
		// 30 attempts a minute from one address, however they are spread
		// over the replicas: a per-replica limit would let 60 through. The
		// window is the wall clock's minute; a run that straddles two
		// windows starts again in a fresh address.
		for try := 0; ; try++ {
			from := fmt.Sprintf("198.51.100.%d", try+1)
			start := time.Now()
			accepted, refusedAt := 0, 0
			var refused testenv.Response
			for i := 0; i < 61 && refusedAt == 0; i++ {
				r := signIn(i%2, from, fmt.Sprintf("nobody-%d-%d", try, i), "guess")
				switch r.Status {
				case http.StatusUnauthorized:
					accepted++
				case http.StatusTooManyRequests:
					refusedAt, refused = i+1, r
				default:
					t.Fatalf("attempt %d: %d %s", i+1, r.Status, r.Body)
				}
			}
			if start.Truncate(time.Minute) != time.Now().Truncate(time.Minute) && try < 3 {
				continue
			}
			if refusedAt != 31 || accepted != 30 {
				t.Fatalf("refused at attempt %d after %d accepted, want the 31st after 30", refusedAt, accepted)
			}
			if e := refused.Err(t); e.Error.Reason != "rate_limited" || refused.Header.Get("Retry-After") == "" {
				t.Errorf("refusal: %s, Retry-After %q", refused.Body, refused.Header.Get("Retry-After"))
			}
			// Both replicas refuse the address now; another address is free.
			for i := range reps {
				if r := signIn(i, from, "nobody", "guess"); r.Status != http.StatusTooManyRequests {
					t.Errorf("replica %d let the limited address in: %d", i, r.Status)
				}
			}
			if r := signIn(1, "203.0.113.9", "nobody", "guess"); r.Status != http.StatusUnauthorized {
				t.Errorf("another address: %d %s", r.Status, r.Body)
			}
			return
		}
	})

	t.Run("a lockout on one replica holds on the other", func(t *testing.T) {
		from := "192.0.2.10"
		for i := 0; i < 5; i++ {
			if r := signIn(i%2, from, "charge", "guess"); r.Status != http.StatusUnauthorized {
				t.Fatalf("failure %d: %d %s", i+1, r.Status, r.Body)
			}
		}
		for i := range reps {
			r := signIn(i, from, "charge", demo.Password)
			if r.Status != http.StatusTooManyRequests || r.Err(t).Error.Reason != "account_locked" {
				t.Errorf("replica %d, right password while locked: %d %s", i, r.Status, r.Body)
			}
		}
	})

	// The lock above lasts 15 minutes of the service's clock.
	reps[0].Clock.Advance(16 * time.Minute)
	now := reps[0].Clock.Now()

	t.Run("each missed dose alerted once, on the board of either replica", func(t *testing.T) {
		var maple mar.Unit
		for _, u := range reps[0].Demo.Units {
			if u.Code == "MAPLE" {
				maple = u
			}
		}
		charge := reps[1].Login(t, "charge")
		resp, ch, _ := openStream(t, charge, maple.ID, "")
		defer resp.Body.Close()

		// Doses whose window closes in ten minutes, on the unit.
		b := &board{t: t, env: reps[0]}
		doses := b.addDoses(maple.ID, now.Add(-20*time.Minute), 3)
		reps[0].Clock.Advance(11 * time.Minute)

		// Each replica's sweeper ticks three times at the same moment;
		// only replica 0's hub is woken, replica 1's board must see the
		// alerts through the database.
		sweepers := []*alerts.Sweeper{
			alerts.NewSweeper(reps[0].Svc, alerts.Config{}, reps[0].AlertHub, testenv.Logger(t)),
			alerts.NewSweeper(reps[1].Svc, alerts.Config{}, nil, testenv.Logger(t)),
		}
		var wg sync.WaitGroup
		missed := make([]int, len(sweepers))
		begin := make(chan struct{})
		for i, s := range sweepers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-begin
				for tick := 0; tick < 3; tick++ {
					res, err := s.Sweep(context.Background())
					if err != nil {
						t.Errorf("replica %d: %v", i, err)
					}
					missed[i] += res.Missed
				}
			}()
		}
		close(begin)
		wg.Wait()
		var missedDoses int64
		db := reps[1].Store.Gorm()
		if err := db.Raw(`SELECT count(*) FROM scheduled_doses WHERE status = 'missed'`).Scan(&missedDoses).Error; err != nil {
			t.Fatal(err)
		}
		if int64(missed[0]+missed[1]) != missedDoses || missedDoses < int64(len(doses)) {
			t.Errorf("replicas marked %v doses missed; the database holds %d missed doses, ours are %d", missed, missedDoses, len(doses))
		}
		var perDose []int64
		if err := db.Raw(`SELECT count(a.id) FROM scheduled_doses d LEFT JOIN alerts a ON a.dose_id = d.id AND a.kind = 'missed'
			WHERE d.status = 'missed' GROUP BY d.id`).Scan(&perDose).Error; err != nil {
			t.Fatal(err)
		}
		if int64(len(perDose)) != missedDoses {
			t.Errorf("%d missed doses counted, want %d", len(perDose), missedDoses)
		}
		for _, n := range perDose {
			if n != 1 {
				t.Errorf("a missed dose has %d missed alerts, want 1", n)
			}
		}
		ours := map[string]bool{}
		for _, d := range doses {
			ours[d.ID] = true
		}

		seen := map[string]bool{}
		for len(seen) < len(doses) {
			ev := next(t, ch)
			if ev.Type != "raised" || ev.Data.Alert.Kind != "missed" || !ours[ev.Data.Alert.DoseID] {
				continue // the demo's own doses may be late or missed too
			}
			if ev.Data.Alert.UnitID != maple.ID || seen[ev.Data.Alert.ID] {
				t.Fatalf("unexpected event on replica 1's board: %+v", ev)
			}
			seen[ev.Data.Alert.ID] = true
		}
		// An acknowledgement on replica 0 reaches the board on replica 1.
		var first string
		for id := range seen {
			first = id
			break
		}
		nurse := reps[0].Login(t, "charge")
		if st := nurse.JSON("POST", "/api/v1/alerts/"+first+"/acknowledge", map[string]string{"note": "seen"}, nil); st != http.StatusOK {
			t.Fatalf("acknowledge on replica 0: %d", st)
		}
		for {
			ev := next(t, ch) // fails the test if nothing comes within 10 s
			if ev.Type == "acknowledged" && ev.Data.Alert.ID == first {
				break
			}
		}
	})
}
