package main

import (
	"context"
)

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

func (b *bench) sweep(ctx context.Context) error  { return nil }
func (b *bench) decode(ctx context.Context) error { return nil }
