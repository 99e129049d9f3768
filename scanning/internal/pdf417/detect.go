package pdf417

import (
	"context"
	"math"
	"sort"

	"github.com/makiuchi-d/gozxing"
)

// Detection and sampling. Every line of the image (pixel rows, or pixel
// columns for a symbol turned by 90°, in both directions) is scanned for
// the start pattern followed by the stop pattern. Between them lie the
// left row indicator, the data columns and the right row indicator, 17
// modules each; each is measured from its bar edges and looked up in the
// symbol-character table. The row indicators say which symbol row the
// line crosses; along a slightly skewed line, a change of cluster says the
// line moved to the next or previous row. Every line votes for the
// codeword of each (row, column) it read; the majority is kept, unread
// cells are erasures for the Reed–Solomon decoder.

var (
	startWidths = []float64{8, 1, 1, 1, 1, 1, 1, 3}
	stopWidths  = []float64{7, 1, 1, 3, 1, 1, 1, 2, 1}
)

// line is the bits of one scan line.
type line struct {
	bits []bool
	// edges[i] is where run i starts; runs alternate colour.
	edges []int
	first bool // colour of the first run
}

func newLine(n int, get func(int) bool, l *line) {
	if cap(l.bits) < n {
		l.bits = make([]bool, n)
	}
	l.bits = l.bits[:n]
	l.edges = l.edges[:0]
	for i := 0; i < n; i++ {
		b := get(i)
		l.bits[i] = b
		if i == 0 || b != l.bits[i-1] {
			l.edges = append(l.edges, i)
		}
	}
	l.edges = append(l.edges, n)
	if n > 0 {
		l.first = l.bits[0]
	}
}

// black reports whether run i is dark.
func (l *line) black(i int) bool { return (i%2 == 0) == l.first }

func (l *line) runWidth(i int) int { return l.edges[i+1] - l.edges[i] }

// match reports whether the runs from i on (run i dark) have the given
// relative widths, and returns the pixels per module.
func (l *line) match(i int, want []float64, modules float64) (float64, bool) {
	if i+len(want) >= len(l.edges) || !l.black(i) {
		return 0, false
	}
	total := float64(l.edges[i+len(want)] - l.edges[i])
	u := total / modules
	if u < 0.8 {
		return 0, false
	}
	for j, w := range want {
		got := float64(l.runWidth(i + j))
		if math.Abs(got-w*u) > 0.5*u*math.Max(1, w/2)+0.5 {
			return 0, false
		}
	}
	return u, true
}

// lineRead is what one scan line yields.
type lineRead struct {
	cw      []int // per column from the left row indicator: value or -1
	cluster []int // per column: cluster index 0–2, or -1
	x0, x1  int   // start of the start pattern, end of the stop pattern
	startX  int   // start of the first start pattern, even without a stop pattern
	compact bool  // a Compact PDF417 row: no right row indicator
}

// readLine finds the start and stop patterns on a line and reads the
// codewords between them.
func readLine(l *line, out *lineRead) (started, ok bool) {
	n := len(l.edges) - 1
	fitted := false
	for i := 0; i+8 < n; i++ {
		us, ok := l.match(i, startWidths, 17)
		if !ok {
			continue
		}
		if !started {
			out.startX = l.edges[i]
		}
		started = true
		begin := l.edges[i+8]
		// The widest symbol: 30 data columns and two row indicators,
		// with room for a module size 2.2 times the start pattern's.
		limit := begin + int(32*17*2.2*us) + 2
		// The stop pattern: the first one after the start whose module
		// size agrees.
		for j := i + 8; j+9 <= n; j += 2 {
			if l.edges[j] > limit {
				break
			}
			ue, ok := l.match(j, stopWidths, 18)
			if !ok || ue > 2.2*us || ue < us/2.2 { // perspective: up to about 2× between the ends
				continue
			}
			end := l.edges[j]
			u := (us + ue) / 2
			ncw := int(math.Round(float64(end-begin) / (17 * u)))
			if ncw < 3 || ncw > 32 {
				continue
			}
			if math.Abs(float64(end-begin)-float64(ncw)*17*u) > 17*u/2 {
				continue
			}
			out.x0, out.x1 = l.edges[i], l.edges[j+9]
			out.compact = false
			readCodewords(l, begin, end, ncw, us, ue, out)
			return true, true
		}
		end, ok := compactRow(l, i+8, us, limit, out)
		if !ok && !fitted && len(out.cw) > 0 && out.cw[0] >= 0 {
			// Once a line, and only after a row indicator.
			fitted = true
			end, ok = compactFit(l, i+8, us, limit, out)
		}
		if ok {
			out.x0, out.x1 = l.edges[i], l.edges[end+1]
			out.compact = true
			return true, true
		}
	}
	return started, false
}

// compactRow reads a Compact PDF417 row (ISO/IEC 15438, "Compact
// PDF417": no right row indicator, and a stop pattern reduced to a single
// bar one module wide) from run j0, the left row indicator's first bar,
// for module size u. It walks symbol characters of 17 modules from there,
// following a module size that changes along the line: the row ends at
// the first character boundary, after at least two characters (the row
// indicator and one data column), where no symbol character reads and a
// bar about one module wide is followed by a space wider than any within
// a symbol character (more than six modules: the quiet zone) or by the
// end of the line; other unread characters (two at most) are erasures.
// It fills out and returns the end bar's run.
func compactRow(l *line, j0 int, u float64, limit int, out *lineRead) (end int, ok bool) {
	n := len(l.edges) - 1
	a := l.edges[j0]
	out.cw = out.cw[:0]
	out.cluster = out.cluster[:0]
	unread := 0
	read := func(a, b int) (int, int) {
		if b-a > 8 && b <= len(l.bits) {
			return sampleCodeword(l, a, b)
		}
		return -1, -1
	}
	for k := 0; k <= 32 && a <= limit; k++ {
		b := snapEdge(l, a+int(math.Round(17*u)), 17*u/6)
		if v, c := read(a, b); v >= 0 {
			out.cw = append(out.cw, v)
			out.cluster = append(out.cluster, c)
			u = 0.7*u + 0.3*float64(b-a)/17
			a = b
			continue
		}
		if k < 1 {
			return 0, false
		}
		// The end?
		if j := runAt(l, a); k >= 2 && j >= 0 && j < n && l.black(j) {
			w := float64(l.runWidth(j))
			quiet := j+1 >= n || l.edges[j+2] == len(l.bits) || float64(l.runWidth(j+1)) >= 6.5*u
			if w >= 0.4*u && w <= 2*u && quiet {
				return j, true
			}
		}
		// An unread character inside the row.
		unread++
		if unread > 2 {
			return 0, false
		}
		out.cw = append(out.cw, -1)
		out.cluster = append(out.cluster, -1)
		a = b
	}
	return 0, false
}

// compactFit reads a Compact PDF417 row whose characters the walk of
// compactRow could not follow (strong perspective): the row ends at the
// first bar followed by a space wider than seven modules (wider than any
// space within the symbol) or one that reaches the end of the line, and the number of
// characters is the one, among those that a module size between half and
// twice the start pattern's allows, whose reading yields the most symbol
// characters.
func compactFit(l *line, j0 int, us float64, limit int, out *lineRead) (end int, ok bool) {
	n := len(l.edges) - 1
	begin := l.edges[j0]
	end = -1
	for j := j0 + 2; j < n && l.edges[j] <= limit; j += 2 {
		if j+1 >= n || l.edges[j+2] == len(l.bits) || float64(l.runWidth(j+1)) > 7*us {
			end = j
			break
		}
	}
	if end < 0 {
		return 0, false
	}
	span := float64(l.edges[end] - begin)
	bestN, bestRead := 0, 0
	var bestCW, bestCl []int
	for ncw := max(2, int(span/(17*2.2*us))); ncw <= min(31, int(span/(17*us/2.2))+1); ncw++ {
		ue := 2*span/(17*float64(ncw)) - us
		if ue < us/2.2 || ue > 2.2*us {
			continue
		}
		readCodewords(l, begin, l.edges[end], ncw, us, ue, out)
		got := 0
		for _, v := range out.cw {
			if v >= 0 {
				got++
			}
		}
		if got > bestRead && 2*got > ncw {
			bestN, bestRead = ncw, got
			bestCW = append(bestCW[:0], out.cw...)
			bestCl = append(bestCl[:0], out.cluster...)
		}
	}
	if bestN == 0 {
		return 0, false
	}
	out.cw = append(out.cw[:0], bestCW...)
	out.cluster = append(out.cluster[:0], bestCl...)
	return end, true
}

// runAt returns the run that starts at pixel x, or -1.
func runAt(l *line, x int) int {
	lo, hi := 0, len(l.edges)-1
	for lo < hi {
		m := (lo + hi) / 2
		if l.edges[m] < x {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if l.edges[lo] == x {
		return lo
	}
	return -1
}

// readCodewords reads ncw symbol characters between pixel begin and end.
// The module size may change along the line (a symbol seen in
// perspective): it is taken to change linearly from us, measured on the
// start pattern, to ue, measured on the stop pattern, and the
// characters' widths follow it.
func readCodewords(l *line, begin, end, ncw int, us, ue float64, out *lineRead) {
	out.cw = out.cw[:0]
	out.cluster = out.cluster[:0]
	var at [33]float64 // character boundaries, from begin
	for k := 0; k < ncw; k++ {
		// Module size at character k's centre; the start pattern's
		// centre is at -0.5 characters, the stop pattern's at ncw+0.5.
		u := us + (ue-us)*(float64(k)+1)/(float64(ncw)+1)
		at[k+1] = at[k] + u
	}
	scale := float64(end-begin) / at[ncw]
	// Each character is looked for where the previous one ended (the
	// walk re-anchors on the edges read, so the error of the model does
	// not add up), and failing that where the model puts it.
	walked := -1
	for k := 0; k < ncw; k++ {
		step := (at[k+1] - at[k]) * scale
		v, c := -1, -1
		if walked >= 0 {
			b := snapEdge(l, walked+int(math.Round(step)), step/6)
			if b-walked > 8 {
				v, c = sampleCodeword(l, walked, b)
			}
			walked = -1
			if v >= 0 {
				walked = b
			}
		}
		if v < 0 {
			a := snapEdge(l, begin+int(math.Round(at[k]*scale)), step/6)
			b := snapEdge(l, begin+int(math.Round(at[k+1]*scale)), step/6)
			if b-a > 8 {
				v, c = sampleCodeword(l, a, b)
			}
			if v >= 0 {
				walked = b
			}
		}
		out.cw = append(out.cw, v)
		out.cluster = append(out.cluster, c)
	}
}

// snapEdge returns the light-to-dark edge nearest x within tol pixels, or
// x when there is none.
func snapEdge(l *line, x int, tol float64) int {
	best, bestD := x, tol+1
	// edges is sorted: binary search.
	lo, hi := 0, len(l.edges)-1
	for lo < hi {
		m := (lo + hi) / 2
		if l.edges[m] < x {
			lo = m + 1
		} else {
			hi = m
		}
	}
	for i := max(0, lo-2); i < min(len(l.edges)-1, lo+2); i++ {
		if !l.black(i) {
			continue
		}
		if d := math.Abs(float64(l.edges[i] - x)); d < bestD {
			best, bestD = l.edges[i], d
		}
	}
	return best
}

// sampleCodeword measures the symbol character in pixels [a, b): from
// its 8 runs when there are 8, else by sampling 17 module centres.
func sampleCodeword(l *line, a, b int) (int, int) {
	if a < 0 || b > len(l.bits) || b-a < 8 {
		return -1, -1
	}
	var runs []int
	prev := !l.bits[a]
	for x := a; x < b; x++ {
		if l.bits[x] != prev {
			runs = append(runs, 0)
			prev = l.bits[x]
		}
		runs[len(runs)-1]++
	}
	if l.bits[a] && len(runs) == 8 {
		if v, c, ok := lookupWidths(runs, b-a); ok {
			return v, c
		}
	}
	var p uint32
	w := float64(b-a) / 17
	for k := 0; k < 17; k++ {
		p <<= 1
		x := a + int(w*(float64(k)+0.5))
		if x < b && l.bits[x] {
			p |= 1
		}
	}
	return lookup(p)
}

// lookupWidths scales 8 run widths to 17 modules (largest remainders).
func lookupWidths(runs []int, total int) (int, int, bool) {
	var w [8]int
	var rem [8]float64
	sum := 0
	for i, r := range runs {
		x := float64(r) * 17 / float64(total)
		w[i] = max(1, int(x))
		rem[i] = x - float64(w[i]) // negative when raised to one module
		sum += w[i]
	}
	for sum < 17 {
		bi := 0
		for i := range rem {
			if rem[i] > rem[bi] {
				bi = i
			}
		}
		w[bi]++
		rem[bi] = -1
		sum++
	}
	for sum > 17 {
		// Too many modules (narrow runs raised to one): take one from
		// the run most over its measured width.
		bi := -1
		for i := range rem {
			if w[i] > 1 && (bi < 0 || rem[i] < rem[bi]) {
				bi = i
			}
		}
		if bi < 0 {
			return 0, 0, false
		}
		w[bi]--
		rem[bi]++
		sum--
	}
	if sum != 17 {
		return 0, 0, false
	}
	v, c := lookup(patternOf(w))
	return v, c, v >= 0
}

func lookup(p uint32) (int, int) {
	v, ok := patternIndex[p]
	if !ok {
		return -1, -1
	}
	w, _ := widthsOf(p)
	return v, clusterOf(w) / 3
}

// grid collects the votes of all lines of one orientation.
type grid struct {
	votes    map[[2]int]map[int]int // (row, column) → value → lines
	rowsHi   map[int]int            // (rows-1) div 3
	rowsLo   map[int]int            // (rows-1) mod 3
	level    map[int]int
	cols     map[int]int
	lines    int      // lines whose row indicators were read
	found    int      // lines with start and stop patterns
	starts   int      // lines with a start pattern
	startAt  [][2]int // (line, x) of start patterns
	first    [2]int   // (line, x) of the first and last line read
	last     [2]int
	firstSet bool
	lastX1   int
}

func newGrid() *grid {
	return &grid{votes: map[[2]int]map[int]int{}, rowsHi: map[int]int{}, rowsLo: map[int]int{}, level: map[int]int{}, cols: map[int]int{}}
}

// add records one line's codewords.
func (g *grid) add(r *lineRead, lineNo int) {
	n := len(r.cw)
	left, right := r.cw[0], r.cw[n-1]
	lc, rc := r.cluster[0], r.cluster[n-1]
	if r.compact {
		// Every character after the left row indicator is data; only
		// the left indicator tells the row.
		if left < 0 {
			return
		}
		right, n = -1, n+1
	}
	row := -1
	switch {
	case left >= 0:
		row = 3*(left/30) + lc
	case right >= 0:
		row = 3*(right/30) + rc
	default:
		return
	}
	g.lines++
	if !g.firstSet {
		g.first, g.firstSet = [2]int{lineNo, r.x0}, true
	}
	g.last, g.lastX1 = [2]int{lineNo, r.x0}, r.x1
	if left >= 0 {
		v := left % 30
		switch lc {
		case 0:
			g.rowsHi[v]++
		case 1:
			g.level[v/3]++
			g.rowsLo[v%3]++
		case 2:
			g.cols[v+1]++
		}
	}
	if right >= 0 {
		v := right % 30
		switch rc {
		case 0:
			g.cols[v+1]++
		case 1:
			g.rowsHi[v]++
		case 2:
			g.level[v/3]++
			g.rowsLo[v%3]++
		}
	}
	// Walk the data columns from whichever indicator was read, following
	// cluster changes of a skewed line.
	vote := func(row, col, v int) {
		k := [2]int{row, col}
		m := g.votes[k]
		if m == nil {
			m = map[int]int{}
			g.votes[k] = m
		}
		m[v]++
	}
	if left >= 0 {
		cur := row
		for k := 1; k < n-1; k++ {
			if r.cw[k] < 0 {
				continue
			}
			switch (r.cluster[k] - cur%3 + 3) % 3 {
			case 1:
				cur++
			case 2:
				cur--
			}
			vote(cur, k-1, r.cw[k])
		}
		return
	}
	cur := row
	for k := n - 2; k >= 1; k-- {
		if r.cw[k] < 0 {
			continue
		}
		switch (r.cluster[k] - cur%3 + 3) % 3 {
		case 1:
			cur++
		case 2:
			cur--
		}
		vote(cur, k-1, r.cw[k])
	}
}

// merge adds the votes of o to g.
func (g *grid) merge(o *grid) {
	for k, m := range o.votes {
		d := g.votes[k]
		if d == nil {
			d = map[int]int{}
			g.votes[k] = d
		}
		for v, n := range m {
			d[v] += n
		}
	}
	for _, p := range [][2]map[int]int{{g.rowsHi, o.rowsHi}, {g.rowsLo, o.rowsLo}, {g.level, o.level}, {g.cols, o.cols}} {
		for v, n := range p[1] {
			p[0][v] += n
		}
	}
	g.lines += o.lines
}

func best(m map[int]int) (int, int) {
	bv, bn := -1, 0
	for v, n := range m {
		if n > bn || (n == bn && v < bv) {
			bv, bn = v, n
		}
	}
	return bv, bn
}

// orientation maps scan lines to matrix coordinates.
type orientation struct {
	transposed, reversed bool
	inverted             bool // light bars on a dark ground
}

func (o orientation) dims(m *gozxing.BitMatrix) (lines, length int) {
	if o.transposed {
		return m.GetWidth(), m.GetHeight()
	}
	return m.GetHeight(), m.GetWidth()
}

func (o orientation) point(m *gozxing.BitMatrix, lineNo, x int) gozxing.ResultPoint {
	_, length := o.dims(m)
	if o.reversed {
		x = length - 1 - x
	}
	if o.transposed {
		return gozxing.NewResultPoint(float64(lineNo), float64(x))
	}
	return gozxing.NewResultPoint(float64(x), float64(lineNo))
}

// scan reads every line of m in orientation o. With a slope, the lines
// are sheared (line ln at position i is pixel line ln + slope×i), which
// follows a symbol turned by a few degrees. It returns false when ctx is
// done before the last line.
func scan(ctx context.Context, m *gozxing.BitMatrix, o orientation, slope float64) (*grid, bool) {
	lines, length := o.dims(m)
	g := newGrid()
	var l line
	var r lineRead
	lo, hi := 0, lines
	if slope < 0 {
		hi = lines - int(slope*float64(length))
	} else {
		lo = -int(slope * float64(length))
	}
	for ln := lo; ln < hi; ln++ {
		if ctx.Err() != nil {
			return g, false
		}
		get := func(i int) bool {
			k := ln + int(math.Round(slope*float64(i)))
			if k < 0 || k >= lines {
				return false
			}
			if o.reversed {
				i = length - 1 - i
			}
			if o.transposed {
				return m.Get(k, i) != o.inverted
			}
			return m.Get(i, k) != o.inverted
		}
		newLine(length, get, &l)
		started, ok := readLine(&l, &r)
		if started {
			g.starts++
			if len(g.startAt) < 4096 {
				g.startAt = append(g.startAt, [2]int{ln, r.startX})
			}
		}
		if ok {
			g.found++
			g.add(&r, ln)
		}
	}
	return g, true
}

// skew estimates the slope (rows' dy/dx) of a symbol turned by a few
// degrees from where its start pattern lies on successive lines: the
// start column runs at dx/dy = -slope. It returns false with too few
// points.
func (g *grid) skew() (float64, bool) {
	p := g.startAt
	h := len(p) / 2
	if h < 4 {
		return 0, false
	}
	var est []float64
	for i := 0; i+h < len(p); i++ {
		dy := float64(p[i+h][0] - p[i][0])
		if dy < 4 {
			continue
		}
		est = append(est, -float64(p[i+h][1]-p[i][1])/dy)
	}
	if len(est) < 4 {
		return 0, false
	}
	sort.Float64s(est)
	return est[len(est)/2], true
}
