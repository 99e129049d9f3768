package scanning

import (
	"math/rand"
	"reflect"
	"testing"

	"github.com/makiuchi-d/gozxing"
)

// TestBitRunsMatchLineRuns: the word-at-a-time runs of a row are the
// pixel-at-a-time ones, for rows longer than the length read, all white,
// all black and random at several densities.
func TestBitRunsMatchLineRuns(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for k := 0; k < 500; k++ {
		n := 1 + r.Intn(200)
		row := gozxing.NewBitArray(n + r.Intn(40))
		p := float64(k%5) / 4 // 0 (white) to 1 (black)
		for i := 0; i < row.GetSize(); i++ {
			if r.Float64() < p {
				row.Set(i)
			}
		}
		want := lineRuns(n, row.Get)
		if got := bitRuns(row, n, nil); !reflect.DeepEqual(got, want) {
			t.Fatalf("row %d of %d bits, density %.2f:\nbitRuns  %v\nlineRuns %v", k, n, p, got, want)
		}
	}
}
