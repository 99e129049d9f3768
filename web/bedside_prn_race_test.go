package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store/storetest"
)

// prnRule is an as-needed order's limits as the test knows them from the
// order's words, independently of how the service reads them.
type prnRule struct {
	interval  time.Duration
	maxDoses  int     // per 24 h, 0 = none
	maxAmount float64 // mg per 24 h, 0 = none
}

// chartedDose is a given, live administration as the invariant sees it.
type chartedDose struct {
	id        string
	order     string
	at        time.Time
	amount    float64 // mg
	back      bool
	crossings []mar.LimitCrossing
}

// limitBreach is a pair (interval) or a 24-hour period (maximum) of doses
// on the chart that crosses a limit.
type limitBreach struct {
	limit string
	doses []chartedDose
}

func (b limitBreach) String() string {
	s := b.limit + ":"
	for _, d := range b.doses {
		s += fmt.Sprintf(" %s %s %.0f mg back=%v;", d.at.Format(time.RFC3339), d.order[len(d.order)-4:], d.amount, d.back)
	}
	return s
}

// limitBreaches lists every pair and period of doses of one ingredient that
// crosses a limit: two doses closer than the later dose's order allows;
// more doses in the 24 hours up to a dose than that dose's order allows;
// more of the ingredient in the 24 hours up to any dose than any order of
// the ingredient allows.
func limitBreaches(chart []chartedDose, rules map[string]prnRule) []limitBreach {
	sorted := slices.Clone(chart)
	slices.SortStableFunc(sorted, func(a, b chartedDose) int { return a.at.Compare(b.at) })
	var out []limitBreach
	for j, later := range sorted {
		for _, earlier := range sorted[:j] {
			if later.at.Sub(earlier.at) < rules[later.order].interval {
				out = append(out, limitBreach{mar.LimitMinInterval, []chartedDose{earlier, later}})
			}
		}
		var period []chartedDose
		amount := 0.0
		for _, d := range sorted[:j+1] {
			if d.at.After(later.at.Add(-24 * time.Hour)) {
				period = append(period, d)
				amount += d.amount
			}
		}
		if m := rules[later.order].maxDoses; m > 0 && len(period) > m {
			out = append(out, limitBreach{mar.LimitMaxDoses, period})
		}
		for _, r := range rules {
			if r.maxAmount > 0 && amount > r.maxAmount+1e-9 {
				out = append(out, limitBreach{mar.LimitMaxAmount, period})
				break
			}
		}
	}
	return out
}

// excused reports whether a breach was charted knowingly: one of its doses
// was back-charted, carries the crossing (naming the other dose, for an
// interval) and raised an alert for the charge nurse.
func excused(b limitBreach, alerted map[string]bool) bool {
	for _, d := range b.doses {
		if !d.back || !alerted[d.id] {
			continue
		}
		for _, c := range d.crossings {
			if c.Limit != b.limit {
				continue
			}
			if b.limit != mar.LimitMinInterval {
				return true
			}
			for _, o := range b.doses {
				if o.id != d.id && slices.Contains(c.With, o.id) {
					return true
				}
			}
		}
	}
	return false
}

// Several devices chart PRN acetaminophen for one resident at the same
// moment: two orders of the ingredient (1000 mg q6h max 4/24h, and 500 mg
// every hour max 2 g/24h), doses given now and back-charted up to three
// hours, in any order. After every round, no pair of doses on the chart
// is closer than the later dose's order allows and no 24-hour period
// holds more doses or more acetaminophen than an order allows — unless a
// back-charted dose of that pair or period is flagged with the crossing
// and the charge nurse was alerted. A dose charted now that would cross a
// limit is refused.
func TestBedsidePRNLimitsUnderConcurrency(t *testing.T) {
	const perRound = 10
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			rounds := raceRounds(engine)
			if engine != "postgres" {
				rounds = min(rounds, 100)
			}
			if testing.Short() {
				rounds = 5
			}
			b := newBed(t, engine)
			b.env.Svc.Config.Bedside.ContextLifetime = 10 * 365 * 24 * time.Hour
			b.env.Svc.Config.DeviceLifetime = 10 * 365 * 24 * time.Hour
			r := b.resident("Kowalski")
			orderA := b.order(r, "acetaminophen", true) // 1000 mg q6h PRN max 4/24h
			p500 := b.product("Acetaminophen 500")
			orderB := b.addOrder(mar.Order{ResidentID: r.ID, ProductID: p500.ID, Ingredient: "paracetamol", DoseValue: 500, DoseUnit: "mg", Route: "oral",
				Frequency: "PRN every 1 hour max 2 g/24h", PRN: true, PRNReason: "fever"})
			rules := map[string]prnRule{
				orderA.ID: {interval: 6 * time.Hour, maxDoses: 4},
				orderB.ID: {interval: time.Hour, maxAmount: 2000},
			}
			orders := []mar.Order{orderA, orderB}

			type device struct{ token, ctx string }
			var devices []device
			for _, name := range []string{"nurse", "nurse", "nurse2", "charge"} {
				c := b.login(name)
				devices = append(devices, device{c.Token, scanWristband(t, c, r)})
			}
			hc := loopbackClient()
			url := b.env.URL + "/api/v1/administrations"
			seed := uint64(time.Now().UnixNano())
			rng := rand.New(rand.NewPCG(seed, 15))
			t.Logf("seed %d", seed)

			type answer struct {
				status int
				body   []byte
				err    error
			}
			var accepted, flagged, refused, backCharted int
			refusedBy := map[string]int{}
			began := time.Now()
			for round := 0; round < rounds; round++ {
				b.env.Clock.Advance(time.Hour + time.Duration(rng.IntN(30*60))*time.Minute)
				now := b.env.Clock.Now()
				scan := b.pack(p500)
				type request struct {
					token   string
					payload []byte
				}
				reqs := make([]request, perRound)
				for i := range reqs {
					d := devices[rng.IntN(len(devices))]
					req := body{"context_id": d.ctx, "scan": scan, "order_id": orders[rng.IntN(len(orders))].ID, "prn_indication": "pain", "pain_score": 5}
					if rng.IntN(2) == 0 {
						req["performed_at"] = now.Add(-time.Duration(2+rng.IntN(180)) * time.Minute)
						req["back_documented_reason"] = "given during a fall on the unit"
						backCharted++
					}
					reqs[i].token = d.token
					reqs[i].payload, _ = json.Marshal(req)
				}
				answers := make([]answer, perRound)
				var ready, done sync.WaitGroup
				gate := make(chan struct{})
				for i, rq := range reqs {
					ready.Add(1)
					done.Add(1)
					go func() {
						defer done.Done()
						ready.Done()
						<-gate
						st, bd, _, err := rawPost(hc, url, rq.token, fmt.Sprintf("prn-%d-%d", round, i), rq.payload)
						answers[i] = answer{st, bd, err}
					}()
				}
				ready.Wait()
				// The clock runs while the requests are in flight, as a real
				// one does: each request reads its own "now".
				stop, ticked := make(chan struct{}), make(chan struct{})
				go func() {
					defer close(ticked)
					for {
						select {
						case <-stop:
							return
						default:
							b.env.Clock.Advance(time.Millisecond)
							time.Sleep(50 * time.Microsecond)
						}
					}
				}()
				close(gate)
				done.Wait()
				close(stop)
				<-ticked
				for i, a := range answers {
					switch {
					case a.err != nil:
						t.Fatalf("round %d request %d: %v", round, i, a.err)
					case a.status == http.StatusCreated:
						accepted++
						var out struct {
							Flags []string `json:"flags"`
						}
						_ = json.Unmarshal(a.body, &out)
						if slices.Contains(out.Flags, mar.ReasonLimitCrossed) {
							flagged++
						}
					case a.status == http.StatusUnprocessableEntity:
						var ref refusal
						_ = json.Unmarshal(a.body, &ref)
						switch ref.Error.Reason {
						case mar.ReasonPRNTooSoon, mar.ReasonPRNMaxDoses, mar.ReasonPRNMaxAmount:
							refused++
							refusedBy[ref.Error.Reason]++
						default:
							t.Fatalf("round %d request %d: refused for %q: %s", round, i, ref.Error.Reason, a.body)
						}
					default:
						t.Fatalf("round %d request %d: status %d %s", round, i, a.status, a.body)
					}
				}

				// Every pair and period a dose of this round belongs to lies
				// within 27 hours of now; earlier ones were checked before.
				var chart []chartedDose
				b.tx(func(tx mar.Tx) error {
					as, err := tx.ListAdministrations(mar.AdministrationFilter{ResidentID: r.ID, Since: now.Add(-54 * time.Hour), GivenOnly: true})
					for _, a := range as {
						chart = append(chart, chartedDose{a.ID, a.OrderID, a.PerformedAt, a.Amount, a.BackDocumented, a.LimitCrossings})
					}
					return err
				})
				for _, d := range chart {
					if len(d.crossings) > 0 && !d.back {
						t.Fatalf("round %d: a dose charted now was flagged instead of refused: %+v", round, d)
					}
				}
				alerted := limitAlerts(t, b, r)
				for _, br := range limitBreaches(chart, rules) {
					if !br.doses[len(br.doses)-1].at.Before(now.Add(-27*time.Hour)) && !excused(br, alerted) {
						t.Fatalf("round %d: limit crossed with no flag and alert: %s", round, br)
					}
				}
				if tenth := max(rounds/10, 1); (round+1)%tenth == 0 && rounds >= 100 {
					t.Logf("%s: %d rounds after %v", engine, round+1, time.Since(began).Round(time.Millisecond))
				}
			}
			if accepted == 0 || refused == 0 || flagged == 0 {
				t.Errorf("the rounds never exercised every outcome: %d accepted, %d refused, %d flagged", accepted, refused, flagged)
			}
			t.Logf("%s: %d rounds × %d PRN documents from %d devices in %v: %d charted (%d of them back-charted across a limit, flagged and alerted), %d refused %v; %d requests were back-charted",
				engine, rounds, perRound, len(devices), time.Since(began).Round(time.Millisecond), accepted, flagged, refused, refusedBy, backCharted)
		})
	}
}

// limitAlerts returns the administrations of the resident that raised a
// limit_crossed alert.
func limitAlerts(t *testing.T, b *bed, r mar.Resident) map[string]bool {
	t.Helper()
	var ids []string
	if err := b.env.Store.Gorm().WithContext(context.Background()).Raw("SELECT subject_id FROM alerts WHERE kind = 'limit_crossed' AND resident_id = ?", r.ID).Scan(&ids).Error; err != nil {
		t.Fatal(err)
	}
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out
}
