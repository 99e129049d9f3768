package scanning

import (
	"image"
	"math"
	"sort"

	"github.com/makiuchi-d/gozxing"
)

// Evidence: before the expensive fallbacks run, one pass over the primary
// binarisation (already computed for the first attempt) describes each
// cell of the image. A cell shows module texture when it has contrast and
// black/white transitions in both directions and is neither print on paper
// (thin strokes: little black) nor a solid block; it shows bars when it has
// many transitions in one direction. A frame with neither has nothing a
// fallback could read, and the search stops. Cells of module texture,
// grouped, are also where 2D symbols are looked for in a cluttered photo.

// evidence is the cell map of one image.
type evidence struct {
	cell   int
	cw, ch int
	// symbol marks cells of 2D module texture; busy marks cells with
	// enough edges for any symbol (bars, modules, or print).
	symbol, busy []bool
	fill         []float32 // black fraction of each cell
	nSymbol      int
	nBusy        int
}

// Thresholds of a cell. Transitions are counted per row (and column) of
// the cell, one pixel back included: a single straight edge, such as the
// side of a box or a label, gives exactly one per row and is not a symbol.
const (
	evMinContrast = 20   // grey levels between the cell's darkest and lightest pixel
	evMinEdge     = 0.6  // transitions per row and per column (module texture)
	evMinEdgeSum  = 1.8  // the two together: more than a corner or a slanted edge
	evMinBarEdge  = 1.5  // transitions per row or per column (bars)
	evMinFill     = 0.30 // print is thin strokes: less black than this
	evMaxFill     = 0.85 // a solid block: more
)

func newEvidence(l *lumImage, m *gozxing.BitMatrix) *evidence {
	w, h := m.GetWidth(), m.GetHeight()
	cell := max(6, min(w, h)/48)
	ev := &evidence{cell: cell, cw: w / cell, ch: h / cell}
	n := ev.cw * ev.ch
	ev.symbol, ev.busy, ev.fill = make([]bool, n), make([]bool, n), make([]float32, n)
	area := float64(cell * cell)
	// Per cell column: black count, transitions and luminance range,
	// accumulated a row of pixels at a time.
	black := make([]int, ev.cw)
	hx := make([]int, ev.cw)
	vx := make([]int, ev.cw)
	lo := make([]uint8, ev.cw)
	hi := make([]uint8, ev.cw)
	fh, fv := make([]float32, n), make([]float32, n)
	var cur, up *gozxing.BitArray
	for cy := 0; cy < ev.ch; cy++ {
		clear(black)
		clear(hx)
		clear(vx)
		for i := range lo {
			lo[i], hi[i] = 255, 0
		}
		// Each cell also looks one pixel back, left and up: a cell that
		// falls exactly on one module still sees its edges.
		for y := max(0, cy*cell-1); y < (cy+1)*cell; y++ {
			lum := l.pix[y*l.w:]
			inCell := y >= cy*cell
			// The bits of this row and the one above, a word at a time
			// (BitMatrix.Get per pixel cost more than the rest).
			cur = m.GetRow(y, cur)
			cw := cur.GetBitArray()
			var uw []uint32
			if y > 0 {
				up = m.GetRow(y-1, up)
				uw = up.GetBitArray()
			}
			for cx := 0; cx < ev.cw; cx++ {
				x0 := max(0, cx*cell-1)
				prev := cw[x0>>5]>>(x0&31)&1 != 0
				for x := x0; x < (cx+1)*cell; x++ {
					b := cw[x>>5]>>(x&31)&1 != 0
					if b != prev {
						hx[cx]++
					}
					prev = b
					if y > 0 && b != (uw[x>>5]>>(x&31)&1 != 0) {
						vx[cx]++
					}
					if inCell && x >= cx*cell && b {
						black[cx]++
					}
					v := lum[x]
					lo[cx], hi[cx] = min(lo[cx], v), max(hi[cx], v)
				}
			}
		}
		for cx := 0; cx < ev.cw; cx++ {
			i := cy*ev.cw + cx
			ev.fill[i] = float32(float64(black[cx]) / area)
			if int(hi[cx])-int(lo[cx]) < evMinContrast {
				continue
			}
			fh[i], fv[i] = float32(hx[cx])/float32(cell), float32(vx[cx])/float32(cell)
		}
	}
	for cy := 0; cy < ev.ch; cy++ {
		for cx := 0; cx < ev.cw; cx++ {
			i := cy*ev.cw + cx
			h, v := float64(fh[i]), float64(fv[i])
			texture := h >= evMinEdge && v >= evMinEdge && h+v >= evMinEdgeSum
			if max(h, v) >= evMinBarEdge || texture {
				ev.busy[i] = true
				ev.nBusy++
			}
			if !texture {
				continue
			}
			// The black fraction around the cell: a cell may hold a single
			// large module.
			var f float64
			n := 0
			for y := max(0, cy-1); y <= min(ev.ch-1, cy+1); y++ {
				for x := max(0, cx-1); x <= min(ev.cw-1, cx+1); x++ {
					f += float64(ev.fill[y*ev.cw+x])
					n++
				}
			}
			if f /= float64(n); f >= evMinFill && f <= evMaxFill {
				ev.symbol[i] = true
				ev.nSymbol++
			}
		}
	}
	return ev
}

// anything reports whether the frame shows any cluster of edges a symbol
// could make: at least two busy cells next to each other.
func (ev *evidence) anything() bool {
	return ev.clustered(ev.busy, 2)
}

// modules reports whether the frame shows 2D module texture: a cluster of
// at least four symbol cells (a slanted edge makes a diagonal of three).
func (ev *evidence) modules() bool {
	return ev.clustered(ev.symbol, 4)
}

// clustered reports whether some cell of set has at least k-1 neighbours
// in set (8-connectivity, the cell itself included in the count).
func (ev *evidence) clustered(set []bool, k int) bool {
	for cy := 0; cy < ev.ch; cy++ {
		for cx := 0; cx < ev.cw; cx++ {
			if !set[cy*ev.cw+cx] {
				continue
			}
			n := 0
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					x, y := cx+dx, cy+dy
					if x >= 0 && y >= 0 && x < ev.cw && y < ev.ch && set[y*ev.cw+x] {
						n++
					}
				}
			}
			if n >= k {
				return true
			}
		}
	}
	return false
}

// proposals groups symbol cells into candidate regions of 2D symbols,
// densest first, each with a margin for the quiet zone. The core of a
// group (cells at least half black on average) is proposed as well, for a
// symbol that print next to it has joined.
func (ev *evidence) proposals(maxN int) []image.Rectangle {
	type comp struct {
		x0, y0, x1, y1, n int
		fill              float64
	}
	var comps []comp
	seen := make([]bool, len(ev.symbol))
	stack := make([]int, 0, 64)
	for i, a := range ev.symbol {
		if !a || seen[i] {
			continue
		}
		c := comp{x0: ev.cw, y0: ev.ch, x1: -1, y1: -1}
		stack = append(stack[:0], i)
		seen[i] = true
		for len(stack) > 0 {
			j := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			x, y := j%ev.cw, j/ev.cw
			c.n++
			c.fill += float64(ev.fill[j])
			c.x0, c.y0, c.x1, c.y1 = min(c.x0, x), min(c.y0, y), max(c.x1, x), max(c.y1, y)
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					nx, ny := x+dx, y+dy
					if nx < 0 || ny < 0 || nx >= ev.cw || ny >= ev.ch {
						continue
					}
					k := ny*ev.cw + nx
					if ev.symbol[k] && !seen[k] {
						seen[k] = true
						stack = append(stack, k)
					}
				}
			}
		}
		bw, bh := c.x1-c.x0+1, c.y1-c.y0+1
		c.fill /= float64(c.n)
		// Symbols are compact and dense: not a scattered run of print
		// across half the frame, nor a thin line of it.
		if c.n < 3 || float64(c.n) < 0.4*float64(bw*bh) || max(bw, bh) > 7*min(bw, bh) ||
			bw*bh > ev.cw*ev.ch/3 {
			continue
		}
		comps = append(comps, c)
	}
	// Dense, well-filled groups first: a symbol is about half black.
	score := func(c comp) float64 {
		bw, bh := c.x1-c.x0+1, c.y1-c.y0+1
		density := float64(c.n) / float64(bw*bh)
		return float64(c.n) * density * (1 - 2*math.Abs(c.fill-0.5))
	}
	sort.Slice(comps, func(i, j int) bool { return score(comps[i]) > score(comps[j]) })
	var out []image.Rectangle
	bounds := image.Rect(0, 0, ev.cw*ev.cell, ev.ch*ev.cell)
	for _, c := range comps {
		if len(out) >= maxN {
			break
		}
		r := image.Rect(c.x0*ev.cell, c.y0*ev.cell, (c.x1+1)*ev.cell, (c.y1+1)*ev.cell)
		side := max(r.Dx(), r.Dy())
		// A turned symbol's box is up to √2 its side: a margin of a
		// quarter of the side on each side holds its corners and quiet
		// zone.
		mg := max(side/4, 2*ev.cell)
		out = append(out, image.Rect(r.Min.X-mg, r.Min.Y-mg, r.Max.X+mg, r.Max.Y+mg).Intersect(bounds))
	}
	return out
}

// gridAngle estimates the direction of a square module grid in a region of
// l, in degrees in [-45, 45): the gradient directions of module edges
// cluster at θ and θ+90°, so their angle times four agrees.
func gridAngle(l *lumImage, r image.Rectangle) float64 {
	var c, s float64
	for y := max(1, r.Min.Y); y < min(l.h-1, r.Max.Y); y++ {
		row := l.pix[y*l.w:]
		up, down := l.pix[(y-1)*l.w:], l.pix[(y+1)*l.w:]
		for x := max(1, r.Min.X); x < min(l.w-1, r.Max.X); x++ {
			gx := float64(row[x+1]) - float64(row[x-1])
			gy := float64(down[x]) - float64(up[x])
			m2 := gx*gx + gy*gy
			if m2 < 400 {
				continue
			}
			// cos 4φ and sin 4φ from the double-angle formulas, weighted
			// by the magnitude.
			c2 := (gx*gx - gy*gy) / m2
			s2 := 2 * gx * gy / m2
			mag := math.Sqrt(m2)
			c += mag * (c2*c2 - s2*s2)
			s += mag * 2 * s2 * c2
		}
	}
	if c == 0 && s == 0 {
		return 0
	}
	return math.Atan2(s, c) * 45 / math.Pi
}

// isolate finds the 2D symbol in an upright crop and returns it alone on a
// light canvas: the symbol's box, grown until a light line (its quiet
// zone) bounds each side, copied into a white frame. Clutter touching the
// symbol (a pack edge, print) otherwise takes the place of the quiet zone
// that the DataMatrix detector needs.
func isolate(l *lumImage, m *gozxing.BitMatrix) (*lumImage, bool) {
	ev := newEvidence(l, m)
	props := ev.proposals(6)
	if len(props) == 0 {
		return nil, false
	}
	// The crop was made around the symbol: of the groups in it, the one
	// nearest its centre.
	r := props[0]
	dist := func(q image.Rectangle) int {
		dx, dy := (q.Min.X+q.Max.X)/2-l.w/2, (q.Min.Y+q.Max.Y)/2-l.h/2
		return dx*dx + dy*dy
	}
	for _, q := range props[1:] {
		if dist(q) < dist(r) {
			r = q
		}
	}
	// proposals adds a margin; take the cells' box back.
	side := max(r.Dx(), r.Dy())
	mg := max(side/6, 2*ev.cell) // about the margin proposals added: (side+2mg)/4 with mg = side'/4
	w, h := m.GetWidth(), m.GetHeight()
	r = image.Rectangle{image.Pt(r.Min.X+mg, r.Min.Y+mg), image.Pt(r.Max.X-mg, r.Max.Y-mg)}
	r = r.Intersect(image.Rect(0, 0, min(w, l.w), min(h, l.h)))
	if r.Dx() < ev.cell || r.Dy() < ev.cell {
		return nil, false
	}
	dark := func(x0, y0, x1, y1 int) bool { // any black on the line
		for y := max(0, y0); y < min(h, y1); y++ {
			for x := max(0, x0); x < min(w, x1); x++ {
				if m.Get(x, y) {
					return true
				}
			}
		}
		return false
	}
	// Grow one side at a time, a pixel per round, so that each side's test
	// spans what the others have found.
	limit := max(l.w, l.h) / 3
	var grown [4]int
	for changed := true; changed; {
		changed = false
		if grown[0] < limit && r.Min.X > 0 && dark(r.Min.X-1, r.Min.Y, r.Min.X, r.Max.Y) {
			r.Min.X--
			grown[0]++
			changed = true
		}
		if grown[1] < limit && r.Max.X < w && dark(r.Max.X, r.Min.Y, r.Max.X+1, r.Max.Y) {
			r.Max.X++
			grown[1]++
			changed = true
		}
		if grown[2] < limit && r.Min.Y > 0 && dark(r.Min.X, r.Min.Y-1, r.Max.X, r.Min.Y) {
			r.Min.Y--
			grown[2]++
			changed = true
		}
		if grown[3] < limit && r.Max.Y < h && dark(r.Min.X, r.Max.Y, r.Max.X, r.Max.Y+1) {
			r.Max.Y++
			grown[3]++
			changed = true
		}
	}
	pad := max(8, max(r.Dx(), r.Dy())/6)
	out := newLum(r.Dx()+2*pad, r.Dy()+2*pad)
	// The canvas takes the paper's luminance: the lightest common value
	// around the symbol.
	paper := byte(255)
	var hist [256]int
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if !m.Get(x, y) {
				hist[l.pix[y*l.w+x]]++
				n++
			}
		}
	}
	for v, acc := 0, 0; v < 256; v++ {
		acc += hist[v]
		if acc >= n/2 {
			paper = byte(v)
			break
		}
	}
	for i := range out.pix {
		out.pix[i] = paper
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		copy(out.pix[(y-r.Min.Y+pad)*out.w+pad:], l.pix[y*l.w+r.Min.X:y*l.w+r.Max.X])
	}
	return out, true
}

func (l *lumImage) bounds() image.Rectangle { return image.Rect(0, 0, l.w, l.h) }
