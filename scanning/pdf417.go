package scanning

import (
	"github.com/makiuchi-d/gozxing"

	"github.com/emar-project/emar/scanning/internal/pdf417"
)

// gozxing has no PDF417 reader; internal/pdf417 is this project's. Its
// start pattern, which every row of the symbol repeats, is
// looked for first on sampled rows (cheap), so that the reader runs only on
// images that show them, and so that a PDF417 symbol that cannot be read is
// answered ErrUnsupportedSymbology rather than "no barcode".

// Module widths of the PDF417 start (bar first: 8 1 1 1 1 1 1 3) and stop
// (7 1 1 3 1 1 1 2 1) patterns.
var (
	pdf417Start = []int{8, 1, 1, 1, 1, 1, 1, 3}
	pdf417Stop  = []int{7, 1, 1, 3, 1, 1, 1, 2, 1}
)

// pdf417Min is how many rows must show each pattern at the same position.
const pdf417Min = 3

type pdfHit struct {
	row    int
	center float64
	unit   float64
}

// looksLikePDF417 reports whether a binarised matrix shows PDF417 start
// patterns at the same place on several rows, in either orientation and
// direction, or a MicroPDF417 (pdf417.LooksLikeMicroPDF417).
func looksLikePDF417(m *gozxing.BitMatrix) bool {
	w, h := m.GetWidth(), m.GetHeight()
	for _, transposed := range []bool{false, true} {
		n, length := h, w
		if transposed {
			n, length = w, h
		}
		// Index 0: read left to right (or top down); 1: reversed; 2 and
		// 3: the same for light bars on a dark ground (an inverted band).
		var starts, stops [4][]pdfHit
		var row *gozxing.BitArray
		var runs []run
		for _, line := range rowOrder(n, max(1, n/96)) {
			if transposed {
				runs = lineRuns(length, func(i int) bool { return m.Get(line, i) })
			} else {
				row = m.GetRow(line, row)
				runs = bitRuns(row, length, runs[:0])
			}
			for k, dark := range []bool{true, false} {
				starts[2*k] = append(starts[2*k], findPattern(runs, pdf417Start, line, dark)...)
				stops[2*k] = append(stops[2*k], findPattern(runs, pdf417Stop, line, dark)...)
			}
			reverseRuns(runs, length)
			for k, dark := range []bool{true, false} {
				starts[2*k+1] = append(starts[2*k+1], findPattern(runs, pdf417Start, line, dark)...)
				stops[2*k+1] = append(stops[2*k+1], findPattern(runs, pdf417Stop, line, dark)...)
			}
		}
		// A column of start patterns with a column of stop patterns to
		// its right; or, for a Compact PDF417 (no stop pattern: a single
		// bar ends its rows), a column of start patterns alone on more
		// rows, since print with a heavy rule, or a matrix code's modules
		// seen inverted, show one on a few rows.
		for k := range starts {
			if pdf417Pair(starts[k], stops[k]) || len(clusters(starts[k], 3*pdf417Min)) > 0 {
				return true
			}
		}
	}
	// A MicroPDF417 has no start pattern; it is not read, but seen, so
	// that it is answered "unsupported".
	return pdf417.LooksLikeMicroPDF417(m)
}

// reverseRuns turns the runs of a line of the given length into the runs
// of the same line read backwards.
func reverseRuns(runs []run, length int) {
	for i, j := 0, len(runs)-1; i < j; i, j = i+1, j-1 {
		runs[i], runs[j] = runs[j], runs[i]
	}
	for i := range runs {
		runs[i].start = length - runs[i].start - runs[i].len
	}
}

// run is a stretch of one colour along a line.
type run struct {
	black      bool
	start, len int
}

// bitRuns appends to runs the runs of the first n bits of a row, a word of
// 32 bits at a time where the colour does not change.
func bitRuns(row *gozxing.BitArray, n int, runs []run) []run {
	for i := 0; i < n; {
		b := row.Get(i)
		var j int
		if b {
			j = row.GetNextUnset(i)
		} else {
			j = row.GetNextSet(i)
		}
		j = min(max(j, i+1), n)
		runs = append(runs, run{black: b, start: i, len: j - i})
		i = j
	}
	return runs
}

func lineRuns(n int, black func(int) bool) []run {
	var runs []run
	for i := 0; i < n; {
		b := black(i)
		j := i + 1
		for j < n && black(j) == b {
			j++
		}
		runs = append(runs, run{black: b, start: i, len: j - i})
		i = j
	}
	return runs
}

// findPattern finds runs matching a bar-first module pattern within a
// tolerance of about half a module per element; bars are dark runs, or
// light ones when dark is false.
func findPattern(runs []run, pattern []int, line int, dark bool) []pdfHit {
	modules := 0
	for _, p := range pattern {
		modules += p
	}
	var hits []pdfHit
	for i := 0; i+len(pattern) <= len(runs); i++ {
		if runs[i].black != dark {
			continue
		}
		total := 0
		for k := range pattern {
			total += runs[i+k].len
		}
		unit := float64(total) / float64(modules)
		if unit < 1 {
			continue
		}
		ok := true
		for k, p := range pattern {
			if d := float64(runs[i+k].len) - float64(p)*unit; d > 0.6*unit || d < -0.6*unit {
				ok = false
				break
			}
		}
		if ok {
			hits = append(hits, pdfHit{row: line, center: float64(runs[i].start) + float64(total)/2, unit: unit})
		}
	}
	return hits
}

// pdf417Pair looks for a column of start patterns and a column of stop
// patterns to its right, each on at least pdf417Min rows, with the same
// module size.
func pdf417Pair(starts, stops []pdfHit) bool {
	for _, a := range clusters(starts, pdf417Min) {
		for _, b := range clusters(stops, pdf417Min) {
			if b.center > a.center && b.unit < 1.5*a.unit && a.unit < 1.5*b.unit {
				return true
			}
		}
	}
	return false
}

// clusters groups hits at about the same position along the line and keeps
// the groups found on at least need different rows.
func clusters(hits []pdfHit, need int) []pdfHit {
	var out []pdfHit
	used := make([]bool, len(hits))
	for i := range hits {
		if used[i] {
			continue
		}
		rows := map[int]bool{hits[i].row: true}
		for j := i + 1; j < len(hits); j++ {
			d := hits[j].center - hits[i].center
			if !used[j] && d < 3*hits[i].unit && d > -3*hits[i].unit {
				used[j] = true
				rows[hits[j].row] = true
			}
		}
		if len(rows) >= need {
			out = append(out, hits[i])
		}
	}
	return out
}

// pdf417Probe looks for PDF417 start and stop patterns on rows sampled
// from the image turned by deg (and by deg+90°), in either direction. Only
// the sampled rows are computed, each binarised on its own. It returns the
// smallest module width of a column of patterns found: a row crossing the
// bars at an angle t off square sees every element 1/cos(t) wider, so the
// angle nearest the symbol's has the smallest width.
func pdf417Probe(l *lumImage, deg float64) (unit float64, ok bool) {
	var row *gozxing.BitArray
	var runs []run
	for _, a := range []float64{deg, deg + 90} {
		r := newRotatedRows(l, a)
		bin := gozxing.NewGlobalHistgramBinarizer(r)
		// Start and stop patterns, each read both ways, dark bars and
		// light (an inverted band).
		var hits [8][]pdfHit
		for _, y := range rowOrder(r.h, max(1, r.h/96)) {
			var err error
			if row, err = bin.GetBlackRow(y, row); err != nil {
				continue
			}
			runs = bitRuns(row, r.w, runs[:0])
			for k, dark := range []bool{true, false} {
				hits[4*k] = append(hits[4*k], findPattern(runs, pdf417Start, y, dark)...)
				hits[4*k+1] = append(hits[4*k+1], findPattern(runs, pdf417Stop, y, dark)...)
			}
			reverseRuns(runs, r.w)
			for k, dark := range []bool{true, false} {
				hits[4*k+2] = append(hits[4*k+2], findPattern(runs, pdf417Start, y, dark)...)
				hits[4*k+3] = append(hits[4*k+3], findPattern(runs, pdf417Stop, y, dark)...)
			}
		}
		for _, h := range hits {
			for _, c := range clusters(h, pdf417Min) {
				// The mean width of the column's hits.
				sum, n := 0.0, 0
				for _, x := range h {
					if d := x.center - c.center; d < 3*c.unit && d > -3*c.unit {
						sum += x.unit
						n++
					}
				}
				if u := sum / float64(n); !ok || u < unit {
					unit, ok = u, true
				}
			}
		}
	}
	return unit, ok
}
