package scanning

import (
	"strconv"

	"github.com/makiuchi-d/gozxing"
)

// A 1D read is trusted only when confirmed by an independent read of the
// same symbol: another scan row, another binariser or another scale.
// Checksum-valid misreads happen (a UPC-A read as another valid UPC-A on a
// blurred row), and one row decoding to something on a photograph of a
// texture is how false positives appear.
const (
	minAgreeingReads = 2
	// leadOverRivals is how many more reads the winner needs than any
	// different text read from the same image, so that a misread that
	// happens to repeat is outvoted rather than accepted.
	leadOverRivals = 2
)

// tally counts independent reads of each (format, text).
type tally struct {
	cands map[string]*candidate
}

type candidate struct {
	r   read
	ids map[string]bool
}

func newTally() *tally { return &tally{cands: make(map[string]*candidate)} }

// add records a read made by the independent attempt id (binariser, scale,
// orientation and row) and returns the read that is now confirmed, if any.
func (t *tally) add(r read, id string) (read, bool) {
	c := t.cands[r.key()]
	if c == nil {
		c = &candidate{r: r, ids: make(map[string]bool)}
		t.cands[r.key()] = c
	}
	c.ids[id] = true
	return t.confirmed()
}

func (t *tally) confirmed() (read, bool) {
	var best *candidate
	rival := 0
	for _, c := range t.cands {
		switch {
		case best == nil || len(c.ids) > len(best.ids):
			if best != nil {
				rival = max(rival, len(best.ids))
			}
			best = c
		default:
			rival = max(rival, len(c.ids))
		}
	}
	if best == nil || len(best.ids) < minAgreeingReads {
		return read{}, false
	}
	if rival > 0 && len(best.ids) < rival+leadOverRivals {
		return read{}, false
	}
	return best.r, true
}

// rowOrder lists n row indices coarse to fine: the middle first, then rows
// at half the previous spacing, down to minStep, each level middle-out.
// Successive reads then come from rows far apart (more independent), and a
// symbol anywhere in the image is reached after few rows.
func rowOrder(n, minStep int) []int {
	if n <= 0 {
		return nil
	}
	minStep = max(1, minStep)
	seen := make([]bool, n)
	out := make([]int, 0, n/minStep+1)
	mid := n / 2
	for s := max(mid, minStep); ; s = max(s/2, minStep) {
		for k := 0; mid+k*s < n || mid-k*s >= 0; k++ {
			for _, y := range [2]int{mid + k*s, mid - k*s} {
				if y >= 0 && y < n && !seen[y] {
					seen[y] = true
					out = append(out, y)
				}
			}
		}
		if s == minStep {
			return out
		}
	}
}

// rowSource yields binarised rows of one orientation of an image.
type rowSource struct {
	tag  string // identifies binariser, scale and orientation in tally ids
	n    int    // number of rows
	row  func(y int, into *gozxing.BitArray) (*gozxing.BitArray, bool)
	step int
}

// scanRows runs every 1D reader on the rows of src, forward and reversed,
// feeding the tally until a read is confirmed or the rows run out.
func (d *decoder) scanRows(src rowSource) (read, bool) {
	var buf *gozxing.BitArray
	for i, y := range rowOrder(src.n, src.step) {
		if i%16 == 0 && d.expired() {
			return read{}, false
		}
		row, ok := src.row(y, buf)
		if !ok {
			continue
		}
		buf = row
		if !d.plausibleRow(row) {
			continue
		}
		stretch := d.barStretch(row)
		id := src.tag + ":" + strconv.Itoa(y)
		found := false
		for pass := 0; pass < 2 && !found; pass++ {
			if pass == 1 {
				row.Reverse() // the symbol may be upside down
			}
			for _, rr := range d.rowReaders {
				if stretch < rr.minRuns {
					continue
				}
				res, err := safeDecode(func() (*gozxing.Result, error) { return rr.dec.DecodeRow(y, row, rr.hints) })
				if err != nil {
					d.notePanic(err)
					continue
				}
				r := fromResult(res)
				if !acceptable(r) {
					continue
				}
				found = true
				if conf, ok := d.tally.add(r, id); ok {
					return conf, true
				}
			}
		}
	}
	return read{}, false
}

// plausibleRow is a cheap filter run before the 1D readers, which are slow
// on rows of noise or texture (each failed start-pattern match allocates an
// exception with a stack trace). Every symbology read here needs a quiet
// zone (at least seven modules of white) next to a stretch of bars and
// spaces at most four modules wide, so a row qualifies only if some white
// run is clearly wider than the dozen runs after it or before it. The
// readers check far more; this only skips rows they would reject.
func (d *decoder) plausibleRow(row *gozxing.BitArray) bool {
	const k = 12 // runs that must follow (or precede) the quiet zone
	size := row.GetSize()
	runs := d.runs[:0]
	black := row.Get(0)
	for x := 0; x < size; {
		var next int
		if black {
			next = row.GetNextUnset(x)
		} else {
			next = row.GetNextSet(x)
		}
		if next <= x {
			break
		}
		runs = append(runs, next-x)
		x = next
		black = !black
	}
	d.runs = runs
	if len(runs) < 2*k {
		return false
	}
	firstWhite := 0
	if row.Get(0) {
		firstWhite = 1
	}
	for i := firstWhite; i < len(runs); i += 2 {
		q := runs[i]
		if q < 6 {
			continue
		}
		limit := q * 2 / 3
		if i+k < len(runs) && maxRun(runs[i+1:i+1+k]) <= limit {
			return true
		}
		if i-k >= 0 && maxRun(runs[i-k:i]) <= limit {
			return true
		}
	}
	return false
}

// barStretch returns the longest stretch of runs that follows or precedes
// a white run of six pixels or more (a quiet zone) with no run longer than
// that white run, from the runs plausibleRow left in d.runs. A symbol's
// elements are at most four modules wide and its quiet zone is wider, so
// the stretch after (or before) its quiet zone holds all its bars and
// spaces at least.
func (d *decoder) barStretch(row *gozxing.BitArray) int {
	runs := d.runs
	firstWhite := 0
	if row.Get(0) {
		firstWhite = 1
	}
	best := 0
	for i := firstWhite; i < len(runs); i += 2 {
		q := runs[i]
		if q < 6 {
			continue
		}
		n := 0
		for j := i + 1; j < len(runs) && runs[j] <= q; j++ {
			n++
		}
		best = max(best, n)
		n = 0
		for j := i - 1; j >= 0 && runs[j] <= q; j-- {
			n++
		}
		best = max(best, n)
	}
	return best
}

func maxRun(runs []int) int {
	m := 0
	for _, r := range runs {
		m = max(m, r)
	}
	return m
}

// globalRows binarises each row on its own histogram (gozxing's
// GlobalHistogramBinarizer row path, with its sharpening filter).
func globalRows(tag string, l gozxing.LuminanceSource, step int) rowSource {
	bin := gozxing.NewGlobalHistgramBinarizer(l)
	return rowSource{tag: tag, n: l.GetHeight(), step: step,
		row: func(y int, into *gozxing.BitArray) (*gozxing.BitArray, bool) {
			r, err := bin.GetBlackRow(y, into)
			return r, err == nil
		}}
}

// matrixRows reads rows (or, transposed, columns) of a binarised matrix.
func matrixRows(tag string, m *gozxing.BitMatrix, transposed bool, step int) rowSource {
	if !transposed {
		return rowSource{tag: tag, n: m.GetHeight(), step: step,
			row: func(y int, into *gozxing.BitArray) (*gozxing.BitArray, bool) {
				return m.GetRow(y, into), true
			}}
	}
	h := m.GetHeight()
	return rowSource{tag: tag, n: m.GetWidth(), step: step,
		row: func(x int, into *gozxing.BitArray) (*gozxing.BitArray, bool) {
			if into == nil || into.GetSize() < h {
				into = gozxing.NewBitArray(h)
			} else {
				into.Clear()
			}
			for y := 0; y < h; y++ {
				if m.Get(x, y) {
					into.Set(y)
				}
			}
			return into, true
		}}
}

// invertedRows flips the bits of every row: a light-on-dark symbol read
// from the same binarisation.
func invertedRows(src rowSource) rowSource {
	inner := src.row
	src.tag += "~"
	src.row = func(y int, into *gozxing.BitArray) (*gozxing.BitArray, bool) {
		r, ok := inner(y, into)
		if !ok {
			return r, false
		}
		words := r.GetBitArray()
		n := r.GetSize()
		for i := range words {
			words[i] = ^words[i]
		}
		// Bits past the end must stay clear for the readers' bit scans.
		if n%32 != 0 && n/32 < len(words) {
			words[n/32] &= 1<<uint(n%32) - 1
		}
		for i := (n + 31) / 32; i < len(words); i++ {
			words[i] = 0
		}
		return r, true
	}
	return src
}
