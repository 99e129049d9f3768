package scanning

import (
	"bytes"
	"image"
	"os"
	"path/filepath"
	"sort"
	"syscall"
	"testing"
	"time"
)

// cpuNow is the CPU time the process has used (user and system): on a
// shared machine, wall time says more about the neighbours than the code.
func cpuNow() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkDecodePhotos decodes every frame of the photos corpus once per
// iteration and reports the CPU-free CPU time per image of each format
// (ms/<FORMAT>) and for the frames without a barcode (ms/NONE). Profile it
// with -cpuprofile to see where the search spends its time.
func BenchmarkDecodePhotos(b *testing.B) {
	type frameImg struct {
		key string
		img image.Image
	}
	var frames []frameImg
	for _, fx := range loadManifest(b, photoCorpusDir) {
		data, err := os.ReadFile(filepath.Join(photoCorpusDir, fx.file))
		if err != nil {
			b.Fatal(err)
		}
		img, _, err := image.Decode(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		key := fx.format
		if fx.outcome == "none" {
			key = "NONE"
		}
		frames = append(frames, frameImg{key, img})
	}
	spent, count := map[string]time.Duration{}, map[string]int{}
	steps := map[string]time.Duration{}
	wins := map[string]int{}
	iters := 0
	for b.Loop() {
		iters++
		for _, f := range frames {
			t0 := cpuNow()
			d := &decoder{ctx: b.Context(), tally: newTally(), rowReaders: newRowReaders()}
			if os.Getenv("SCAN_STEP_TIMES") != "" {
				last, lastLabel := cpuNow(), ""
				d.attempt = func(label string) {
					now := cpuNow()
					if lastLabel != "" {
						steps[f.key+" "+lastLabel] += now - last
					}
					last, lastLabel = now, label
				}
				d.trace = func(label string) { wins[f.key+" "+label]++ }
				d.run(toLuminance(f.img))
				if lastLabel != "" {
					steps[f.key+" "+lastLabel] += cpuNow() - last
				}
			} else {
				d.run(toLuminance(f.img))
			}
			spent[f.key] += cpuNow() - t0
			count[f.key]++
		}
	}
	var total time.Duration
	for k, v := range spent {
		total += v
		b.ReportMetric(float64(v.Microseconds())/1000/float64(count[k]), "ms/"+k)
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(len(frames)*iters), "ms/image")
	if len(wins) > 0 {
		var keys []string
		for k := range wins {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			b.Logf("read by %-28s %3d", k, wins[k]/iters)
		}
	}
	if len(steps) > 0 {
		var labels []string
		for l := range steps {
			labels = append(labels, l)
		}
		sort.Slice(labels, func(i, j int) bool { return steps[labels[i]] > steps[labels[j]] })
		for _, l := range labels {
			b.Logf("%-28s %8.1f ms total per pass", l, float64(steps[l].Microseconds())/1000/float64(iters))
		}
	}
}
