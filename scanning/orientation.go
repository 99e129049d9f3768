package scanning

import (
	"math"
	"sort"
)

// A linear symbol is crossed whole only by lines within a few degrees of
// perpendicular to its bars (about 6° for a GS1-128 ten times longer than
// high). Rather than try many angles, the decoder measures where the image
// has strong edges that all run the same way, as bars do, and scans along
// their gradient. dominantAngles estimates those directions from the
// structure tensor of small cells: a cell of parallel bars has a coherent
// gradient; text, noise and flat areas do not.

// dominantAngles returns up to k gradient directions in degrees [0, 180)
// carried by coherent, high-contrast cells, strongest first. Directions
// within 4° of the image axes are left out: the axis-aligned scans cover
// them.
func dominantAngles(l *lumImage, k int) []float64 {
	// Downscaling would alias narrow bars and bend the estimate; only
	// very large frames are reduced.
	src := l
	for max(src.w, src.h) > 1280 {
		src = src.downscale(2)
	}
	const cell = 8
	const bins = 90 // 2° each
	var hist [bins]float64
	// Weighted sums of unit vectors at twice the angle, per bin, to refine
	// a peak below the bin width.
	var sumC, sumS [bins]float64
	w, h := src.w, src.h
	for cy := 1; cy+cell < h; cy += cell {
		for cx := 1; cx+cell < w; cx += cell {
			var jxx, jyy, jxy float64
			for y := cy; y < cy+cell; y++ {
				row := src.pix[y*w:]
				up, down := src.pix[(y-1)*w:], src.pix[(y+1)*w:]
				for x := cx; x < cx+cell; x++ {
					// Sobel: the smoothing across each derivative keeps
					// narrow bars from biasing the direction.
					gx := float64(up[x+1]) + 2*float64(row[x+1]) + float64(down[x+1]) -
						float64(up[x-1]) - 2*float64(row[x-1]) - float64(down[x-1])
					gy := float64(down[x-1]) + 2*float64(down[x]) + float64(down[x+1]) -
						float64(up[x-1]) - 2*float64(up[x]) - float64(up[x+1])
					jxx += gx * gx
					jyy += gy * gy
					jxy += gx * gy
				}
			}
			energy := jxx + jyy
			// Ignore cells without real edges (a contrast of about 20 grey
			// levels across the cell).
			if energy < cell*cell*200*16 { // Sobel gains 4 per axis
				continue
			}
			coherence := math.Sqrt((jxx-jyy)*(jxx-jyy)+4*jxy*jxy) / energy
			if coherence < 0.75 {
				continue
			}
			theta := 0.5 * math.Atan2(2*jxy, jxx-jyy) * 180 / math.Pi // (-90, 90]
			if theta < 0 {
				theta += 180
			}
			wt := energy * coherence * coherence
			b := int(theta/2) % bins
			hist[b] += wt
			sumC[b] += wt * math.Cos(2*theta*math.Pi/180)
			sumS[b] += wt * math.Sin(2*theta*math.Pi/180)
		}
	}
	// Smooth over neighbouring bins (circular).
	var smooth [bins]float64
	for i := range hist {
		smooth[i] = hist[(i+bins-1)%bins] + 2*hist[i] + hist[(i+1)%bins]
	}
	type peak struct {
		angle, weight float64
	}
	var peaks []peak
	for i := range smooth {
		prev, next := smooth[(i+bins-1)%bins], smooth[(i+1)%bins]
		if smooth[i] > 0 && smooth[i] >= prev && smooth[i] > next {
			// Mean direction of the peak bin and its neighbours.
			var c, s float64
			for _, j := range []int{(i + bins - 1) % bins, i, (i + 1) % bins} {
				c += sumC[j]
				s += sumS[j]
			}
			a := math.Atan2(s, c) * 90 / math.Pi
			if a < 0 {
				a += 180
			}
			peaks = append(peaks, peak{a, smooth[i]})
		}
	}
	sort.Slice(peaks, func(i, j int) bool { return peaks[i].weight > peaks[j].weight })
	var out []float64
	for _, p := range peaks {
		if len(out) == k {
			break
		}
		if off := math.Mod(p.angle, 90); off < 4 || off > 86 {
			continue
		}
		out = append(out, p.angle)
	}
	return out
}
