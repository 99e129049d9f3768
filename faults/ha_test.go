package faults

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emar-project/emar/bench/datagen"
	"github.com/emar-project/emar/bench/loadgen"
	"github.com/emar-project/emar/internal/emarproc"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store"
)

// haCluster is the Patroni cluster scripts/with-patroni.sh started: three
// PostgreSQL nodes, node1..node3, each with its Patroni.
type haCluster struct {
	t    *testing.T
	dir  string
	rest []string
}

type haMember struct {
	Name  string `json:"name"`
	Role  string `json:"role"`
	State string `json:"state"`
}

// patroniCluster returns the cluster of scripts/with-patroni.sh, or skips:
// make faults-ha runs these tests under it.
func patroniCluster(t *testing.T) *haCluster {
	dir := os.Getenv("EMAR_PATRONI_DIR")
	if dir == "" {
		t.Skip("needs the Patroni cluster of scripts/with-patroni.sh: run make faults-ha")
	}
	return &haCluster{t: t, dir: dir, rest: strings.Split(os.Getenv("EMAR_PATRONI_REST"), ",")}
}

// members asks the first node that answers for the cluster's members.
func (c *haCluster) members() ([]haMember, error) {
	hc := &http.Client{Timeout: time.Second}
	var err error
	for _, u := range c.rest {
		var resp *http.Response
		if resp, err = hc.Get(u + "/cluster"); err != nil {
			continue
		}
		var out struct{ Members []haMember }
		err = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if err == nil {
			return out.Members, nil
		}
	}
	return nil, err
}

// leader waits for a node other than not that leads the cluster and
// names it.
func (c *haCluster) leader(not string, timeout time.Duration) string {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		ms, _ := c.members()
		for _, m := range ms {
			if m.Role == "leader" && m.State == "running" && m.Name != not {
				return m.Name
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	c.t.Fatalf("no leader after %s", timeout)
	return ""
}

// waitWhole waits until the cluster has a leader, a synchronous standby
// and a streaming replica again, and returns how long that took.
func (c *haCluster) waitWhole(timeout time.Duration) (time.Duration, []haMember) {
	c.t.Helper()
	t0 := time.Now()
	var ms []haMember
	for time.Since(t0) < timeout {
		ms, _ = c.members()
		var roles []string
		for _, m := range ms {
			if m.State == "running" || m.State == "streaming" {
				roles = append(roles, m.Role)
			}
		}
		slices.Sort(roles)
		if slices.Equal(roles, []string{"leader", "replica", "sync_standby"}) {
			return time.Since(t0), ms
		}
		time.Sleep(200 * time.Millisecond)
	}
	c.t.Fatalf("the cluster is not whole after %s: %+v", timeout, ms)
	return 0, nil
}

// crash kills a node as a power cut would: its Patroni, its postmaster and
// every PostgreSQL process under it, with SIGKILL, at once.
func (c *haCluster) crash(node string) {
	c.t.Helper()
	pids := []int{}
	if pid, err := readPid(filepath.Join(c.dir, node, "patroni.pid")); err == nil {
		pids = append(pids, pid)
	}
	pm, err := readPid(filepath.Join(c.dir, node, "data", "postmaster.pid"))
	if err != nil {
		c.t.Fatalf("%s: no postmaster: %v", node, err)
	}
	pids = append(pids, pm)
	pids = append(pids, children(pm)...)
	for _, pid := range pids {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

// restart starts a crashed node's Patroni again: it rejoins as a replica
// of whoever leads (pg_rewind if its timeline diverged).
func (c *haCluster) restart(node string) {
	c.t.Helper()
	// No pipes: the script leaves Patroni running in the background.
	if err := exec.Command(filepath.Join(c.dir, node, "start")).Run(); err != nil {
		c.t.Fatalf("start %s: %v", node, err)
	}
}

func readPid(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return 0, fmt.Errorf("%s: empty", path)
	}
	return strconv.Atoi(strings.TrimSpace(sc.Text()))
}

// children lists the processes whose parent is pid.
func children(pid int) []int {
	var out []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid …; comm may hold spaces.
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			out = append(out, n)
		}
	}
	return out
}

// deviceClient is one nurse's bedside device behind the hospital's load
// balancer: it connects from its own loopback address (so the service
// sees one client address per device, as on a ward's Wi-Fi) to the
// replica it is balanced onto, and to the next when that one refuses.
func deviceClient(i int, replicas []string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 1+byte(i/250), byte(1+i%250))}, Timeout: time.Second}
	tr := &http.Transport{MaxIdleConnsPerHost: 2, IdleConnTimeout: 30 * time.Second,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var err error
			for k := range replicas {
				var c net.Conn
				if c, err = d.DialContext(ctx, network, replicas[(i+k)%len(replicas)]); err == nil {
					return c, nil
				}
			}
			return nil, err
		}}
	return &http.Client{Timeout: 10 * time.Second, Transport: tr}
}

// The 09:00 medication pass of 60 nurses against two `emar serve`
// replicas on the Patroni cluster. Mid-burst the primary PostgreSQL node
// dies (SIGKILL on Patroni, the postmaster and its backends), then one
// service replica; the old primary comes back as a replica. This repeats
// for a few rounds. Afterwards: every acknowledged administration is
// stored exactly once, nothing is charted twice, the audit chain verifies,
// every dose whose window closed during the rounds is marked missed and
// alerted exactly once, and the time from each kill to the first
// successful write after it is reported.
func TestHAFailoverMidBurst(t *testing.T) {
	cl := patroniCluster(t)
	ctx := context.Background()
	rounds := 3
	if n, err := strconv.Atoi(os.Getenv("EMAR_HA_ROUNDS")); err == nil && n > 0 {
		rounds = n
	}
	base := os.Getenv("EMAR_PATRONI_DSN")
	admin, err := store.Open(ctx, base, quiet())
	if err != nil {
		t.Fatal(err)
	}
	dbName := fmt.Sprintf("emar_ha_%d", time.Now().UnixNano())
	if _, err := admin.DB().ExecContext(ctx, "CREATE DATABASE "+dbName); err != nil {
		t.Fatal(err)
	}
	admin.Close()
	dsn := strings.Replace(base, "/postgres?", "/"+dbName+"?", 1)

	r := &rig{t: t, bin: binary(t), logs: &logBuffer{}, dsn: dsn}
	st, err := store.Open(ctx, dsn, quiet())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	opts := datagen.Options{Beds: 480, Occupancy: 0.85, Units: 4, NursesPerUnit: 15, Days: 1, Now: now, Seed: 21}
	if r.fac, err = datagen.Build(ctx, st, opts); err != nil {
		t.Fatal(err)
	}
	// Doses nobody gives, whose windows close one after another while the
	// rounds go on: the sweepers of both replicas race for each across the
	// failovers, and each must be missed and alerted exactly once.
	missWindow := time.Duration(rounds) * 40 * time.Second
	toMiss := map[string]bool{}
	err = st.InTx(ctx, func(tx mar.Tx) error {
		prn := false
		orders, err := tx.ListOrders(mar.OrderFilter{FacilityID: r.fac.FacilityID, Statuses: []mar.OrderStatus{mar.OrderActive}, PRN: &prn})
		if err != nil {
			return err
		}
		const n = 120
		var doses []mar.ScheduledDose
		for i := 0; i < n && i < len(orders); i++ {
			o := orders[i]
			res, err := tx.GetResident(o.ResidentID)
			if err != nil {
				return err
			}
			due := now.Add(-45*time.Minute + time.Duration(i)*time.Second).Truncate(time.Second)
			end := time.Now().Add(20*time.Second + missWindow*time.Duration(i)/n)
			doses = append(doses, mar.ScheduledDose{ID: mar.NewID(), FacilityID: o.FacilityID, OrderID: o.ID, ResidentID: res.ID, UnitID: res.UnitID,
				DueAt: due, WindowStart: due.Add(-30 * time.Minute), WindowEnd: end, Status: mar.DoseScheduled})
			toMiss[doses[len(doses)-1].ID] = true
		}
		_, err = tx.InsertDoses(doses)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()

	// Two replicas sharing the signing key and (beside it) the checkpoint
	// folder, as two hosts sharing a volume would.
	auditDir := t.TempDir()
	r.auditKey = filepath.Join(auditDir, "signing.key")
	var procs []*emarproc.Proc
	var addrs []string
	for i := 0; i < 2; i++ {
		addr, err := emarproc.FreeAddr()
		if err != nil {
			t.Fatal(err)
		}
		p := &emarproc.Proc{Bin: r.bin, Addr: addr, Log: r.logs, Args: []string{"--db", dsn, "--log-format", "json",
			"--audit-key", r.auditKey, "--sweep-interval", "1s"}}
		if err := p.Start(ctx, 2*time.Minute); err != nil {
			t.Fatalf("replica %d: %v\n%s", i, err, r.logs)
		}
		t.Cleanup(func() { p.Stop() })
		procs = append(procs, p)
		addrs = append(addrs, addr)
	}
	r.proc = procs[0]

	clients := make([]*loadgen.Bedside, len(r.fac.Nurses))
	for i, n := range r.fac.Nurses {
		hc := deviceClient(i, addrs)
		if clients[i], err = loadgen.Login(ctx, hc, "http://"+addrs[i%2], n.Username, datagen.Password); err != nil {
			t.Fatalf("nurse %d signs in: %v", i, err)
		}
	}
	t.Logf("%d nurses, %d residents, %d doses left to be missed, %d rounds", len(clients), len(r.fac.Residents), len(toMiss), rounds)

	w := newWorkload()
	w.skip = toMiss
	// A nurse takes a moment between doses: the pass lasts long enough for
	// every round (the real one lasts two hours).
	w.pause = 2500 * time.Millisecond
	var okMu sync.Mutex
	var written [][2]time.Time // every acknowledged write: when sent, when answered
	observe := w.observe
	for _, c := range clients {
		c.Observe = func(path string, status int, err error, took time.Duration) {
			observe(path, status, err, took)
			if status == http.StatusCreated && path == "/api/v1/administrations" {
				okMu.Lock()
				now := time.Now()
				written = append(written, [2]time.Time{now.Add(-took), now})
				okMu.Unlock()
			}
		}
	}
	// firstWriteAfter is how long after at the first write sent after at
	// was acknowledged (a write sent before may still be answered after).
	firstWriteAfter := func(at time.Time, timeout time.Duration) (time.Duration, bool) {
		deadline := time.Now().Add(timeout)
		for time.Now().Before(deadline) {
			okMu.Lock()
			for _, x := range written {
				if x[0].After(at) {
					okMu.Unlock()
					return x[1].Sub(at), true
				}
			}
			okMu.Unlock()
			time.Sleep(10 * time.Millisecond)
		}
		return 0, false
	}

	runCtx, cancel := context.WithTimeout(ctx, 8*time.Minute)
	defer cancel()
	done := make(chan struct{})
	go func() {
		r.run(runCtx, clients, w)
		close(done)
	}()

	var outages []time.Duration
	for round := 1; round <= rounds; round++ {
		if !w.waitDone(w.done.Load()+150, 2*time.Minute) {
			t.Fatalf("round %d: the burst stalled at %d doses", round, w.done.Load())
		}
		old := cl.leader("", 30*time.Second)
		before := w.done.Load()
		killed := time.Now()
		cl.crash(old)
		took, ok := firstWriteAfter(killed, 2*time.Minute)
		if !ok {
			t.Fatalf("round %d: no write succeeded within 2 min of killing primary %s", round, old)
		}
		outages = append(outages, took)
		next := cl.leader(old, 2*time.Minute)
		t.Logf("round %d: killed primary %s at %d acknowledged doses; %s took over; first successful write %s after the kill",
			round, old, before, next, took.Round(time.Millisecond))
		if round == 1 {
			// Then one service replica dies: its devices go to the other.
			time.Sleep(time.Second)
			if err := procs[1].Kill(); err != nil {
				t.Fatal(err)
			}
			t.Logf("round %d: killed service replica 2 at %d acknowledged doses", round, w.done.Load())
		}
		cl.restart(old)
		back, ms := cl.waitWhole(3 * time.Minute)
		t.Logf("round %d: %s back as a replica %s later: %+v", round, old, back.Round(time.Millisecond), ms)
		if round == 1 {
			if err := procs[1].Start(ctx, 2*time.Minute); err != nil {
				t.Fatalf("restart replica 2: %v", err)
			}
		}
	}
	<-done

	slices.Sort(outages)
	t.Logf("time from killing the primary to the first successful write, %d rounds: p50 %s, max %s (all: %v)",
		len(outages), outages[len(outages)/2].Round(time.Millisecond), outages[len(outages)-1].Round(time.Millisecond), outages)
	w.mu.Lock()
	if n := w.statuses[http.StatusInternalServerError]; n > 0 {
		t.Errorf("%d answers were 500: a failover must read as 503 (retry) or succeed", n)
	}
	if w.statuses[http.StatusServiceUnavailable] == 0 {
		t.Errorf("no device saw a 503 across %d failovers: %v", rounds, w.statuses)
	}
	w.mu.Unlock()

	r.check(w)
	checkMissedOnce(t, dsn, toMiss)
}

// checkMissedOnce waits (at most a minute past the last window) until
// every dose left undocumented is missed, then proves each has exactly one
// missed alert and one dose.missed audit event, and that no dose anywhere
// has two missed alerts.
func checkMissedOnce(t *testing.T, dsn string, toMiss map[string]bool) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dsn, quiet())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	db := st.Gorm()
	ids := make([]string, 0, len(toMiss))
	for id := range toMiss {
		ids = append(ids, id)
	}
	deadline := time.Now().Add(3 * time.Minute)
	var missed int64
	for {
		if err := db.Raw(`SELECT count(*) FROM scheduled_doses WHERE status = 'missed' AND id IN ?`, ids).Scan(&missed).Error; err != nil {
			t.Fatal(err)
		}
		if missed == int64(len(ids)) || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Second)
	}
	if missed != int64(len(ids)) {
		t.Errorf("%d of the %d undocumented doses were marked missed", missed, len(ids))
	}
	type row struct {
		DoseID string
		N      int
	}
	var alerts, events, dupes []row
	db.Raw(`SELECT dose_id, count(*) AS n FROM alerts WHERE kind = 'missed' AND dose_id IN ? GROUP BY dose_id`, ids).Scan(&alerts)
	db.Raw(`SELECT object_id AS dose_id, count(*) AS n FROM audit_events WHERE action = 'dose.missed' AND object_id IN ? GROUP BY object_id`, ids).Scan(&events)
	db.Raw(`SELECT dose_id, count(*) AS n FROM alerts WHERE kind = 'missed' GROUP BY dose_id HAVING count(*) > 1`).Scan(&dupes)
	for name, rows := range map[string][]row{"missed alerts": alerts, "dose.missed audit events": events} {
		if len(rows) != len(ids) {
			t.Errorf("%s for %d of %d missed doses", name, len(rows), len(ids))
		}
		for _, x := range rows {
			if x.N != 1 {
				t.Errorf("dose %s has %d %s", x.DoseID, x.N, name)
			}
		}
	}
	if len(dupes) > 0 {
		t.Errorf("doses alerted missed more than once: %+v", dupes)
	}
	t.Logf("%d doses missed during the failovers, each alerted once", missed)
}
