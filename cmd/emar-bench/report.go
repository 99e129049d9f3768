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
	StartedAt    time.Time `json:"started_at"`
	Machine      machine   `json:"machine"`
	Pgbench      *pgbenchResult
	Facility     *facilityResult
	Materialize  *materializeResult
	Sweep        *sweepResult
	Audit        *auditResult
	Decode       *decodeResult
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
	fmt.Fprintln(w, "\nstep\tseconds\terror")
	for _, s := range r.Steps {
		fmt.Fprintf(w, "%s\t%.1f\t%s\n", s.Name, s.Seconds, s.Error)
	}
	fmt.Fprintf(w, "total\t%.1f\n", r.TotalSeconds)
	w.Flush()
}
