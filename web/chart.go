package web

import (
	"fmt"
	"math"
)

// barChart is a horizontal bar chart drawn as SVG by the server (the
// _chart.html template): one bar per label, the value written at its end
// so that nothing depends on reading a colour or a length, and a target
// line where the facility has one.
type barChart struct {
	ID         string // unique on the page, for aria ids
	Title      string
	Summary    string // one sentence for screen readers
	Bars       []chartBar
	Target     float64 // a reference value, e.g. 95 (%); 0 = none
	GroupLabel string  // what a bar is: Day, Nurse
	EmptyText  string  // what a bar without data says

	// Geometry, filled by layout.
	Width, Height int
	LabelW        int
	PlotW         int
	TargetX       float64
	Ticks         []chartTick
}

type chartBar struct {
	Label string
	Value float64 // 0–100 (%)
	Note  string  // e.g. "12 of 14 doses"
	Empty bool    // no data: drawn as a dash, not as 0 %

	Y, W     float64
	Low      bool // under the target
	ValueTxt string
}

type chartTick struct {
	X     float64
	Label string
}

const (
	chartBarH   = 26
	chartGap    = 10
	chartTop    = 24
	chartBottom = 30
)

// layout computes the geometry for a chart of the given pixel width.
func (c barChart) layout(width int) barChart {
	longest := 0
	for _, b := range c.Bars {
		longest = max(longest, len([]rune(b.Label)))
	}
	c.Width = width
	c.LabelW = min(max(8*longest+16, 80), width/3)
	c.PlotW = width - c.LabelW - 150 // room for "100 % · 123 of 456"
	c.Height = chartTop + len(c.Bars)*(chartBarH+chartGap) + chartBottom
	for i := range c.Bars {
		b := &c.Bars[i]
		b.Y = float64(chartTop + i*(chartBarH+chartGap))
		v := math.Max(0, math.Min(100, b.Value))
		b.W = math.Round(v/100*float64(c.PlotW)*10) / 10
		if b.Empty {
			b.ValueTxt = c.EmptyText
			continue
		}
		b.ValueTxt = fmt.Sprintf("%.0f %%", b.Value)
		b.Low = c.Target > 0 && b.Value < c.Target
		if b.Note != "" {
			b.ValueTxt += " · " + b.Note
		}
	}
	if c.Target > 0 {
		c.TargetX = float64(c.LabelW) + c.Target/100*float64(c.PlotW)
	}
	for _, p := range []float64{0, 25, 50, 75, 100} {
		c.Ticks = append(c.Ticks, chartTick{X: float64(c.LabelW) + p/100*float64(c.PlotW), Label: fmt.Sprintf("%.0f %%", p)})
	}
	return c
}
