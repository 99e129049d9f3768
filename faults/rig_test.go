package faults

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emar-project/emar/bench/datagen"
	"github.com/emar-project/emar/bench/loadgen"
	"github.com/emar-project/emar/internal/emarproc"
	"github.com/emar-project/emar/internal/pgctl"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store"
)

var (
	buildOnce sync.Once
	binDir    string
	emarBin   string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// binary builds the emar command once for all the tests.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if binDir, buildErr = os.MkdirTemp("", "emar-faults-"); buildErr != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		emarBin, buildErr = emarproc.Build(ctx, binDir)
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return emarBin
}

// long is the thorough mode: EMAR_FAULTS_LONG=1 (and not -short).
func long() bool { return os.Getenv("EMAR_FAULTS_LONG") == "1" && !testing.Short() }

func pick[T any](short, thorough T) T {
	if long() {
		return thorough
	}
	return short
}

// logBuffer collects the child's log lines safely.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// rig is one service under test: its database, its facility and the
// running emar child process.
type rig struct {
	t    *testing.T
	pg   *pgctl.Server // nil on SQLite
	dsn  string
	fac  *datagen.Facility
	proc *emarproc.Proc
	logs *logBuffer
	bin  string
	// auditKey signs this rig's checkpoints (emar serve makes it).
	auditKey string

	frozen []int // PostgreSQL processes stopped with SIGSTOP
}

// freeze stops every PostgreSQL process with SIGSTOP.
func (r *rig) freeze() {
	r.t.Helper()
	pids, err := r.pg.Pause()
	if err != nil {
		r.t.Fatal(err)
	}
	r.frozen = pids
}

// thaw continues what freeze stopped.
func (r *rig) thaw() {
	if len(r.frozen) > 0 {
		r.pg.Resume(r.frozen)
		r.frozen = nil
	}
}

type rigOptions struct {
	engine        string // "postgres" or "sqlite"
	beds, units   int
	nursesPerUnit int
	serveArgs     []string
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newRig(t *testing.T, o rigOptions) *rig {
	t.Helper()
	ctx := context.Background()
	r := &rig{t: t, bin: binary(t), logs: &logBuffer{}}
	switch o.engine {
	case "postgres":
		pgbin, err := pgctl.DefaultBin()
		if err != nil {
			if os.Getenv("EMAR_TEST_REQUIRE_PG") == "1" {
				t.Fatal(err)
			}
			t.Skip(err)
		}
		// Not t.TempDir: its parent is private to us, and the server runs
		// as the postgres user.
		dir, err := os.MkdirTemp("", "emar-faults-pg-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		pg, err := pgctl.NewCluster(ctx, pgbin, dir)
		if err != nil {
			t.Fatal(err)
		}
		r.pg = pg
		t.Cleanup(func() {
			r.thaw() // whatever a failed test left frozen
			pg.StopImmediate(context.Background())
		})
		if _, err := pg.Pg(ctx, "psql", "-XAtc", "CREATE DATABASE emar", "postgres"); err != nil {
			t.Fatal(err)
		}
		r.dsn = pg.DatabaseDSN("emar")
	default:
		r.dsn = "sqlite:" + filepath.Join(t.TempDir(), "emar.db")
	}
	st, err := store.Open(ctx, r.dsn, quiet())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	opts := datagen.Options{Beds: o.beds, Occupancy: 0.85, Units: o.units, NursesPerUnit: o.nursesPerUnit, Days: 1, Now: time.Now().UTC(), Seed: 5}
	if r.fac, err = datagen.Build(ctx, st, opts); err != nil {
		t.Fatal(err)
	}
	st.Close()
	addr, err := emarproc.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	// The audit signing key and checkpoints of this rig's database, apart
	// from every other test's.
	r.auditKey = filepath.Join(t.TempDir(), "signing.key")
	r.proc = &emarproc.Proc{Bin: r.bin, Addr: addr, Args: append([]string{"--db", r.dsn, "--log-format", "json", "--audit-key", r.auditKey}, o.serveArgs...), Log: r.logs}
	if err := r.proc.Start(ctx, time.Minute); err != nil {
		t.Fatalf("%v\n%s", err, r.logs)
	}
	t.Cleanup(func() {
		r.proc.Stop()
		if t.Failed() {
			var errs []string
			lines := strings.Split(r.logs.String(), "\n")
			for _, l := range lines {
				if strings.Contains(l, `"level":"ERROR"`) || strings.Contains(l, `"level":"WARN"`) {
					errs = append(errs, l)
				}
			}
			t.Logf("the service's warnings and errors (%d), first 30:\n%s", len(errs), strings.Join(errs[:min(30, len(errs))], "\n"))
		}
	})
	return r
}

// login signs the first n nurses in over HTTP through base (the service,
// or a proxy in front of it).
func (r *rig) login(base string, hc *http.Client, n int) []*loadgen.Bedside {
	r.t.Helper()
	out := make([]*loadgen.Bedside, n)
	for i := range out {
		var err error
		for attempt := 0; attempt < 20; attempt++ {
			if out[i], err = loadgen.Login(context.Background(), hc, base, r.fac.Nurses[i].Username, datagen.Password); err == nil {
				break
			}
			time.Sleep(100 * time.Millisecond) // a flaky network may eat the sign-in
		}
		if err != nil {
			r.t.Fatal(err)
		}
	}
	return out
}

// workload is what the nurses did and saw.
type workload struct {
	mu       sync.Mutex
	acked    map[string]string // dose id → administration id the client was given
	statuses map[int]int       // every answer by status (0: no answer)
	slowest  map[int]time.Duration
	failures []string
	attempts int
	done     atomic.Int64
	total    atomic.Int64 // doses the nurses found due
	replays  atomic.Int64 // answers replayed for a key: the first answer was lost
	// skip holds doses the nurses leave undocumented (to be missed).
	skip map[string]bool
	// pause is each nurse's time between two doses (zero: none).
	pause time.Duration
}

func newWorkload() *workload {
	return &workload{acked: map[string]string{}, statuses: map[int]int{}, slowest: map[int]time.Duration{}}
}

func (w *workload) observe(path string, status int, err error, took time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.statuses[status]++
	w.slowest[status] = max(w.slowest[status], took)
	w.attempts++
}

func (w *workload) fail(format string, args ...any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.failures = append(w.failures, fmt.Sprintf(format, args...))
}

// run has each client work through its nurse's residents: the wristband,
// then every dose due now documented with its own Idempotency-Key,
// retried with that key until the answer is final. It returns when every
// client is done or ctx ends.
func (r *rig) run(ctx context.Context, clients []*loadgen.Bedside, w *workload) {
	var wg sync.WaitGroup
	expiry := time.Now().AddDate(1, 0, 0)
	gtinOf := map[string]string{}
	for _, res := range r.fac.Residents {
		for _, o := range res.Orders {
			gtinOf[o.ProductID] = o.GTIN
		}
	}
	for i, c := range clients {
		if c.Observe == nil { // a test may count answers its own way
			c.Observe = w.observe
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, ri := range r.fac.Nurses[i].Residents {
				res := r.fac.Residents[ri]
				band, err := c.WristbandRetrying(ctx, res.Wristband, mar.NewID(), 400, 50*time.Millisecond)
				if err != nil {
					w.fail("wristband %s: %v", res.Wristband, err)
					continue
				}
				for _, it := range band.Due.DueNow {
					if it.Dose == nil || w.skip[it.Dose.ID] {
						continue
					}
					w.total.Add(1)
					gtin := gtinOf[it.Order.ProductID]
					m := loadgen.Medication{ContextID: band.ContextID, DoseID: it.Dose.ID, Scan: fmt.Sprintf("]d201%s17%s10L%s\x1d21S%s", gtin, expiry.Format("060102"), gtin[8:13], it.Dose.ID[:8])}
					d, _, err := c.DocumentRetrying(ctx, m, mar.NewID(), 400, 50*time.Millisecond)
					if err != nil {
						w.fail("document dose %s: %v", it.Dose.ID, err)
						continue
					}
					w.mu.Lock()
					w.acked[it.Dose.ID] = d.Administration.ID
					w.mu.Unlock()
					w.done.Add(1)
					if w.pause > 0 {
						select {
						case <-ctx.Done():
						case <-time.After(w.pause):
						}
					}
				}
			}
		}()
	}
	wg.Wait()
	for _, c := range clients {
		w.replays.Add(c.Replays())
	}
}

// waitDone waits until n doses are acknowledged, at most d.
func (w *workload) waitDone(n int64, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if w.done.Load() >= n {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// check proves what the faults must not break: every acknowledged
// administration is stored exactly once, for the dose it was given for,
// nothing was stored that a client was not told about, and the audit
// chain verifies with the emar binary's own command.
func (r *rig) check(w *workload) {
	t := r.t
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, f := range w.failures {
		t.Errorf("client gave up: %s", f)
	}
	if len(w.acked) == 0 || int64(len(w.acked)) != w.total.Load() {
		t.Errorf("%d of %d doses acknowledged", len(w.acked), w.total.Load())
	}
	ctx := context.Background()
	st, err := store.Open(ctx, r.dsn, quiet())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	stored := map[string][]string{} // dose → live administrations
	rows, err := st.DB().QueryContext(ctx, "SELECT dose_id, id FROM administrations WHERE NOT entered_in_error AND dose_id IS NOT NULL")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var dose, id string
		if err := rows.Scan(&dose, &id); err != nil {
			t.Fatal(err)
		}
		stored[dose] = append(stored[dose], id)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	for dose, ids := range stored {
		if len(ids) != 1 {
			t.Errorf("dose %s has %d live administrations: %v", dose, len(ids), ids)
		}
		if _, ok := w.acked[dose]; !ok {
			t.Errorf("dose %s has administration %v that no client was told about", dose, ids)
		}
	}
	for dose, id := range w.acked {
		if got := stored[dose]; len(got) != 1 || got[0] != id {
			t.Errorf("acknowledged administration %s of dose %s: stored %v", id, dose, got)
		}
	}
	out, err := exec.Command(r.bin, "audit", "verify", "--db", r.dsn, "--audit-key", r.auditKey).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "audit trail intact") {
		t.Errorf("emar audit verify: %v: %s", err, out)
	}
	t.Logf("%d administrations acknowledged and stored once each; %d requests, answers by status %v, %d replayed for their key; %s",
		len(w.acked), w.attempts, w.statuses, w.replays.Load(), strings.TrimSpace(string(out)))
}

// ready asks /readyz once with a client bound of limit.
func (r *rig) ready(limit time.Duration) (int, time.Duration) {
	c := &http.Client{Timeout: limit}
	t0 := time.Now()
	resp, err := c.Get(r.proc.URL() + "/readyz")
	if err != nil {
		return 0, time.Since(t0)
	}
	resp.Body.Close()
	return resp.StatusCode, time.Since(t0)
}

// waitReady polls /readyz until it answers 200, at most d; it returns how
// long that took.
func (r *rig) waitReady(d time.Duration) (time.Duration, bool) {
	t0 := time.Now()
	for time.Since(t0) < d {
		if st, _ := r.ready(2 * time.Second); st == http.StatusOK {
			return time.Since(t0), true
		}
		time.Sleep(100 * time.Millisecond)
	}
	return time.Since(t0), false
}
