package pdf417

import (
	"math"
	"sort"

	"github.com/makiuchi-d/gozxing"
)

// MicroPDF417 (ISO/IEC 24728) is not read by this package: it replaces
// the start and stop patterns and row indicators with 10-module row
// address patterns (three bars, three spaces; left, centre and right,
// 52 of each, whose sequence gives the row), comes in 34 fixed sizes of
// one to four columns and has its own error correction counts. What is
// missing to read it: the row address pattern tables and their cyclic
// order, the table of the 34 sizes (rows, columns, error correction
// codewords, and where each size starts its pattern cycle), and a
// detector that follows the patterns instead of the start pattern. Its
// symbol characters, clusters, high-level encodation and modulo-929 error
// correction are PDF417's and are here.
//
// LooksLikeMicroPDF417 only recognises one, so that a caller can answer
// "unsupported" rather than "no barcode", and never a wrong read.

// LooksLikeMicroPDF417 reports whether m shows, on at least four lines
// at the same place, after a quiet zone, a 10-module pattern of three
// bars and three spaces (a left row address pattern) followed by a PDF417 symbol character and then
// either another character of the same cluster or a row address pattern,
// in a row that ends as a MicroPDF417 row does (microRowEnd), with
// characters of at least two clusters among those lines (rows of a
// stacked symbol: a one-dimensional barcode repeats one pattern on every
// line). It looks along rows and columns, in both directions (dark bars
// only), on 64 sampled lines of each.
func LooksLikeMicroPDF417(m *gozxing.BitMatrix) bool {
	type hit struct {
		line, cluster int
		x, u          float64
	}
	var l line
	for _, o := range orientations[:4] {
		lines, length := o.dims(m)
		step := max(1, lines/64)
		var hits []hit
		for ln := 0; ln < lines; ln += step {
			newLine(length, func(i int) bool {
				if o.reversed {
					i = length - 1 - i
				}
				if o.transposed {
					return m.Get(ln, i) != o.inverted
				}
				return m.Get(i, ln) != o.inverted
			}, &l)
			n := len(l.edges) - 1
			for i := 0; i+20 <= n; i++ {
				if !l.black(i) {
					continue
				}
				u := float64(l.edges[i+6]-l.edges[i]) / 10
				if u < 1 || !rapShape(&l, i, u) {
					continue
				}
				// The left row address pattern follows the quiet zone.
				if i > 0 && float64(l.runWidth(i-1)) < 2*u {
					continue
				}
				c, ok := microChar(&l, i+6, u)
				if !ok {
					continue
				}
				// Then another character of the row's cluster, or a row
				// address pattern (centre, or right before the stop bar).
				c2, ok := microChar(&l, i+14, u)
				if !(ok && c2 == c) && !rapShape(&l, i+14, u) {
					continue
				}
				if microRowEnd(&l, i, u) {
					hits = append(hits, hit{ln, c, float64(l.edges[i]), u})
				}
			}
			if len(hits) > 1024 {
				break
			}
		}
		// Four lines at one place, two clusters among them. Hits come
		// in line order; sorted by place, each is compared with those
		// within reach.
		sort.SliceStable(hits, func(a, b int) bool { return hits[a].x < hits[b].x })
		for i, a := range hits {
			tol := math.Max(1.5, a.u/2)
			lines, lastLine := 1, a.line
			clusters := 1 << a.cluster
			for _, b := range hits[i+1:] {
				if b.x-a.x > tol {
					break
				}
				if math.Abs(b.u-a.u) >= a.u/4 {
					continue
				}
				if b.line != lastLine && b.line != a.line {
					lines++
					lastLine = b.line
				}
				clusters |= 1 << b.cluster
			}
			if lines >= 4 && clusters&(clusters-1) != 0 {
				return true
			}
		}
	}
	return false
}

// rapShape reports whether the 6 runs from i (a bar) are about 10u wide
// with each run 1 to 4 modules: the shape of a row address pattern.
func rapShape(l *line, i int, u float64) bool {
	if math.Abs(float64(l.edges[i+6]-l.edges[i])-10*u) > 1.5*u {
		return false
	}
	for k := 0; k < 6; k++ {
		if w := float64(l.runWidth(i+k)) / u; w < 0.5 || w > 4.5 {
			return false
		}
	}
	return true
}

// microChar reads the 8 runs from i as a symbol character about 17u wide
// and returns its cluster.
func microChar(l *line, i int, u float64) (int, bool) {
	if i+8 >= len(l.edges) {
		return 0, false
	}
	w := l.edges[i+8] - l.edges[i]
	if math.Abs(float64(w)-17*u) > 2*u {
		return 0, false
	}
	var runs [8]int
	for k := range runs {
		runs[k] = l.runWidth(i + k)
	}
	_, c, ok := lookupWidths(runs[:], w)
	return c, ok
}

// microRowEnd reports whether the row whose left row address pattern
// starts at run i ends as a MicroPDF417 row of one to four columns does:
// 37, 54, 81 or 98 modules further (row address patterns of 10 modules,
// characters of 17, a centre pattern with three or four columns) with a
// right row address pattern, a stop bar one module wide and the quiet
// zone or the end of the line.
func microRowEnd(l *line, i int, u float64) bool {
	n := len(l.edges) - 1
	x := float64(l.edges[i])
	for _, w := range []float64{37, 54, 81, 98} {
		p := x + w*u
		// The bar starting nearest p.
		for j := i + 14; j < n; j += 2 {
			d := float64(l.edges[j]) - p
			if d < -1.5*u {
				continue
			}
			if d > 1.5*u {
				break
			}
			bw := float64(l.runWidth(j))
			quiet := j+1 >= n || l.edges[j+2] == len(l.bits) || float64(l.runWidth(j+1)) >= 2*u
			if bw >= 0.4*u && bw <= 1.8*u && quiet && rapShape(l, j-6, u) {
				return true
			}
		}
	}
	return false
}
