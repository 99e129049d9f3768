package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/emar-project/emar/bench/loadgen"
)

// report is everything one run measured; it is written as JSON.
type report struct {
	StartedAt   time.Time `json:"started_at"`
	Machine     machine   `json:"machine"`
	Pgbench     *pgbenchResult
	Facility    *facilityResult
	Materialize *materializeResult
	Sweep       *sweepResult
	Audit       *auditResult
	Decode      *decodeResult
	// Ratios are the headline figures of issue 20, each measured against
	// its baseline in this run; null when its steps did not run.
	Ratios       ratios     `json:"ratios"`
	Steps        []stepTime `json:"steps"`
	TotalSeconds float64    `json:"total_seconds"`
}

func newReport() *report { return &report{StartedAt: time.Now().UTC()} }

type machine struct {
	CPU       string            `json:"cpu"`
	CPUs      int               `json:"cpus"`
	MemoryGB  float64           `json:"memory_gb"`
	GoVersion string            `json:"go"`
	Postgres  map[string]string `json:"postgres"`
}

type stepTime struct {
	Name    string  `json:"name"`
	Seconds float64 `json:"seconds"`
	Error   string  `json:"error,omitempty"`
}

// pgbenchResult is the best rung of the pgbench ladder, with every rung.
type pgbenchResult struct {
	Scale     int           `json:"scale"`
	Clients   int           `json:"clients"`
	Seconds   int           `json:"seconds"`
	TPS       float64       `json:"tps"`
	LatencyMs float64       `json:"latency_avg_ms"`
	Ladder    []pgbenchRung `json:"ladder"`
}

type pgbenchRung struct {
	Clients   int     `json:"clients"`
	TPS       float64 `json:"tps"`
	LatencyMs float64 `json:"latency_avg_ms"`
}

// ratios are the figures to compare across runs (docs/performance.md).
type ratios struct {
	// AdministrationsPerTPCB: the best documenting rung of the fixed
	// ladder over pgbench's best rung (scale 10).
	AdministrationsPerTPCB *float64 `json:"administrations_per_tpcb"`
	// VerifyP99MsAt200rps: verify's p99 in ms, open loop at 200 requests/s.
	VerifyP99MsAt200rps *float64 `json:"verify_p99_ms_at_200rps"`
	// DocumentP99DuringSweepOverIdle: documenting's open-loop p99 while a
	// missed-dose sweep runs over the same without one.
	DocumentP99DuringSweepOverIdle *float64 `json:"document_p99_during_sweep_over_idle"`
	// MaterializePerRawInsert: Service.Materialize's doses/s over a raw
	// batched INSERT of the same rows.
	MaterializePerRawInsert *float64 `json:"materialize_per_raw_insert"`
	// Sweep10mOver10k: the sweep's median time with 10 M doses of history
	// over the same with 10 k.
	Sweep10mOver10k *float64 `json:"sweep_10m_over_10k"`
	// AuditVerifyEventsPerS: audit chain verification, events per second
	// (an absolute rate, not a ratio: its baseline is the target).
	AuditVerifyEventsPerS *float64 `json:"audit_verify_events_per_s"`
}

func ratioOf(num, den float64) *float64 {
	if num <= 0 || den <= 0 {
		return nil
	}
	v := num / den
	return &v
}

// computeRatios fills Ratios from the steps that ran.
func (r *report) computeRatios() {
	x := ratios{}
	if f := r.Facility; f != nil {
		if r.Pgbench != nil {
			x.AdministrationsPerTPCB = ratioOf(f.BestAdministrationsPerSec, r.Pgbench.TPS)
		}
		if v := f.OpenVerify; v != nil && v.Done > 0 && v.Rate == 200 {
			x.VerifyP99MsAt200rps = ratioOf(float64(v.P99.Microseconds()), 1000)
		}
		if d := f.DuringSweep; d != nil {
			x.DocumentP99DuringSweepOverIdle = ratioOf(float64(d.During.P99), float64(d.Idle.P99))
		}
	}
	if m := r.Materialize; m != nil {
		x.MaterializePerRawInsert = ratioOf(m.PerSecond, m.RawPerSecond)
	}
	if s := r.Sweep; s != nil && len(s.Runs) == 2 {
		x.Sweep10mOver10k = ratioOf(s.Runs[1].MedianMs, s.Runs[0].MedianMs)
	}
	if a := r.Audit; a != nil {
		x.AuditVerifyEventsPerS = ratioOf(a.verifyEventsPerSecond(), 1)
	}
	r.Ratios = x
}

func (r *report) write(dir string) error {
	name := "bench-" + r.StartedAt.Format("20060102T150405Z") + ".json"
	if err := writeJSON(filepath.Join(dir, name), r); err != nil {
		return err
	}
	return writeJSON(filepath.Join(dir, "latest.json"), r)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000) }

func loadRow(w io.Writer, what string, r loadgen.Result) {
	errs := ""
	if r.Errors > 0 {
		var parts []string
		for k, n := range r.ErrorKinds {
			parts = append(parts, fmt.Sprintf("%s×%d", k, n))
		}
		errs = strings.Join(parts, " ")
	}
	fmt.Fprintf(w, "%s\t%d\t%d\t%.1f/s\t%s\t%s\t%s\t%s\t%s\n", what, r.Clients, r.Done, r.Throughput, ms(r.P50), ms(r.P95), ms(r.P99), ms(r.Max), errs)
}

func openRow(w io.Writer, what string, r loadgen.OpenResult) {
	fmt.Fprintf(w, "%s, open loop %.0f/s (%d sent, %d late, lag ≤ %s ms)\t-\t", what, r.Rate, r.Scheduled, r.LateSends, ms(r.MaxSendLag))
	r.Result.Clients = 0
	var sb strings.Builder
	loadRow(&sb, "", r.Result)
	_, rest, _ := strings.Cut(sb.String(), "\t")
	_, rest, _ = strings.Cut(rest, "\t")
	fmt.Fprint(w, rest)
}

// print writes the human-readable table.
func (r *report) print(out io.Writer) {
	w := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	m := r.Machine
	fmt.Fprintf(w, "\nemar benchmark, %s\n", r.StartedAt.Format(time.RFC3339))
	fmt.Fprintf(w, "machine: %d × %s, %.0f GB, %s; PostgreSQL %s (fsync=%s, synchronous_commit=%s, shared_buffers=%s)\n\n",
		m.CPUs, m.CPU, m.MemoryGB, m.GoVersion, m.Postgres["server_version"], m.Postgres["fsync"], m.Postgres["synchronous_commit"], m.Postgres["shared_buffers"])

	if p := r.Pgbench; p != nil {
		fmt.Fprintf(w, "pgbench TPC-B (scale %d, best of clients", p.Scale)
		for _, r := range p.Ladder {
			fmt.Fprintf(w, " %d:%.0f", r.Clients, r.TPS)
		}
		fmt.Fprintf(w, "; -c %d -T %d)\t%.0f tps\tavg %.2f ms\n", p.Clients, p.Seconds, p.TPS, p.LatencyMs)
	}
	if f := r.Facility; f != nil {
		fmt.Fprintf(w, "\nfacility: %d residents (+%d ladder), %d orders, %d historical doses, %d administrations, %d audit events; generated in %.1f s\n",
			f.Residents, f.LadderResidents, f.Orders, f.HistoryDoses, f.HistoryAdministrations, f.HistoryAuditEvents, f.GenerateSeconds)
		if f.Note != "" {
			fmt.Fprintf(w, "  %s\n", f.Note)
		}
		if len(f.Verify)+len(f.Document) > 0 {
			fmt.Fprintln(w, "\noperation\tclients\tok\tthroughput\tp50 ms\tp95 ms\tp99 ms\tmax ms\terrors")
			for _, x := range f.Verify {
				loadRow(w, "verify (text scan)", x)
			}
			for _, x := range f.Document {
				loadRow(w, "document (administration)", x)
			}
			if f.Burst != nil {
				for _, x := range f.Burst.Steps {
					loadRow(w, "09:00 burst: "+x.Name, x)
				}
			}
		}
		for _, x := range []*loadgen.OpenResult{f.OpenVerify, f.OpenDocument} {
			if x != nil {
				openRow(w, x.Name, *x)
			}
		}
		if d := f.DuringSweep; d != nil {
			openRow(w, "document, no sweep", d.Idle)
			openRow(w, fmt.Sprintf("document during a sweep (%d missed in %.1f s)", d.Missed, d.SweepSeconds), d.During)
		}
		if f.BestAdministrationsPerSec > 0 && r.Pgbench != nil {
			fmt.Fprintf(w, "\nadministrations/s ÷ pgbench tps\t%.0f / %.0f = %.3f\n", f.BestAdministrationsPerSec, r.Pgbench.TPS, f.BestAdministrationsPerSec/r.Pgbench.TPS)
		}
		if b := f.Burst; b != nil {
			fmt.Fprintf(w, "09:00 burst: %d nurses, %d residents, %d administrations in %.1f s (%.1f/s), pass p99 per dose %s ms, errors %d\n",
				b.Nurses, b.Residents, b.Administrations, b.Seconds, b.PerSecond, ms(b.DoseP99), b.Errors)
		}
		if f.AuditVerify != "" {
			fmt.Fprintf(w, "facility audit trail after the load: %s\n", f.AuditVerify)
		}
	}
	if x := r.Materialize; x != nil {
		fmt.Fprintf(w, "\nschedule materialisation (%d residents × %d orders, %s)\t%d doses in %.1f s\t%.0f doses/s\n",
			x.Residents, x.OrdersPerResident, x.Horizon, x.Doses, x.Seconds, x.PerSecond)
		fmt.Fprintf(w, "raw batched INSERT of the same rows\t%d rows in %.1f s\t%.0f rows/s\n", x.RawRows, x.RawSeconds, x.RawPerSecond)
		fmt.Fprintf(w, "ratio Materialize ÷ raw INSERT\t%.2f\n", x.Ratio)
	}
	if s := r.Sweep; s != nil {
		fmt.Fprintln(w, "\nmissed-dose sweep (alerts.Sweeper.Sweep)\thistory\topen doses\tidle ms\tmarked per sweep\tmedian ms\tmax ms\tplan uses scheduled_doses_open")
		for _, x := range s.Runs {
			fmt.Fprintf(w, "\t%d\t%d\t%.1f\t%d\t%.1f\t%.1f\t%v\n", x.HistoryDoses, x.OpenDoses, x.IdleMs, x.MarkedPerSweep, x.MedianMs, x.MaxMs, x.UsesOpenIndex)
		}
		if len(s.Runs) == 2 && s.Runs[0].MedianMs > 0 {
			fmt.Fprintf(w, "ratio large ÷ small history\t%.2f\n", s.Runs[1].MedianMs/s.Runs[0].MedianMs)
		}
	}
	if a := r.Audit; a != nil {
		fmt.Fprintf(w, "\naudit chain verification (store.VerifyAudit)\t%d events in %.1f s\t%.0f events/s\t(generated in %.1f s)\n", a.Events, a.Seconds, a.PerSecond, a.GenerateSeconds)
		fmt.Fprintf(w, "audit incremental verification (from the last checkpoint)\t%d events (a day of the history) in %.3f s\t(signing the history: %.1f s)\n", a.DayEvents, a.IncrementalSeconds, a.CheckpointSeconds)
	}
	if d := r.Decode; d != nil {
		fmt.Fprintf(w, "\nimage decode (%s)\n", d.Source)
		fmt.Fprintln(w, "corpus:format\timages\tgo read\tgo wrong\tzxing-cpp read\tzxing wrong\tgo total ms\tzxing total ms\tgo ms/img\tzxing ms/img\tgo ÷ zxing time")
		for _, x := range d.Formats {
			fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t%d\t%.0f\t%.0f\t%.2f\t%.2f\t%.2f\n", x.Format, x.Images, x.GoRead, x.GoWrong, x.ZXingRead, x.ZXingWrong, x.GoTotalMs, x.ZXingTotalMs, x.GoMs, x.ZXingMs, x.Ratio)
		}
		if d.Note != "" {
			fmt.Fprintf(w, "  %s\n", d.Note)
		}
	}
	fmt.Fprintln(w, "\nratios (bench/results/latest.json \"ratios\")\tvalue\ttarget")
	for _, x := range []struct {
		name, target string
		v            *float64
	}{
		{"administrations_per_tpcb", "≥ 0.5", r.Ratios.AdministrationsPerTPCB},
		{"verify_p99_ms_at_200rps", "≤ 20", r.Ratios.VerifyP99MsAt200rps},
		{"document_p99_during_sweep_over_idle", "≤ 1.5", r.Ratios.DocumentP99DuringSweepOverIdle},
		{"materialize_per_raw_insert", "≥ 0.8", r.Ratios.MaterializePerRawInsert},
		{"sweep_10m_over_10k", "flat (≈ 1)", r.Ratios.Sweep10mOver10k},
		{"audit_verify_events_per_s", "≥ 500000", r.Ratios.AuditVerifyEventsPerS},
	} {
		v := "—"
		if x.v != nil {
			v = fmt.Sprintf("%.3f", *x.v)
			if *x.v >= 1000 {
				v = fmt.Sprintf("%.0f", *x.v)
			}
		}
		fmt.Fprintf(w, "%s\t%s\t%s\n", x.name, v, x.target)
	}
	fmt.Fprintln(w, "\nstep\tseconds\terror")
	for _, s := range r.Steps {
		fmt.Fprintf(w, "%s\t%.1f\t%s\n", s.Name, s.Seconds, s.Error)
	}
	fmt.Fprintf(w, "total\t%.1f\n", r.TotalSeconds)
	w.Flush()
}

// verifyEventsPerSecond is the audit verification rate the ratios report:
// full verification of the chain (store.VerifyAudit).
func (a *auditResult) verifyEventsPerSecond() float64 { return a.PerSecond }
