package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/emar-project/emar/bench/loadgen"
)

func TestRatiosComeFromTheStepsOfTheSameRun(t *testing.T) {
	full := &report{
		Pgbench:     &pgbenchResult{TPS: 2000},
		Facility:    &facilityResult{BestAdministrationsPerSec: 500, OpenVerify: &loadgen.OpenResult{Rate: 200, Result: loadgen.Result{Done: 800, P99: 12500 * time.Microsecond}}, DuringSweep: &duringSweepResult{Idle: loadgen.OpenResult{Result: loadgen.Result{P99: 10 * time.Millisecond}}, During: loadgen.OpenResult{Result: loadgen.Result{P99: 14 * time.Millisecond}}}},
		Materialize: &materializeResult{PerSecond: 45000, RawPerSecond: 50000},
		Sweep:       &sweepResult{Runs: []sweepRun{{MedianMs: 200}, {MedianMs: 220}}},
		Audit:       &auditResult{PerSecond: 600000},
	}
	tests := []struct {
		name string
		rep  *report
		want map[string]any
	}{
		{"every step ran", full, map[string]any{"administrations_per_tpcb": 0.25, "verify_p99_ms_at_200rps": 12.5, "document_p99_during_sweep_over_idle": 1.4,
			"materialize_per_raw_insert": 0.9, "sweep_10m_over_10k": 1.1, "audit_verify_events_per_s": 600000.0}},
		{"only the audit step ran", &report{Audit: &auditResult{PerSecond: 1000}}, map[string]any{"administrations_per_tpcb": nil, "verify_p99_ms_at_200rps": nil,
			"document_p99_during_sweep_over_idle": nil, "materialize_per_raw_insert": nil, "sweep_10m_over_10k": nil, "audit_verify_events_per_s": 1000.0}},
		{"no pgbench baseline: no administrations ratio", &report{Facility: &facilityResult{BestAdministrationsPerSec: 500}}, map[string]any{"administrations_per_tpcb": nil,
			"verify_p99_ms_at_200rps": nil, "document_p99_during_sweep_over_idle": nil, "materialize_per_raw_insert": nil, "sweep_10m_over_10k": nil, "audit_verify_events_per_s": nil}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.rep.computeRatios()
			data, err := json.Marshal(tc.rep)
			if err != nil {
				t.Fatal(err)
			}
			var got struct {
				Ratios map[string]any `json:"ratios"`
			}
			if err := json.Unmarshal(data, &got); err != nil {
				t.Fatal(err)
			}
			if len(got.Ratios) != len(tc.want) {
				t.Fatalf("ratios %v, want exactly the names %v", got.Ratios, tc.want)
			}
			for k, w := range tc.want {
				g, ok := got.Ratios[k]
				if !ok {
					t.Fatalf("ratio %s missing from %v", k, got.Ratios)
				}
				if w == nil || g == nil {
					if w != g {
						t.Errorf("%s = %v, want %v", k, g, w)
					}
					continue
				}
				if d := g.(float64) - w.(float64); d > 1e-9 || d < -1e-9 {
					t.Errorf("%s = %v, want %v", k, g, w)
				}
			}
			var out bytes.Buffer
			tc.rep.print(&out)
			for k := range tc.want {
				if !strings.Contains(out.String(), k) {
					t.Errorf("the printed table does not show %s:\n%s", k, out.String())
				}
			}
		})
	}
}
