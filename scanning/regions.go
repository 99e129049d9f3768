package scanning

import (
	"image"
	"sort"

	"github.com/makiuchi-d/gozxing"
)

// gozxing's DataMatrix detector grows a white rectangle from the centre of
// the image, so in a cluttered photo with the symbol off to one side it
// finds nothing. candidateRegions proposes where 2D symbols may be: compact
// blocks of cells with many black/white transitions in both directions
// (module edges), as opposed to flat areas, lines, and thin text lines. Each
// proposal is then decoded as a crop with a margin, which puts the symbol at
// the centre and leaves most of the clutter out.

// candidateRegions returns up to maxN rectangles, largest first.
func candidateRegions(m *gozxing.BitMatrix, maxN int) []image.Rectangle {
	w, h := m.GetWidth(), m.GetHeight()
	cell := max(4, min(w, h)/48)
	cw, ch := w/cell, h/cell
	if cw < 3 || ch < 3 {
		return nil
	}
	active := make([]bool, cw*ch)
	area := float64(cell * cell)
	for cy := 0; cy < ch; cy++ {
		for cx := 0; cx < cw; cx++ {
			x0, y0 := cx*cell, cy*cell
			hx, vx := 0, 0
			for y := y0; y < y0+cell; y++ {
				prev := m.Get(x0, y)
				for x := x0 + 1; x < x0+cell; x++ {
					b := m.Get(x, y)
					if b != prev {
						hx++
					}
					prev = b
				}
			}
			for x := x0; x < x0+cell; x++ {
				prev := m.Get(x, y0)
				for y := y0 + 1; y < y0+cell; y++ {
					b := m.Get(x, y)
					if b != prev {
						vx++
					}
					prev = b
				}
			}
			// Module edges in both directions; a module of up to ~12 px
			// still gives 0.04 transitions per pixel.
			active[cy*cw+cx] = float64(hx)/area >= 0.04 && float64(vx)/area >= 0.04
		}
	}

	type comp struct {
		x0, y0, x1, y1, n int
	}
	var comps []comp
	seen := make([]bool, len(active))
	stack := make([]int, 0, 64)
	for i, a := range active {
		if !a || seen[i] {
			continue
		}
		c := comp{x0: cw, y0: ch, x1: -1, y1: -1}
		stack = append(stack[:0], i)
		seen[i] = true
		for len(stack) > 0 {
			j := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			x, y := j%cw, j/cw
			c.n++
			c.x0, c.y0, c.x1, c.y1 = min(c.x0, x), min(c.y0, y), max(c.x1, x), max(c.y1, y)
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					nx, ny := x+dx, y+dy
					if nx < 0 || ny < 0 || nx >= cw || ny >= ch {
						continue
					}
					k := ny*cw + nx
					if active[k] && !seen[k] {
						seen[k] = true
						stack = append(stack, k)
					}
				}
			}
		}
		bw, bh := c.x1-c.x0+1, c.y1-c.y0+1
		// At least 3×2 cells, not a thin line of text, mostly filled, and
		// not the whole image (that was tried already).
		if bw*bh < 6 || min(bw, bh) < 2 || max(bw, bh) > 8*min(bw, bh) ||
			float64(c.n) < 0.45*float64(bw*bh) || (bw >= cw-1 && bh >= ch-1) {
			continue
		}
		comps = append(comps, c)
	}
	sort.Slice(comps, func(i, j int) bool { return comps[i].n > comps[j].n })
	var out []image.Rectangle
	for _, c := range comps {
		if len(out) == maxN {
			break
		}
		r := image.Rect(c.x0*cell, c.y0*cell, (c.x1+1)*cell, (c.y1+1)*cell)
		// A margin of a third of the symbol on each side: room for the
		// quiet zone and for cells the density test missed at the border.
		mx, my := max(r.Dx()/3, 2*cell), max(r.Dy()/3, 2*cell)
		out = append(out, image.Rect(r.Min.X-mx, r.Min.Y-my, r.Max.X+mx, r.Max.Y+my).Intersect(image.Rect(0, 0, w, h)))
	}
	return out
}
