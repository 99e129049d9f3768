package main

// The photos corpus (scanning/testdata/photos, written by
// scanning/testdata/gen-photos.sh): camera frames made from zint renders of
// bedside codes, harder than the fixtures in testdata/images. Every frame
// is a full camera picture (at least 640×480) in which a label or a
// wristband band carrying the symbol lies on a cluttered desk, seen at an
// angle, curved round a vial, lit by a lamp, out of focus, noisy and
// JPEG-compressed, as a phone delivers it.

import (
	"bufio"
	"fmt"
	"image"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// shot is one parsed photo variant ("m3+rot40+persp0.1+jpeg30").
type shot struct {
	module   float64 // pixels per module (0: see width)
	width    float64 // symbol width in pixels including quiet zone (overrides module)
	rot      float64 // degrees, counter-clockwise
	persp    float64 // keystone: the far edge is shortened by this fraction on each side
	cyl      float64 // half the angle (radians) the symbol spans round a vial; 0 flat
	band     bool    // printed on a wristband band that crosses the frame
	inv      bool    // light symbol on a dark band or label
	glare    float64 // strength of a lamp's reflection over part of the symbol
	low      float64 // contrast left between dark and light (grey levels); 0 full
	shade    bool    // uneven lighting across the frame
	busy     bool    // label edges, rules and text crowding the symbol
	plain    bool    // a plain desk (no clutter)
	blur     float64 // Gaussian sigma of the out-of-focus camera
	noise    float64 // sensor noise sigma
	quality  int     // JPEG quality
	frameMin int     // frame size at least frameMin×(3/4 frameMin)
}

func parseShot(v string) (shot, error) {
	s := shot{module: 3, blur: 0.6, noise: 3, quality: 85, frameMin: 640}
	for _, tok := range strings.Split(v, "+") {
		num := func(prefix string) (float64, error) {
			return strconv.ParseFloat(strings.TrimPrefix(tok, prefix), 64)
		}
		var err error
		switch {
		case tok == "band":
			s.band = true
		case tok == "inv":
			s.inv = true
		case tok == "shade":
			s.shade = true
		case tok == "busy":
			s.busy = true
		case tok == "plain":
			s.plain = true
		case tok == "glare":
			s.glare = 0.85
		case strings.HasPrefix(tok, "glare"):
			s.glare, err = num("glare")
		case strings.HasPrefix(tok, "rot"):
			s.rot, err = num("rot")
		case strings.HasPrefix(tok, "persp"):
			s.persp, err = num("persp")
		case strings.HasPrefix(tok, "cyl"):
			s.cyl, err = num("cyl")
		case strings.HasPrefix(tok, "low"):
			s.low, err = num("low")
		case strings.HasPrefix(tok, "blur"):
			s.blur, err = num("blur")
		case strings.HasPrefix(tok, "noise"):
			s.noise, err = num("noise")
		case strings.HasPrefix(tok, "jpeg"):
			var q float64
			q, err = num("jpeg")
			s.quality = int(q)
		case strings.HasPrefix(tok, "frame"):
			var f float64
			f, err = num("frame")
			s.frameMin = int(f)
		case strings.HasPrefix(tok, "w"):
			s.width, err = num("w")
		case strings.HasPrefix(tok, "m"):
			s.module, err = num("m")
		default:
			return s, fmt.Errorf("unknown photo step %q", tok)
		}
		if err != nil {
			return s, fmt.Errorf("photo step %q: %v", tok, err)
		}
	}
	return s, nil
}

// runPhotos writes the photos corpus: every variant listed in the base
// manifest (name, format, expected, variants, base module size) as a JPEG
// camera frame, and the frames without a barcode.
func runPhotos(baseDir, outDir string) error {
	f, err := os.Open(filepath.Join(baseDir, "manifest.tsv"))
	if err != nil {
		return err
	}
	defer f.Close()
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	var entries []entry
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) != 5 {
			return fmt.Errorf("photo manifest line %q: want 5 columns", sc.Text())
		}
		name, format, expected, variants := cols[0], cols[1], cols[2], cols[3]
		baseMod, err := strconv.ParseFloat(cols[4], 64)
		if err != nil {
			return fmt.Errorf("photo manifest line %q: module: %v", sc.Text(), err)
		}
		src, err := load(filepath.Join(baseDir, name+".png"))
		if err != nil {
			return err
		}
		for _, v := range strings.Split(variants, ",") {
			file := name + "__" + strings.ReplaceAll(v, "+", "_") + ".jpg"
			s, err := parseShot(v)
			if err != nil {
				return fmt.Errorf("%s: %w", file, err)
			}
			img := s.render(src, baseMod, rngFor(file))
			if err := saveJPEG(filepath.Join(outDir, file), img, s.quality); err != nil {
				return err
			}
			entries = append(entries, entry{file, format, expected, "read"})
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	for _, n := range emptyFrames() {
		file := n.name + ".jpg"
		if err := saveJPEG(filepath.Join(outDir, file), n.img, 80); err != nil {
			return err
		}
		entries = append(entries, entry{file, "-", "-", "none"})
	}
	var b strings.Builder
	b.WriteString("# file\tformat\texpected text (<GS> = ASCII 29)\toutcome (read|none|unsupported)\n")
	for _, e := range entries {
		fmt.Fprintf(&b, "%s\t%s\t%s\t%s\n", e.file, e.format, e.expected, e.outcome)
	}
	return os.WriteFile(filepath.Join(outDir, "manifest.tsv"), []byte(b.String()), 0o644)
}

// render makes the camera frame of one shot of the symbol src (zint output,
// black on white with its quiet zone, baseMod pixels per module).
func (s shot) render(src *image.Gray, baseMod float64, rng *rand.Rand) *image.Gray {
	// 1. Print size: resample to the module size (or width) of the shot,
	// low-pass first so that thin modules grey out as a lens would.
	f := s.module / baseMod
	if s.width > 0 {
		f = s.width / float64(src.Rect.Dx())
	}
	sym := src
	if f < 1 {
		sym = blur(sym, 0.45/f)
	}
	sym = resize(sym, max(4, int(math.Round(float64(src.Rect.Dx())*f))), max(4, int(math.Round(float64(src.Rect.Dy())*f))))
	if s.inv {
		sym = mapPix(sym, func(v float64) float64 { return 255 - v })
	}
	sw, sh := sym.Rect.Dx(), sym.Rect.Dy()

	// 2. The label or band it is printed on, with text beside it.
	paper := 225 + rng.Float64()*25
	ink := 25 + rng.Float64()*25
	if s.inv {
		paper, ink = ink, paper
	}
	pad := max(6, sh/6)
	var pw, ph, sx, sy int
	if s.band {
		ph = sh + 2*pad
		pw = max(4*sw, 2400)
		sx, sy = pw/2-sw/2, pad
	} else {
		pw = sw + 2*pad + sw + 20
		ph = max(sh+2*pad, sh*3/2)
		sx, sy = pad, (ph-sh)/2
	}
	patch := image.NewGray(image.Rect(0, 0, pw, ph))
	for i := range patch.Pix {
		patch.Pix[i] = clamp(paper)
	}
	fillRect := func(x0, y0, x1, y1 int, v float64) {
		for y := max(y0, 0); y < min(y1, ph); y++ {
			for x := max(x0, 0); x < min(x1, pw); x++ {
				patch.Pix[y*patch.Stride+x] = clamp(v)
			}
		}
	}
	// Text lines, kept out of the symbol's quiet zone.
	textLine := func(x0, x1, y, hgt int) {
		x := x0
		for x < x1-hgt {
			cw := max(2, hgt/2+rng.IntN(max(1, hgt/2)))
			fillRect(x, y+rng.IntN(max(1, hgt/4)), min(x+cw, x1), y+hgt, ink+rng.Float64()*30)
			x += cw + max(1, hgt/5)
			if rng.IntN(6) == 0 {
				x += hgt
			}
		}
	}
	hgt := max(5, min(14, sh/8))
	if s.band {
		gap := max(20, sw/5)
		for _, side := range [][2]int{{sx - gap - 3*sw/2, sx - gap}, {sx + sw + gap, sx + sw + gap + 3*sw/2}} {
			textLine(side[0], side[1], ph/2-hgt-2, hgt)
			textLine(side[0], side[1], ph/2+2, hgt)
		}
	} else {
		tx := sx + sw + max(12, sw/4)
		for y := sy; y+hgt < sy+sh; y += hgt * 2 {
			textLine(tx, pw-6, y, hgt)
		}
	}
	for y := 0; y < sh; y++ {
		copy(patch.Pix[(sy+y)*patch.Stride+sx:], sym.Pix[y*sym.Stride:y*sym.Stride+sw])
	}
	// The symbol's own corners in the patch (moved by a cylinder below).
	symQuad := [4][2]float64{{float64(sx), float64(sy)}, {float64(sx + sw), float64(sy)}, {float64(sx + sw), float64(sy + sh)}, {float64(sx), float64(sy + sh)}}

	// 3. Curved round a vial: the label wraps a cylinder whose axis is
	// vertical through the symbol's centre; seen from the front, the label
	// at arc length u shows at R·sin(u/R), darker towards the sides.
	if s.cyl > 0 {
		r := float64(sw) / 2 / s.cyl
		cx := float64(sx) + float64(sw)/2
		ow := int(2*r*0.98) + 1
		glass := 70 + rng.Float64()*60
		out := image.NewGray(image.Rect(0, 0, ow, ph))
		for x := 0; x < ow; x++ {
			xp := float64(x) + 0.5 - float64(ow)/2
			theta := math.Asin(math.Max(-1, math.Min(1, xp/r)))
			u := cx + r*theta
			light := 0.55 + 0.45*math.Cos(theta)
			for y := 0; y < ph; y++ {
				v := glass
				if u >= 0 && u < float64(pw) {
					v = sample(patch, u-0.5, float64(y), paper)
				}
				out.Pix[y*out.Stride+x] = clamp(v * light)
			}
		}
		patch = out
		pw = ow
		half := r * math.Sin(math.Min(s.cyl, math.Pi/2))
		mid := float64(ow) / 2
		symQuad = [4][2]float64{{mid - half, float64(sy)}, {mid + half, float64(sy)}, {mid + half, float64(sy + sh)}, {mid - half, float64(sy + sh)}}
	}

	// 4. Where the symbol lands in the frame: keystone, a little random
	// perspective, rotation about its centre.
	qw, qh := symQuad[1][0]-symQuad[0][0], symQuad[2][1]-symQuad[1][1]
	k := s.persp
	local := [4][2]float64{{-qw / 2 * (1 - 2*k), -qh / 2}, {qw / 2 * (1 - 2*k), -qh / 2}, {qw / 2, qh / 2}, {-qw / 2, qh / 2}}
	if k > 0 {
		for i := range local {
			local[i][0] += (rng.Float64() - 0.5) * k * qw * 0.5
			local[i][1] += (rng.Float64() - 0.5) * k * qh * 0.5
		}
	}
	rad := -s.rot * math.Pi / 180 // image y points down
	c, sn := math.Cos(rad), math.Sin(rad)
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for i := range local {
		x, y := local[i][0], local[i][1]
		local[i] = [2]float64{x*c - y*sn, x*sn + y*c}
		minX, maxX = math.Min(minX, local[i][0]), math.Max(maxX, local[i][0])
		minY, maxY = math.Min(minY, local[i][1]), math.Max(maxY, local[i][1])
	}
	fw := max(s.frameMin, int(maxX-minX)+80)
	fh := max(s.frameMin*3/4, int(maxY-minY)+80)
	fw, fh = (fw+15)/16*16, (fh+15)/16*16
	// A user aims at the code: it lands near the middle of the frame, off
	// by up to an eighth of the frame (as far as the frame allows).
	offset := func(lo, hi, size float64) float64 {
		free := math.Max(0, size-60-(hi-lo))
		return 30 - lo + free/2 + (rng.Float64()-0.5)*math.Min(free, size/4)
	}
	cx := offset(minX, maxX, float64(fw))
	cy := offset(minY, maxY, float64(fh))
	var dst [4][2]float64
	for i := range local {
		dst[i] = [2]float64{cx + local[i][0], cy + local[i][1]}
	}
	hm := homography(dst, symQuad) // frame -> patch

	var frame *image.Gray
	if s.plain {
		frame = image.NewGray(image.Rect(0, 0, fw, fh))
		for y := 0; y < fh; y++ {
			for x := 0; x < fw; x++ {
				frame.Pix[y*frame.Stride+x] = clamp(150 + 40*float64(x)/float64(fw) - 30*float64(y)/float64(fh))
			}
		}
	} else {
		frame = clutter(fw, fh, rng)
	}
	if s.busy {
		busyAround(frame, dst, rng)
	}
	for y := 0; y < fh; y++ {
		for x := 0; x < fw; x++ {
			X, Y := float64(x)+0.5, float64(y)+0.5
			d := hm[6]*X + hm[7]*Y + 1
			if d <= 0 {
				continue
			}
			px := (hm[0]*X + hm[1]*Y + hm[2]) / d
			py := (hm[3]*X + hm[4]*Y + hm[5]) / d
			if px < 0 || py < 0 || px >= float64(pw) || py >= float64(ph) {
				continue
			}
			frame.Pix[y*frame.Stride+x] = clamp(sample(patch, px-0.5, py-0.5, paper))
		}
	}
	if s.busy {
		// Rules and the edge of another label cutting close past the symbol.
		busyOver(frame, dst, rng)
	}

	// 5. Light, optics and sensor.
	if s.shade {
		frame = gradient(frame)
	}
	if s.glare > 0 {
		// A lamp's reflection centred near one corner of the symbol.
		corner := dst[rng.IntN(4)]
		mx, my := (dst[0][0]+dst[2][0])/2, (dst[0][1]+dst[2][1])/2
		t := 0.35 + 0.3*rng.Float64()
		gx, gy := mx+(corner[0]-mx)*t, my+(corner[1]-my)*t
		size := math.Hypot(dst[2][0]-dst[0][0], dst[2][1]-dst[0][1])
		sig := size * (0.12 + 0.08*rng.Float64())
		a := s.glare
		for y := 0; y < fh; y++ {
			for x := 0; x < fw; x++ {
				r2 := (float64(x)-gx)*(float64(x)-gx) + (float64(y)-gy)*(float64(y)-gy)
				g := a * math.Exp(-r2/(2*sig*sig))
				if g < 0.004 {
					continue
				}
				i := y*frame.Stride + x
				v := float64(frame.Pix[i])
				frame.Pix[i] = clamp(v + (255-v)*g)
			}
		}
	}
	if s.low > 0 {
		mid := 100 + rng.Float64()*60
		lo, hi := mid-s.low/2, mid+s.low/2
		frame = mapPix(frame, func(v float64) float64 { return lo + v*(hi-lo)/255 })
	}
	if s.blur > 0 {
		frame = blur(frame, s.blur)
	}
	if s.noise > 0 {
		frame = mapPix(frame, func(v float64) float64 { return v + rng.NormFloat64()*s.noise })
	}
	return frame
}

// busyAround draws, before the label is laid down, other labels' edges
// and printed text around where the symbol will be.
func busyAround(frame *image.Gray, q [4][2]float64, rng *rand.Rand) {
	w, h := frame.Rect.Dx(), frame.Rect.Dy()
	cx, cy := (q[0][0]+q[2][0])/2, (q[0][1]+q[2][1])/2
	size := math.Hypot(q[2][0]-q[0][0], q[2][1]-q[0][1])
	for i := 0; i < 6; i++ {
		x0 := int(cx + (rng.Float64()-0.5)*2*size)
		y0 := int(cy + (rng.Float64()-0.5)*2*size)
		x1, y1 := x0+int(size*(0.3+rng.Float64())), y0+int(size*(0.2+rng.Float64()*0.6))
		v := uint8(rng.IntN(2) * 200)
		for y := max(y0, 0); y < min(y1, h); y++ {
			for x := max(x0, 0); x < min(x1, w); x++ {
				if y == y0 || y == y1-1 || x == x0 || x == x1-1 || y == y0+1 || x == x0+1 {
					frame.Pix[y*frame.Stride+x] = 30
				} else {
					frame.Pix[y*frame.Stride+x] = 215 + v/8
				}
			}
		}
		// Text on that label.
		for ty := y0 + 6; ty < y1-10; ty += 14 {
			for tx := x0 + 6; tx < x1-10; {
				cw := 3 + rng.IntN(5)
				for y := max(ty, 0); y < min(ty+9, h); y++ {
					for x := max(tx, 0); x < min(tx+cw, w); x++ {
						frame.Pix[y*frame.Stride+x] = uint8(30 + rng.IntN(40))
					}
				}
				tx += cw + 2
				if rng.IntN(5) == 0 {
					tx += 7
				}
			}
		}
	}
}

// busyOver draws two rules passing close to the symbol (outside it), as
// the edges of a tray, a ruler or a form's lines.
func busyOver(frame *image.Gray, q [4][2]float64, rng *rand.Rand) {
	w, h := frame.Rect.Dx(), frame.Rect.Dy()
	// Lines parallel to the symbol's top and bottom edges, offset outward.
	for _, e := range [][2]int{{0, 1}, {3, 2}} {
		a, b := q[e[0]], q[e[1]]
		dx, dy := b[0]-a[0], b[1]-a[1]
		l := math.Hypot(dx, dy)
		nx, ny := -dy/l, dx/l
		mx, my := (q[0][0]+q[2][0])/2, (q[0][1]+q[2][1])/2
		if (a[0]-mx)*nx+(a[1]-my)*ny < 0 {
			nx, ny = -nx, -ny
		}
		off := 0.18*math.Hypot(q[3][0]-q[0][0], q[3][1]-q[0][1]) + 6 + rng.Float64()*8
		for t := -float64(w + h); t < float64(w+h); t += 0.5 {
			x := a[0] + nx*off + dx/l*t
			y := a[1] + ny*off + dy/l*t
			for k := 0.0; k < 3; k++ {
				xi, yi := int(x+nx*k), int(y+ny*k)
				if xi >= 0 && yi >= 0 && xi < w && yi < h {
					frame.Pix[yi*frame.Stride+xi] = 35
				}
			}
		}
	}
}

// emptyFrames are 640×480 camera frames with no barcode at all: desks
// with papers and text, label edges, gradients, noise, regular patterns
// (blinds, a grid, a checked cloth) that could pass for barcode structure.
func emptyFrames() []named {
	var out []named
	add := func(name string, img *image.Gray) { out = append(out, named{"none_" + name, img}) }
	const w, h = 640, 480
	cam := func(img *image.Gray, rng *rand.Rand, sigma, noise float64) *image.Gray {
		img = blur(img, sigma)
		return mapPix(img, func(v float64) float64 { return v + rng.NormFloat64()*noise })
	}
	for i := 0; i < 4; i++ {
		name := fmt.Sprintf("desk%d", i)
		rng := rngFor(name)
		img := clutter(w, h, rng)
		if i%2 == 1 {
			img = gradient(img)
		}
		add(name, cam(img, rng, 0.6+0.3*float64(i), 3+2*float64(i)))
	}
	// Labels and their text crowding the frame, like a drawer of packs.
	for i := 0; i < 3; i++ {
		name := fmt.Sprintf("labels%d", i)
		rng := rngFor(name)
		img := clutter(w, h, rng)
		busyAround(img, [4][2]float64{{200, 150}, {440, 150}, {440, 330}, {200, 330}}, rng)
		busyOver(img, [4][2]float64{{220, 200}, {420, 190}, {425, 290}, {225, 300}}, rng)
		add(name, cam(img, rng, 0.7, 4))
	}
	// A printed page: dense lines of text.
	{
		rng := rngFor("page")
		img := image.NewGray(image.Rect(0, 0, w, h))
		for i := range img.Pix {
			img.Pix[i] = 235
		}
		for y := 20; y < h-20; y += 16 {
			x := 30
			for x < w-40 {
				cw := 4 + rng.IntN(5)
				for yy := y + rng.IntN(2); yy < y+10; yy++ {
					for xx := x; xx < x+cw; xx++ {
						img.Pix[yy*img.Stride+xx] = uint8(25 + rng.IntN(30))
					}
				}
				x += cw + 2
				if rng.IntN(5) == 0 {
					x += 8
				}
			}
		}
		add("page", cam(gradient(img), rng, 0.8, 4))
	}
	// Smooth gradients with sensor noise only (a wall, a blanket).
	{
		rng := rngFor("gradient")
		img := image.NewGray(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				img.Pix[y*img.Stride+x] = clamp(60 + 150*float64(x)/w + 30*math.Sin(float64(y)/60))
			}
		}
		add("gradient", cam(img, rng, 1, 6))
	}
	{
		rng := rngFor("dark")
		img := image.NewGray(image.Rect(0, 0, w, h))
		for i := range img.Pix {
			img.Pix[i] = 22
		}
		add("dark", cam(img, rng, 0.5, 9))
	}
	{
		rng := rngFor("noise")
		img := image.NewGray(image.Rect(0, 0, w, h))
		for i := range img.Pix {
			img.Pix[i] = clamp(128 + rng.NormFloat64()*50)
		}
		add("noise", cam(img, rng, 1.2, 2))
	}
	// Window blinds: regular slats at a slant.
	{
		rng := rngFor("blinds")
		img := image.NewGray(image.Rect(0, 0, w, h))
		a := 0.2
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				t := float64(y)*math.Cos(a) + float64(x)*math.Sin(a)
				v := 200.0
				if math.Mod(t, 22) < 5 {
					v = 70
				}
				img.Pix[y*img.Stride+x] = clamp(v - 60*float64(x)/w)
			}
		}
		add("blinds", cam(img, rng, 1, 4))
	}
	// A form's grid of cells with a few entries.
	{
		rng := rngFor("grid")
		img := clutter(w, h, rng)
		for y := 40; y < h-40; y++ {
			for x := 60; x < w-60; x++ {
				v := uint8(238)
				if (y-40)%28 < 2 || (x-60)%65 < 2 {
					v = 40
				}
				img.Pix[y*img.Stride+x] = v
			}
		}
		add("grid", cam(img, rng, 0.7, 4))
	}
	// A checked cloth: squares of random shade, the size of large modules.
	{
		rng := rngFor("checks")
		img := image.NewGray(image.Rect(0, 0, w, h))
		shade := make([]uint8, 64*64)
		for i := range shade {
			shade[i] = uint8(90 + rng.IntN(140))
		}
		c, s := math.Cos(0.3), math.Sin(0.3)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				u := int(math.Floor((float64(x)*c+float64(y)*s)/18)) + 32
				v := int(math.Floor((float64(y)*c-float64(x)*s)/18)) + 32
				img.Pix[y*img.Stride+x] = shade[(v&63)*64+u&63]
			}
		}
		add("checks", cam(img, rng, 1, 5))
	}
	// Keyboard-like rows of keys with letters.
	{
		rng := rngFor("keys")
		img := image.NewGray(image.Rect(0, 0, w, h))
		for i := range img.Pix {
			img.Pix[i] = 50
		}
		for row := 0; row < 6; row++ {
			for col := 0; col < 14; col++ {
				x0, y0 := 20+col*44+row*8, 60+row*60
				for y := y0; y < y0+50 && y < h; y++ {
					for x := x0; x < x0+38 && x < w; x++ {
						img.Pix[y*img.Stride+x] = 200
					}
				}
				for y := y0 + 10; y < y0+22; y++ {
					for x := x0 + 8 + rng.IntN(4); x < x0+16; x++ {
						img.Pix[y*img.Stride+x] = 40
					}
				}
			}
		}
		add("keys", cam(gradient(img), rng, 0.8, 4))
	}
	return out
}
