package scanning

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func TestScratch(t *testing.T) {
	for _, s := range benchSymbols[:6] {
		sym := loadPNG(t, s.file)
		for _, sz := range [][2]int{{640, 480}, {1280, 720}, {1920, 1080}} {
			if sym.Bounds().Dx()+16 > sz[0] { continue }
			img := frame(sym, sz[0], sz[1])
			d := &decoder{ctx: context.Background(), tally: newTally(), rowReaders: newRowReaders()}
			d.trace = func(i, n int) { fmt.Printf("%s %v step %d/%d ", s.format, sz, i, n) }
			st := time.Now()
			r, ok, _ := d.run(toLuminance(img))
			fmt.Println(ok, r.text, time.Since(st), len(d.tally.cands))
		}
	}
}
