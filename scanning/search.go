package scanning

import (
	"fmt"
	"image"

	"github.com/makiuchi-d/gozxing"

	"github.com/emar-project/emar/scanning/internal/pdf417"
)

// The search tries a fixed list of attempts, cheapest and most likely
// first, and stops at the first trusted read. Every attempt is bounded
// (fixed scales, rows and crops), so the whole search is bounded; the
// context can cut it shorter. Derived images (scales, rotations, padding)
// are computed only when an attempt needs them.

// level is one version of the image with its binarisations, computed on
// first use.
type level struct {
	name      string
	make      func() *lumImage
	l         *lumImage
	t         *lumImage // transposed, for vertical bars
	hybrid    *gozxing.BitMatrix
	hybridInv *gozxing.BitMatrix
	global    *gozxing.BitMatrix
	globalInv *gozxing.BitMatrix
	regions   []image.Rectangle
	regionsOK bool
	ev        *evidence
	angles    []float64
	anglesOK  bool
}

func newLevel(name string, make func() *lumImage) *level {
	return &level{name: name, make: make}
}

func (lv *level) lum() *lumImage {
	if lv.l == nil {
		lv.l = lv.make()
	}
	return lv.l
}

func (lv *level) transposed() *lumImage {
	if lv.t == nil {
		lv.t = lv.lum().transpose()
	}
	return lv.t
}

func (lv *level) hybridMatrix(inverted bool) *gozxing.BitMatrix {
	if lv.hybrid == nil {
		m, err := gozxing.NewHybridBinarizer(lv.lum()).GetBlackMatrix()
		if err != nil {
			return nil
		}
		lv.hybrid = m
	}
	if !inverted {
		return lv.hybrid
	}
	if lv.hybridInv == nil {
		lv.hybridInv = flipped(lv.hybrid)
	}
	return lv.hybridInv
}

func (lv *level) globalMatrix(inverted bool) *gozxing.BitMatrix {
	if lv.global == nil {
		m, err := gozxing.NewGlobalHistgramBinarizer(lv.lum()).GetBlackMatrix()
		if err != nil {
			return nil
		}
		lv.global = m
	}
	if !inverted {
		return lv.global
	}
	if lv.globalInv == nil {
		lv.globalInv = flipped(lv.global)
	}
	return lv.globalInv
}

// flipped returns a copy of m with every module inverted: binarising the
// negative image gives (nearly) the same matrix, at a fraction of the cost.
func flipped(m *gozxing.BitMatrix) *gozxing.BitMatrix {
	w, h := m.GetWidth(), m.GetHeight()
	out, _ := gozxing.NewBitMatrix(w, h)
	var row *gozxing.BitArray
	for y := 0; y < h; y++ {
		row = m.GetRow(y, row)
		words := row.GetBitArray()
		for i := range words {
			words[i] = ^words[i]
		}
		if w%32 != 0 {
			words[w/32] &= 1<<uint(w%32) - 1
		}
		out.SetRow(y, row)
	}
	return out
}

// step is one attempt of the search.
type step func() (read, bool)

// Rows read per orientation and binarisation: many on the primary image,
// where most symbols are found, fewer in the fallbacks, where a symbol
// that is there spans many rows anyway.
const (
	rowsPrimary  = 160
	rowsFallback = 64
)

// run searches the image and returns the first trusted read.
func (d *decoder) run(full *lumImage) (read, bool, error) {
	work := full
	if m := max(full.w, full.h); m > workMaxDim {
		work = full.downscale((m + workMaxDim - 1) / workMaxDim)
	}
	if work.w < 8 || work.h < 8 {
		return read{}, false, nil
	}
	p := &level{name: "p", l: work}
	var steps []step
	var labels []string // what each step is, for tests and tuning
	add := func(label string, s ...step) {
		steps = append(steps, s...)
		for range s {
			labels = append(labels, label)
		}
	}

	// 2D first: a GS1 DataMatrix carries more than the linear code next to
	// it, and a 2D read needs no confirmation. Then 1D, then light-on-dark.
	add("2d", d.twoD(p, false, modeFull))
	// PDF417, when its start and stop patterns show on sampled rows (a
	// cheap check; the reader follows up to about 12° of turn itself).
	add("pdf417", d.pdf417Step(p, false))
	// A PDF417 the hybrid binariser spoilt may read from the global one;
	// its start and stop patterns are looked for first, so this costs
	// little where there is no PDF417 (and the matrix is needed later).
	add("pdf417-global", d.pdf417Step(p, true))
	add("1d", d.oneD(p, false, rowsPrimary)...)
	// DataMatrix detection grows from the image centre; a symbol off to
	// one side of a photo is found in a crop around a textured region.
	add("regions", d.regions(p))
	// A symbol among print, turned, in perspective or at low contrast:
	// crops around clusters of module texture, turned upright by the
	// module grid's angle, then isolated on a clean quiet zone.
	add("symbols", d.symbols(p))
	// A tilted linear symbol: scan along the direction of its bars' edges.
	add("aligned", d.aligned(p, false))
	add("2d-inv", d.twoD(p, true, modeFull))
	add("1d-inv", d.oneD(p, true, rowsFallback)...)
	add("aligned-inv", d.aligned(p, true))
	// A cropped label: the symbol fills the image.
	add("2d-pure", d.twoD(p, false, modePure), d.twoD(p, true, modePure))
	// The other binariser, and rows averaged with their neighbours (noise).
	add("2d-global", d.twoDGlobal(p, false), d.twoDGlobal(p, true))
	add("1d-averaged", d.averaged(p, false), d.averaged(p, true))
	if max(work.w, work.h) <= 1600 {
		// Give a tightly cropped symbol the quiet zone the detectors need:
		// light for dark-on-light, dark for light-on-dark.
		border := max(16, max(work.w, work.h)/8)
		light := newLevel("pl", func() *lumImage { return work.pad(border, 255) })
		dark := newLevel("pd", func() *lumImage { return work.pad(border, 0) })
		add("pad-2d", d.twoD(light, false, modeFast))
		add("pad-1d", d.oneD(light, false, rowsFallback)[0], d.oneD(light, false, rowsFallback)[2])
		add("pad-2d-inv", d.twoD(dark, true, modeFast))
		add("pad-1d-inv", d.oneD(dark, true, rowsFallback)[0], d.oneD(dark, true, rowsFallback)[2])
	}
	// Smaller scales: blur and noise average out, and large modules suit
	// the detectors better.
	for f := 2; f <= 8 && min(work.w, work.h)/f >= 48; f *= 2 {
		s := newLevel(fmt.Sprintf("s%d", f), func() *lumImage { return work.downscale(f) })
		add("scale-2d", d.twoD(s, false, modeFast))
		if f == 2 {
			// Linear symbols lose their narrow bars further down.
			add("scale-1d", d.oneD(s, false, rowsFallback)...)
		}
		add("scale-2d-inv", d.twoD(s, true, modeFast))
		if f == 2 {
			add("scale-1d-inv", d.oneD(s, true, rowsFallback)[0], d.oneD(s, true, rowsFallback)[2])
		}
		add("scale-2d-global", d.twoDGlobal(s, false))
	}
	// Turned images are made from a copy of at most a megapixel.
	sm := newLevel("m", func() *lumImage {
		l := work
		for l.w*l.h > 1<<20 {
			l = l.downscale(2)
		}
		return l
	})
	small := sm.lum
	// gozxing's DataMatrix detector is weakest near 45°: turned by 45° the
	// symbol is upright.
	r45 := newLevel("r45", func() *lumImage { return small().rotated(45) })
	add("r45-2d", d.twoD(r45, false, modeFast), d.twoD(r45, true, modeFast))
	// PDF417 at any angle: the reader covers ±12° around each quarter
	// turn, copies turned by 45° and ±22.5° the rest.
	r22 := newLevel("r22", func() *lumImage { return small().rotated(22.5) })
	rm22 := newLevel("rm22", func() *lumImage { return small().rotated(-22.5) })
	// Each turned copy is made only when rows sampled at its angle show the
	// start or stop pattern.
	add("pdf417-turned", d.pdf417TurnedStep(small, r45, 45), d.pdf417TurnedStep(small, r22, 22.5), d.pdf417TurnedStep(small, rm22, -22.5))
	// Row scans along turned lines cross a linear symbol held diagonally
	// (45°, 135°) or, if long like GS1-128, tilted by more than a few
	// degrees (±10°, ±20° and the same from vertical).
	for _, deg := range []float64{45, 10, -10, 20, -20} {
		add("turned-1d", d.turnedRows(small, deg))
	}
	if m := max(work.w, work.h); m > 640 && m <= 1100 {
		// Small 2D symbols in a VGA to XGA frame sample better upscaled.
		up := newLevel("u2", func() *lumImage { return work.upscaled(2) })
		add("up2-2d", d.twoD(up, false, modeFast), d.twoDGlobal(up, false))
	}
	if max(work.w, work.h) <= 640 {
		// Symbols of two pixels per module sample better upscaled.
		up := newLevel("u2", func() *lumImage { return work.upscaled(2) })
		add("up2s-2d", d.twoD(up, false, modeFast), d.twoD(up, true, modeFast))
		// Only the rows read are upscaled (the 2D steps above, which need the
		// whole enlarged image, are skipped in a frame with evidence).
		add("up2s-1d", d.upscaledRows1D(work, false), d.upscaledRows1D(work, true))
		upr := newLevel("u2r45", func() *lumImage { return up.lum().rotated(45) })
		add("up2s-r45-2d", d.twoD(upr, false, modeFast))
	}
	// Last, a fixed grid of windows for symbols the region proposal missed.
	add("tiles", d.tiles(p)...)

	// The first attempts ran on the whole image; what follows runs only
	// where the evidence map of the primary binarisation shows something a
	// fallback could read: nothing at all ends the search, no module
	// texture skips the 2D fallbacks.
	gate := -1
	for i, l := range labels {
		// Small images are cheap to search whole, and a tightly cropped
		// symbol is all edges or none.
		if l == "regions" && min(work.w, work.h) >= 200 {
			gate = i
			break
		}
	}
	anything, modules := true, true
	for i, s := range steps {
		if err := d.ctx.Err(); err != nil {
			return read{}, false, err
		}
		if d.overBudget() {
			return read{}, false, nil
		}
		if i == gate {
			if ev := p.evidence(); ev != nil {
				anything, modules = ev.anything(), ev.modules()
			}
			if !anything {
				d.pdf417 = d.checkPDF417(p)
				return read{}, false, nil
			}
		}
		if !modules && twoDOnly[labels[i]] || gate >= 0 && i > gate && cropped[labels[i]] {
			continue
		}
		if d.attempt != nil {
			d.attempt(labels[i])
		}
		if r, ok := s(); ok {
			if d.trace != nil {
				d.trace(labels[i])
			}
			return r, true, nil
		}
	}
	if err := d.ctx.Err(); err != nil {
		return read{}, false, err
	}
	if d.overBudget() {
		return read{}, false, nil
	}
	d.pdf417 = d.checkPDF417(p)
	return read{}, false, nil
}

// twoDOnly are the steps that read only 2D symbols: skipped when the
// evidence map shows no module texture.
var twoDOnly = map[string]bool{
	"regions": true, "symbols": true, "2d-inv": true, "2d-pure": true, "2d-global": true,
	"pad-2d": true, "pad-2d-inv": true, "scale-2d": true, "scale-2d-inv": true,
	"scale-2d-global": true, "r45-2d": true, "up2-2d": true, "up2s-2d": true,
	"up2s-r45-2d": true, "tiles": true,
}

// cropped are the whole-frame 2D steps that the symbols step does on
// crops in a frame large enough for the evidence map: turning by 45°,
// upscaling, and the grid of windows. On a frame full of print they cost
// most of the search and read nothing the crops do not.
var cropped = map[string]bool{
	"r45-2d": true, "up2-2d": true, "up2s-2d": true, "up2s-r45-2d": true, "tiles": true,
}

// evidence returns the cell map of the level's hybrid binarisation.
func (lv *level) evidence() *evidence {
	if lv.ev == nil {
		m := lv.hybridMatrix(false)
		if m == nil {
			return nil
		}
		lv.ev = newEvidence(lv.lum(), m)
	}
	return lv.ev
}

// symbols decodes the proposals of the evidence map: each crop is turned
// by its module grid's angle, read as it is, then with the symbol isolated
// on a light canvas, each with the hybrid and the global binariser; small
// crops are upscaled twice first (modules of two or three pixels).
func (d *decoder) symbols(lv *level) step {
	return func() (res read, ok bool) {
		// The proposal code is this package's, not gozxing's, but an
		// image must never take the service down either way.
		defer func() {
			if p := recover(); p != nil {
				d.notePanic(&readerPanic{p})
				res, ok = read{}, false
			}
		}()
		ev := lv.evidence()
		if ev == nil {
			return read{}, false
		}
		for _, r := range ev.proposals(4) {
			src, err := lv.lum().Crop(r.Min.X, r.Min.Y, r.Dx(), r.Dy())
			if err != nil {
				continue
			}
			crop := src.(*lumImage)
			a := gridAngle(lv.lum(), r)
			views := []func() *lumImage{
				func() *lumImage { return crop.rotated(a) },
				func() *lumImage { return crop.upscaled(2).rotated(a) },
			}
			if max(crop.w, crop.h) > 240 {
				views = views[:1]
			}
			for _, view := range views {
				if d.expired() {
					return read{}, false
				}
				up := view()
				if res, ok := d.readCrop(up); ok {
					return res, true
				}
				hm, err := gozxing.NewHybridBinarizer(up).GetBlackMatrix()
				if err != nil {
					continue
				}
				if iso, ok := isolate(up, hm); ok {
					if res, ok := d.readCrop(iso); ok {
						return res, true
					}
				}
			}
		}
		return read{}, false
	}
}

// readCrop reads DataMatrix and QR from a small image with both binarisers.
func (d *decoder) readCrop(l *lumImage) (read, bool) {
	for _, bin := range []gozxing.Binarizer{gozxing.NewHybridBinarizer(l), gozxing.NewGlobalHistgramBinarizer(l)} {
		m, err := bin.GetBlackMatrix()
		if err != nil {
			continue
		}
		r, ok, err := twoD(l, m, modeFast)
		d.notePanic(err)
		if ok {
			return r, true
		}
	}
	return read{}, false
}

// twoD reads DataMatrix and QR from the hybrid binarisation of a level.
func (d *decoder) twoD(lv *level, inverted bool, mode twoDMode) step {
	return func() (read, bool) {
		m := lv.hybridMatrix(inverted)
		if m == nil {
			return read{}, false
		}
		r, ok, err := twoD(lv.lum(), m, mode)
		d.notePanic(err)
		return r, ok
	}
}

// twoDGlobal reads DataMatrix and QR from the global-histogram
// binarisation, which does better on small or evenly lit images.
func (d *decoder) twoDGlobal(lv *level, inverted bool) step {
	return func() (read, bool) {
		m := lv.globalMatrix(inverted)
		if m == nil {
			return read{}, false
		}
		r, ok, err := twoD(lv.lum(), m, modeFast)
		d.notePanic(err)
		return r, ok
	}
}

func rowStep(n, rows int) int { return max(1, n/rows) }

// oneD returns the 1D row scans of a level: per-row global histogram and
// hybrid matrix rows, horizontally ([0], [1]) and vertically ([2], [3]).
func (d *decoder) oneD(lv *level, inverted bool, rows int) []step {
	tag := lv.name
	wrap := func(s rowSource) rowSource { return s }
	if inverted {
		tag += "i"
		wrap = invertedRows
	}
	return []step{
		func() (read, bool) {
			l := lv.lum()
			return d.scanRows(wrap(globalRows(tag+"g0", l, rowStep(l.h, rows))))
		},
		func() (read, bool) {
			m := lv.hybridMatrix(false)
			if m == nil {
				return read{}, false
			}
			return d.scanRows(wrap(matrixRows(tag+"h0", m, false, rowStep(m.GetHeight(), rows))))
		},
		func() (read, bool) {
			t := lv.transposed()
			return d.scanRows(wrap(globalRows(tag+"g90", t, rowStep(t.h, rows))))
		},
		func() (read, bool) {
			m := lv.hybridMatrix(false)
			if m == nil {
				return read{}, false
			}
			return d.scanRows(wrap(matrixRows(tag+"h90", m, true, rowStep(m.GetWidth(), rows))))
		},
	}
}

// upscaledRows1D scans the rows of l upscaled twice (transposed: its
// columns) as oneD's global-histogram steps do on a level of l.upscaled(2),
// computing only the rows it reads.
func (d *decoder) upscaledRows1D(l *lumImage, transposed bool) step {
	return func() (read, bool) {
		u := newUpscaledRows(l, transposed)
		tag := "u2g0"
		if transposed {
			tag = "u2g90"
		}
		return d.scanRows(globalRows(tag, u, rowStep(u.h, rowsFallback)))
	}
}

// turnedRows scans the rows of the image turned by deg and by deg+90°,
// computing only the rows it reads.
func (d *decoder) turnedRows(src func() *lumImage, deg float64) step {
	return func() (read, bool) {
		for _, a := range []float64{deg, deg + 90} {
			r := newRotatedRows(src(), a)
			if res, ok := d.scanRows(globalRows(fmt.Sprintf("t%g", a), r, rowStep(r.h, rowsFallback))); ok {
				return res, true
			}
		}
		return read{}, false
	}
}

// aligned scans rows along the dominant edge directions of the image.
func (d *decoder) aligned(lv *level, inverted bool) step {
	return func() (read, bool) {
		if !lv.anglesOK {
			lv.angles, lv.anglesOK = dominantAngles(lv.lum(), 2), true
		}
		for _, a := range lv.angles {
			r := newRotatedRows(lv.lum(), a)
			src := globalRows(fmt.Sprintf("%sd%g", lv.name, a), r, rowStep(r.h, rowsPrimary))
			if inverted {
				src = invertedRows(src)
			}
			if res, ok := d.scanRows(src); ok {
				return res, true
			}
		}
		return read{}, false
	}
}

// averaged scans rows averaged with two neighbours on each side, in both
// orientations: noise and JPEG artefacts average out along the bars.
func (d *decoder) averaged(lv *level, inverted bool) step {
	tag := lv.name + "a"
	wrap := func(s rowSource) rowSource { return s }
	if inverted {
		tag += "i"
		wrap = invertedRows
	}
	return func() (read, bool) {
		l := lv.lum()
		if r, ok := d.scanRows(wrap(globalRows(tag+"0", averagedRows{l, 2}, rowStep(l.h, rowsFallback)))); ok {
			return r, true
		}
		t := lv.transposed()
		return d.scanRows(wrap(globalRows(tag+"90", averagedRows{t, 2}, rowStep(t.h, rowsFallback))))
	}
}

// regions decodes crops around the candidate regions of 2D symbols.
func (d *decoder) regions(lv *level) step {
	return func() (read, bool) {
		for _, inverted := range []bool{false, true} {
			m := lv.hybridMatrix(inverted)
			if m == nil {
				return read{}, false
			}
			if !lv.regionsOK {
				// The transitions, and so the regions, are the same in the
				// inverted matrix.
				lv.regions, lv.regionsOK = candidateRegions(m, 6), true
			}
			for _, r := range lv.regions {
				if d.expired() {
					return read{}, false
				}
				crop := cropMatrix(m, r.Min.X, r.Min.Y, r.Dx(), r.Dy())
				src, _ := lv.lum().Crop(r.Min.X, r.Min.Y, r.Dx(), r.Dy())
				res, ok, err := twoD(src, crop, modeFast)
				d.notePanic(err)
				if ok {
					return res, true
				}
			}
		}
		return read{}, false
	}
}

// tiles try DataMatrix on overlapping crops of the primary binarisation: a
// 3×3 grid of windows two thirds of the image wide and high, so that any
// symbol up to a third of the image lies wholly inside one window. QR is
// left out: its finder-pattern search covers the whole image already.
func (d *decoder) tiles(lv *level) []step {
	w, h := lv.lum().w, lv.lum().h
	if min(w, h) < 120 {
		return nil
	}
	var steps []step
	tw, th := 2*w/3, 2*h/3
	for _, inverted := range []bool{false, true} {
		for ty := 0; ty < 3; ty++ {
			for tx := 0; tx < 3; tx++ {
				x0, y0 := tx*(w-tw)/2, ty*(h-th)/2
				steps = append(steps, func() (read, bool) {
					m := lv.hybridMatrix(inverted)
					if m == nil {
						return read{}, false
					}
					crop := cropMatrix(m, x0, y0, tw, th)
					src, _ := lv.lum().Crop(x0, y0, tw, th)
					r, ok, err := twoD(src, crop, modeDMOnly)
					d.notePanic(err)
					return r, ok
				})
			}
		}
	}
	return steps
}

// cropMatrix copies a rectangle of m, a row of 32-bit words at a time.
func cropMatrix(m *gozxing.BitMatrix, x0, y0, w, h int) *gozxing.BitMatrix {
	out, _ := gozxing.NewBitMatrix(w, h)
	var src *gozxing.BitArray
	dst := gozxing.NewBitArray(w)
	shift := uint(x0 % 32)
	for y := 0; y < h; y++ {
		src = m.GetRow(y0+y, src)
		sw := src.GetBitArray()
		dw := dst.GetBitArray()
		for i := range dw {
			k := x0/32 + i
			var v uint32
			if k < len(sw) {
				v = sw[k] >> shift
			}
			if shift != 0 && k+1 < len(sw) {
				v |= sw[k+1] << (32 - shift)
			}
			dw[i] = v
		}
		if w%32 != 0 {
			dw[len(dw)-1] &= 1<<uint(w%32) - 1
		}
		out.SetRow(y, dst)
	}
	return out
}

// pdf417Step reads a PDF417 symbol from the hybrid (or global)
// binarisation of a level, when looksLikePDF417 finds its start
// pattern, within the decode's context.
func (d *decoder) pdf417Step(lv *level, global bool) step {
	return func() (read, bool) {
		m := lv.hybridMatrix(false)
		if global {
			m = lv.globalMatrix(false)
		}
		if m == nil || !looksLikePDF417(m) {
			return read{}, false
		}
		res, err := safeDecode(func() (*gozxing.Result, error) { return pdf417.DecodeMatrixContext(d.ctx, m) })
		d.notePanic(err)
		if err != nil {
			return read{}, false
		}
		return fromResult(res), true
	}
}

// pdf417TurnedStep is pdf417Step on lv, the image src turned by deg, run
// only when rows sampled at that angle show the start or stop pattern
// about as narrow as at any of the angles probed (0°, 45°, ±22.5°): the
// reader follows about 12° of turn, and the angle nearest the symbol's
// sees the narrowest modules.
func (d *decoder) pdf417TurnedStep(src func() *lumImage, lv *level, deg float64) step {
	s := d.pdf417Step(lv, false)
	return func() (read, bool) {
		if d.pdfProbe == nil {
			d.pdfProbe = map[float64]float64{}
			for _, a := range []float64{0, 45, 22.5, -22.5} {
				if u, ok := pdf417Probe(src(), a); ok {
					d.pdfProbe[a] = u
				}
			}
		}
		u, ok := d.pdfProbe[deg]
		if !ok {
			return read{}, false
		}
		for _, v := range d.pdfProbe {
			if u > pdf417ProbeSlack*v {
				return read{}, false
			}
		}
		return s()
	}
}

// pdf417ProbeSlack is how much wider than the narrowest the modules seen
// at a turned copy's angle may be for the copy to be read: the symbol's
// angle lies within about 6° of the copy's then, the reader's 12° with
// room for measuring error.
const pdf417ProbeSlack = 1.04

func (d *decoder) checkPDF417(lv *level) bool {
	for _, m := range []*gozxing.BitMatrix{lv.hybridMatrix(false), lv.globalMatrix(false)} {
		if m != nil && looksLikePDF417(m) {
			return true
		}
	}
	return false
}
