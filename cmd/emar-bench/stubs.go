package main

import (
	"context"
	"time"

	"github.com/emar-project/emar/bench/loadgen"
)

type facilityResult struct {
	Residents, LadderResidents, Orders                       int
	HistoryDoses, HistoryAdministrations, HistoryAuditEvents int64
	GenerateSeconds                                          float64
	Note                                                     string
	Verify, Document                                         []loadgen.Result
	Burst                                                    *burstResult
	BestAdministrationsPerSec                                float64
	AuditVerify                                              string
}
type sweepResult struct{ Runs []sweepRun }
type sweepRun struct {
	HistoryDoses, OpenDoses, MarkedPerSweep int
	MedianMs, MaxMs                         float64
	UsesOpenIndex                           bool
}
type decodeResult struct {
	Source, Note string
	Formats      []decodeFormat
}
type decodeFormat struct {
	Format                    string
	Images, GoRead, ZXingRead int
	GoMs, ZXingMs, Ratio      float64
}

func (b *bench) facility(ctx context.Context) error { return nil }
func (b *bench) sweep(ctx context.Context) error    { return nil }
func (b *bench) decode(ctx context.Context) error   { return nil }

type burstResult struct {
	Nurses, Residents, Administrations, Errors int
	Seconds, PerSecond                         float64
	DoseP99                                    time.Duration
	Steps                                      []loadgen.Result
}
