package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/emar-project/emar/alerts"
	"github.com/emar-project/emar/bench/datagen"
	"github.com/emar-project/emar/bench/loadgen"
	"github.com/emar-project/emar/internal/emarproc"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store"
)

type facilityResult struct {
	Residents              int     `json:"residents"`
	LadderResidents        int     `json:"ladder_residents"`
	Nurses                 int     `json:"nurses"`
	Orders                 int     `json:"orders"`
	Zone                   string  `json:"time_zone"`
	HistoryDays            int     `json:"history_days"`
	HistoryDoses           int64   `json:"history_doses"`
	HistoryAdministrations int64   `json:"history_administrations"`
	HistoryAuditEvents     int64   `json:"history_audit_events"`
	GenerateSeconds        float64 `json:"generate_seconds"`
	Note                   string  `json:"note"`

	Verify   []loadgen.Result `json:"verify"`
	Document []loadgen.Result `json:"document"`
	Burst    *burstResult     `json:"burst"`
	// OpenVerify and OpenDocument are the open-loop runs at openRate.
	OpenVerify   *loadgen.OpenResult `json:"open_loop_verify"`
	OpenDocument *loadgen.OpenResult `json:"open_loop_document"`
	// DuringSweep is documenting at a steady rate while a missed-dose
	// sweep runs, against the same rate with no sweep.
	DuringSweep *duringSweepResult `json:"document_during_sweep"`
	// BestAdministrationsPerSec is the best documenting rung: the figure
	// compared with pgbench.
	BestAdministrationsPerSec float64 `json:"best_administrations_per_second"`
	Duplicates                int     `json:"duplicate_administrations"`
	AuditVerify               string  `json:"audit_verify"`
}

type burstResult struct {
	Nurses          int              `json:"nurses"`
	Residents       int              `json:"residents"`
	Administrations int              `json:"administrations"`
	Errors          int              `json:"errors"`
	ErrorSample     string           `json:"error_sample,omitempty"`
	Seconds         float64          `json:"seconds"`
	PerSecond       float64          `json:"administrations_per_second"`
	DoseP50         time.Duration    `json:"dose_p50_ns"`
	DoseP99         time.Duration    `json:"dose_p99_ns"`
	Steps           []loadgen.Result `json:"steps"`
}

// rung is one step of the throughput ladder: clients nurses, each with
// perClient doses of its own.
type rung struct{ clients, perClient int }

var ladder = []rung{{1, 150}, {4, 75}, {16, 48}, {32, 24}}

const (
	// openRate and openTime are the open-loop verify and document runs.
	openRate = 200.0
	openTime = 4 * time.Second
	// sweepDocRate is the documenting rate held while a sweep marks
	// sweepMissed doses missed, and with no sweep for sweepIdleTime.
	sweepDocRate  = 100.0
	sweepIdleTime = 4 * time.Second
	sweepMaxTime  = 8 * time.Second
	sweepMissed   = 10000
)

type duringSweepResult struct {
	Missed       int                `json:"missed"`
	SweepSeconds float64            `json:"sweep_seconds"`
	SweepError   string             `json:"sweep_error,omitempty"`
	Idle         loadgen.OpenResult `json:"idle"`
	During       loadgen.OpenResult `json:"during"`
	// P99Ratio is the p99 during the sweep over the p99 with none.
	P99Ratio float64 `json:"p99_ratio"`
}

// gs1Pack is what a scanner reads off a unit-dose pack: AIM ]d2, GTIN,
// expiry, lot, GS, serial.
func gs1Pack(gtin string, expiry time.Time, lot string) string {
	return fmt.Sprintf("]d201%s17%s10%s\x1d21SN%s", gtin, expiry.Format("060102"), lot, lot)
}

// facility builds the 500-bed facility with its history, serves it with
// the real emar binary and drives the bedside flow against it: the
// verify/document ladder, then the 09:00 burst.
func (b *bench) facility(ctx context.Context) error {
	const name = "bench_facility"
	st, err := b.openMigrated(ctx, name)
	if err != nil {
		return err
	}
	defer b.dropDB(ctx, name)
	now := time.Now().UTC().Truncate(time.Microsecond)
	opts := datagen.DefaultOptions(now)
	// The ladder's residents also serve the open-loop runs.
	opts.LadderResidents = 400
	t0 := time.Now()
	f, err := datagen.Build(ctx, st, opts)
	if err != nil {
		st.Close()
		return err
	}
	hs, err := datagen.History(ctx, st, f, opts)
	if err != nil {
		st.Close()
		return err
	}
	if _, err := st.DB().ExecContext(ctx, "ANALYZE"); err != nil {
		st.Close()
		return err
	}
	r := &facilityResult{Residents: f.LadderResident, LadderResidents: len(f.Residents) - f.LadderResident, Nurses: len(f.Nurses),
		Orders: f.Orders, Zone: f.Zone, HistoryDays: opts.Days, HistoryDoses: hs.Doses, HistoryAdministrations: hs.Administrations,
		HistoryAuditEvents: hs.AuditEvents, GenerateSeconds: time.Since(t0).Seconds(),
		Note: "history: " + datagen.HistoryNote + "; sessions opened by mar.Service.Login in-process (the HTTP sign-in limit is 30/min per address)"}
	b.rep.Facility = r
	b.log.Info("facility generated", "residents", r.Residents, "doses", hs.Doses, "administrations", hs.Administrations, "seconds", r.GenerateSeconds)

	// Sessions: the real Login, two at a time (Argon2id is the cost).
	svc := mar.NewService(st, quietLog())
	tokens := make([]string, len(f.Nurses))
	var wg sync.WaitGroup
	errs := make(chan error, len(f.Nurses))
	sem := make(chan struct{}, 2)
	for i, n := range f.Nurses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			res, err := svc.Login(ctx, n.Username, datagen.Password, mar.SessionDevice, mar.Identity{SourceIP: "127.0.0.1", Device: "emar-bench"})
			if err != nil {
				errs <- fmt.Errorf("login %s: %w", n.Username, err)
				return
			}
			tokens[i] = res.Token
		}()
	}
	wg.Wait()
	st.Close()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}

	addr, err := emarproc.FreeAddr()
	if err != nil {
		return err
	}
	logFile, err := os.Create(filepath.Join(b.cfg.out, "emar-serve.log"))
	if err != nil {
		return err
	}
	defer logFile.Close()
	proc := &emarproc.Proc{Bin: b.cfg.emar, Addr: addr, Args: []string{"--db", b.pg.DatabaseDSN(name), "--log-format", "json"}, Log: logFile}
	if err := proc.Start(ctx, 2*time.Minute); err != nil {
		return err
	}
	defer proc.Stop()
	hc := loadgen.HTTPClient(64, 30*time.Second)
	nurse := func(i int) *loadgen.Bedside {
		return &loadgen.Bedside{Base: proc.URL(), Token: tokens[i], Device: "bench-" + f.Nurses[i].Username, HTTP: hc}
	}
	expiry := now.AddDate(1, 0, 0)
	gtinOf := map[string]string{}
	for _, res := range f.Residents {
		for _, o := range res.Orders {
			gtinOf[o.ProductID] = o.GTIN
		}
	}
	// open scans a resident's wristband for a nurse and returns the
	// medication requests for every dose due now.
	open := func(n *loadgen.Bedside, res datagen.Resident) ([]loadgen.Medication, error) {
		// Retried: a rung cut off by its deadline leaves the service a
		// connection or two to replace, answered with a 503.
		w, err := n.WristbandRetrying(ctx, res.Wristband, mar.NewID(), 3, 200*time.Millisecond)
		if err != nil {
			return nil, fmt.Errorf("wristband %s: %w", res.Wristband, err)
		}
		var out []loadgen.Medication
		for _, it := range w.Due.DueNow {
			if it.Dose == nil {
				continue
			}
			gtin := gtinOf[it.Order.ProductID]
			out = append(out, loadgen.Medication{ContextID: w.ContextID, DoseID: it.Dose.ID, Scan: gs1Pack(gtin, expiry, "B"+gtin[8:13])})
		}
		return out, nil
	}

	// The ladder: each rung gets fresh residents of the ladder ward.
	next := f.LadderResident
	for _, rg := range ladder {
		queues := make([][]loadgen.Medication, rg.clients)
		for w := 0; w < rg.clients; w++ {
			n := nurse(f.LadderNurse + w)
			for len(queues[w]) < rg.perClient {
				if next >= len(f.Residents) {
					return errors.New("ladder: not enough ladder residents for the rungs")
				}
				meds, err := open(n, f.Residents[next])
				next++
				if err != nil {
					return err
				}
				queues[w] = append(queues[w], meds...)
			}
			queues[w] = queues[w][:rg.perClient]
		}
		v := loadgen.Run(ctx, loadgen.Plan{Name: "verify", Clients: rg.clients, Total: rg.perClient, PerClient: true, Deadline: b.cfg.ladderTime},
			func(ctx context.Context, w, i int) error {
				return nurse(f.LadderNurse+w).Verify(ctx, queues[w][i], mar.NewID())
			})
		r.Verify = append(r.Verify, v)
		d := loadgen.Run(ctx, loadgen.Plan{Name: "document", Clients: rg.clients, Total: rg.perClient, PerClient: true, Deadline: b.cfg.ladderTime},
			func(ctx context.Context, w, i int) error {
				_, err := nurse(f.LadderNurse+w).Document(ctx, queues[w][i], mar.NewID())
				return err
			})
		r.Document = append(r.Document, d)
		r.BestAdministrationsPerSec = max(r.BestAdministrationsPerSec, d.Throughput)
		b.log.Info("ladder rung", "clients", rg.clients, "verify_per_s", v.Throughput, "verify_p99_ms", ms(v.P99), "document_per_s", d.Throughput, "document_p99_ms", ms(d.P99), "errors", v.Errors+d.Errors)
	}

	// The open-loop runs take the next ladder residents, each opened by
	// the nurse she is assigned to.
	type job struct {
		nurse int
		med   loadgen.Medication
	}
	prepare := func(k int) ([]job, error) {
		var jobs []job
		for len(jobs) < k && next < len(f.Residents) {
			ni := f.LadderNurse + (next-f.LadderResident)%(len(f.Nurses)-f.LadderNurse)
			meds, err := open(nurse(ni), f.Residents[next])
			next++
			if err != nil {
				return nil, err
			}
			for _, m := range meds {
				jobs = append(jobs, job{ni, m})
			}
		}
		if len(jobs) < k {
			return nil, fmt.Errorf("open loop: %d doses left on the ladder ward, want %d", len(jobs), k)
		}
		return jobs[:k], nil
	}
	openJobs, err := prepare(int(openRate * openTime.Seconds()))
	if err != nil {
		return err
	}
	ov := loadgen.OpenLoop(ctx, loadgen.OpenPlan{Name: "verify open loop", Rate: openRate, Duration: openTime}, func(ctx context.Context, i int) error {
		return nurse(openJobs[i].nurse).Verify(ctx, openJobs[i].med, mar.NewID())
	})
	r.OpenVerify = &ov
	od := loadgen.OpenLoop(ctx, loadgen.OpenPlan{Name: "document open loop", Rate: openRate, Duration: openTime}, func(ctx context.Context, i int) error {
		_, err := nurse(openJobs[i].nurse).Document(ctx, openJobs[i].med, mar.NewID())
		return err
	})
	r.OpenDocument = &od
	b.log.Info("open loop", "rate", openRate, "verify_p50_ms", ms(ov.P50), "verify_p99_ms", ms(ov.P99), "document_p50_ms", ms(od.P50), "document_p99_ms", ms(od.P99), "errors", ov.Errors+od.Errors)

	ds, err := b.documentDuringSweep(ctx, name, f, func(k int) ([]func(context.Context) error, error) {
		jobs, err := prepare(k)
		ops := make([]func(context.Context) error, len(jobs))
		for i, j := range jobs {
			ops[i] = func(ctx context.Context) error {
				_, err := nurse(j.nurse).Document(ctx, j.med, mar.NewID())
				return err
			}
		}
		return ops, err
	})
	r.DuringSweep = ds
	if err != nil {
		return err
	}

	r.Burst = b.burst(ctx, f, nurse, open)

	var dup int
	if err := proc.Stop(); err != nil {
		return err
	}
	dupOut, err := b.pg.Pg(ctx, "psql", "-XAtc", "SELECT count(*) FROM (SELECT dose_id FROM administrations WHERE NOT entered_in_error AND dose_id IS NOT NULL GROUP BY dose_id HAVING count(*) > 1) x", name)
	if err != nil {
		return err
	}
	fmt.Sscan(strings.TrimSpace(dupOut), &dup)
	r.Duplicates = dup
	t1 := time.Now()
	out, err := exec.CommandContext(ctx, b.cfg.emar, "audit", "verify", "--db", b.pg.DatabaseDSN(name)).CombinedOutput()
	r.AuditVerify = fmt.Sprintf("%s (%.1f s, emar audit verify)", strings.TrimSpace(string(out)), time.Since(t1).Seconds())
	if err != nil {
		return fmt.Errorf("emar audit verify: %v: %s", err, out)
	}
	if dup > 0 {
		return fmt.Errorf("%d doses have more than one live administration", dup)
	}
	return nil
}

// documentDuringSweep documents at sweepDocRate, open loop, first with
// nothing else running, then while alerts.Sweeper.Sweep (in this process,
// on its own connections) marks sweepMissed doses missed — doses of the
// same facility, none of them the ones being documented. The figure is the ratio of the two p99s.
func (b *bench) documentDuringSweep(ctx context.Context, name string, f *datagen.Facility, prepare func(int) ([]func(context.Context) error, error)) (*duringSweepResult, error) {
	st, err := store.Open(ctx, b.pg.DatabaseDSN(name), quietLog())
	if err != nil {
		return nil, err
	}
	defer st.Close()
	// The doses' windows close 5-10 minutes from now, so the served
	// process's own sweeper (real clock) leaves them alone; this sweeper's
	// clock runs 10 minutes ahead. The pass's doses close an hour after
	// 09:00, well after that.
	const ahead = 10 * time.Minute
	now := time.Now().UTC()
	if err := datagen.OpenDoses(ctx, st.DB(), f.FacilityID, sweepMissed, 1, now.Add(ahead/2), ahead/2, 0); err != nil {
		return nil, err
	}
	ops, err := prepare(int(sweepDocRate*sweepIdleTime.Seconds()) + int(sweepDocRate*sweepMaxTime.Seconds()))
	if err != nil {
		return nil, err
	}
	idleOps, sweepOps := ops[:int(sweepDocRate*sweepIdleTime.Seconds())], ops[int(sweepDocRate*sweepIdleTime.Seconds()):]
	res := &duringSweepResult{}
	res.Idle = loadgen.OpenLoop(ctx, loadgen.OpenPlan{Name: "document, no sweep", Rate: sweepDocRate, Duration: sweepIdleTime}, func(ctx context.Context, i int) error {
		return idleOps[i](ctx)
	})
	svc := mar.NewService(st, quietLog())
	svc.Clock = mar.ClockFunc(func() time.Time { return time.Now().Add(ahead + time.Second) })
	sw := alerts.NewSweeper(svc, alerts.DefaultConfig(), nil, quietLog())
	stop := make(chan struct{})
	var swept alerts.Result
	var sweepErr error
	var sweepTime time.Duration
	go func() {
		defer close(stop)
		t0 := time.Now()
		// A tick that meets the served process's sweeper in the
		// missed-dose step leaves the batch to it (the advisory lock keeps
		// replicas apart: the one without it finds nothing this time), but
		// that one's clock does not see these doses yet: sweep again until
		// they are all marked, within sweepMaxTime.
		for sweepErr == nil && swept.Missed < sweepMissed && time.Since(t0) < sweepMaxTime {
			res, err := sw.Sweep(ctx)
			swept.Missed += res.Missed
			sweepErr = err
			if err == nil && res.Missed == 0 {
				time.Sleep(50 * time.Millisecond) // the other sweeper still holds the lock
			}
		}
		sweepTime = time.Since(t0)
	}()
	res.During = loadgen.OpenLoop(ctx, loadgen.OpenPlan{Name: "document during a sweep", Rate: sweepDocRate, Duration: sweepMaxTime, Stop: stop}, func(ctx context.Context, i int) error {
		return sweepOps[i](ctx)
	})
	<-stop
	res.Missed, res.SweepSeconds, res.SweepError = swept.Missed, sweepTime.Seconds(), errString(sweepErr)
	if res.Idle.P99 > 0 {
		res.P99Ratio = float64(res.During.P99) / float64(res.Idle.P99)
	}
	b.log.Info("document during sweep", "missed", res.Missed, "sweep_s", res.SweepSeconds, "idle_p99_ms", ms(res.Idle.P99), "during_p99_ms", ms(res.During.P99), "ratio", res.P99Ratio)
	if sweepErr != nil {
		return res, fmt.Errorf("sweep during documenting: %w", sweepErr)
	}
	if res.Missed == 0 {
		return res, fmt.Errorf("the sweep marked no dose missed, want %d", sweepMissed)
	}
	if res.Missed < sweepMissed {
		// Only when sweepMaxTime ran out: the served process's sweeper
		// held the replicas' advisory lock at each of this one's ticks.
		b.log.Warn("the measured sweep marked fewer doses than were made overdue within its time", "missed", res.Missed, "want", sweepMissed)
	}
	return res, nil
}

// burst is the 09:00 medication pass: every pass nurse at once, each going
// through her residents — wristband, then verify and document for every
// dose due now — as fast as the service answers (no think time: a two-hour
// pass compressed into as long as the server needs).
func (b *bench) burst(ctx context.Context, f *datagen.Facility, nurse func(int) *loadgen.Bedside,
	open func(*loadgen.Bedside, datagen.Resident) ([]loadgen.Medication, error)) *burstResult {
	nurses := min(b.cfg.nurses, f.LadderNurse)
	ctx, cancel := context.WithTimeout(ctx, b.cfg.burstTime)
	defer cancel()
	type sample struct {
		wrist, verify, doc, dose []time.Duration
		errs                     int
		firstErr                 string
		residents                int
	}
	samples := make([]sample, nurses)
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < nurses; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			s := &samples[i]
			fail := func(err error) {
				s.errs++
				if s.firstErr == "" {
					s.firstErr = err.Error()
				}
			}
			n := nurse(i)
			for _, ri := range f.Nurses[i].Residents {
				if ctx.Err() != nil {
					return
				}
				t0 := time.Now()
				meds, err := open(n, f.Residents[ri])
				if err != nil {
					fail(err)
					continue
				}
				s.wrist = append(s.wrist, time.Since(t0))
				s.residents++
				for _, m := range meds {
					t1 := time.Now()
					if err := n.Verify(ctx, m, mar.NewID()); err != nil {
						fail(err)
						continue
					}
					t2 := time.Now()
					if _, err := n.Document(ctx, m, mar.NewID()); err != nil {
						fail(err)
						continue
					}
					t3 := time.Now()
					s.verify = append(s.verify, t2.Sub(t1))
					s.doc = append(s.doc, t3.Sub(t2))
					s.dose = append(s.dose, t3.Sub(t1))
				}
			}
		}(i)
	}
	wg.Wait()
	elapsed := time.Since(start)
	var wrist, verify, doc, dose []time.Duration
	br := &burstResult{Nurses: nurses, Seconds: elapsed.Seconds()}
	for _, s := range samples {
		wrist, verify, doc, dose = append(wrist, s.wrist...), append(verify, s.verify...), append(doc, s.doc...), append(dose, s.dose...)
		br.Errors += s.errs
		br.Residents += s.residents
		if br.ErrorSample == "" {
			br.ErrorSample = s.firstErr
		}
	}
	br.Administrations = len(doc)
	br.PerSecond = float64(len(doc)) / elapsed.Seconds()
	ds := loadgen.Summarise("dose", nurses, dose, elapsed)
	br.DoseP50, br.DoseP99 = ds.P50, ds.P99
	br.Steps = []loadgen.Result{loadgen.Summarise("wristband", nurses, wrist, elapsed), loadgen.Summarise("verify", nurses, verify, elapsed),
		loadgen.Summarise("document", nurses, doc, elapsed)}
	b.log.Info("burst", "nurses", nurses, "administrations", br.Administrations, "seconds", elapsed.Seconds(), "errors", br.Errors, "first_error", br.ErrorSample)
	return br
}
