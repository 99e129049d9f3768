package pdf417

import (
	"context"
	"errors"
	"testing"

	"github.com/makiuchi-d/gozxing"
)

// startPatterns returns a w×h matrix whose every row repeats the start
// pattern (at 2 pixels per module) with nothing readable between: the
// worst kind of input for the line scanner, which tries every start
// pattern it sees.
func startPatterns(t *testing.T, w, h int) *gozxing.BitMatrix {
	t.Helper()
	m, err := gozxing.NewBitMatrix(w, h)
	if err != nil {
		t.Fatal(err)
	}
	for y := 0; y < h; y++ {
		x := 0
		for x < w {
			for k, mod := range startWidths {
				px := int(mod) * 2
				if k%2 == 0 && x+px <= w {
					m.SetRegion(x, y, px, 1)
				}
				x += px
			}
			x += 2
		}
	}
	return m
}

func TestDecodeStopsWhenContextDone(t *testing.T) {
	m := startPatterns(t, 1200, 900)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := DecodeMatrixContext(ctx, m)
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want ErrTimeout from a cancelled context", err)
	}
	// Without a deadline the same image is scanned to the end and
	// refused as holding no symbol (not a timeout).
	_, err = DecodeMatrixContext(context.Background(), m)
	if err == nil || errors.Is(err, ErrTimeout) {
		t.Fatalf("got %v, want not found", err)
	}
}
