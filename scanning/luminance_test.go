package scanning

import "testing"

// TestUpscaledRowsMatchUpscaled: the row-at-a-time upscaling the 1D scans
// use gives the same pixels as upscaling the whole image (and transposing
// it), so that moving to it loses no read.
func TestUpscaledRowsMatchUpscaled(t *testing.T) {
	l := newLum(37, 23)
	for i := range l.pix {
		l.pix[i] = byte(i * 7 % 251)
	}
	for _, transposed := range []bool{false, true} {
		want := l.upscaled(2)
		if transposed {
			want = want.transpose()
		}
		u := newUpscaledRows(l, transposed)
		if u.GetWidth() != want.w || u.GetHeight() != want.h {
			t.Fatalf("transposed %v: %dx%d, want %dx%d", transposed, u.GetWidth(), u.GetHeight(), want.w, want.h)
		}
		var row []byte
		for y := 0; y < u.h; y++ {
			row, _ = u.GetRow(y, row)
			for x := 0; x < u.w; x++ {
				if row[x] != want.pix[y*want.w+x] {
					t.Fatalf("transposed %v: pixel (%d,%d) = %d, want %d", transposed, x, y, row[x], want.pix[y*want.w+x])
				}
			}
		}
		if _, err := u.GetRow(u.h, nil); err == nil {
			t.Errorf("transposed %v: row %d out of range read without error", transposed, u.h)
		}
	}
}
