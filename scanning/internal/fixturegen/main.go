// Command fixturegen derives the decoder test images from zint's output.
//
// It reads the base symbols and their manifest written by
// scanning/testdata/gen.sh, applies the named transformations listed for
// each (rotation, blur, low contrast, noise, inversion, uneven lighting,
// perspective, clutter, JPEG artefacts, tight crop, rescaling), adds images
// without any barcode, and writes every image as 8-bit grey PNG with a
// manifest of the expected decode results. Everything is deterministic: the
// random generator is seeded from the output file name.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"hash/fnv"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

func main() {
	baseDir := flag.String("base", "testdata/images/zint", "directory with zint output and manifest.tsv")
	outDir := flag.String("out", "testdata/images", "output directory")
	random := flag.Int("random", 0, "instead of the fixtures, write this many random photo-like variants of each base symbol (a stress set for bench/decode-compare.sh, not committed)")
	seed := flag.Uint64("seed", 1, "seed of -random")
	photos := flag.Bool("photos", false, "write the camera-frame corpus (testdata/photos, see gen-photos.sh) from -base, whose manifest has a fifth column: pixels per module of the zint render")
	flag.Parse()
	var err error
	if *photos {
		err = runPhotos(*baseDir, *outDir)
	} else if *random > 0 {
		err = runRandom(*baseDir, *outDir, *random, *seed)
	} else {
		err = run(*baseDir, *outDir)
	}
	if err != nil {
		log.Fatal(err)
	}
}

// runRandom writes n random photo-like variants of every base symbol: the
// symbol scaled, turned, seen in perspective, put in a cluttered camera
// frame, lit unevenly, blurred, with sensor noise and JPEG compression, at
// random strengths; plus n frames without a symbol.
func runRandom(baseDir, outDir string, n int, seed uint64) error {
	f, err := os.Open(filepath.Join(baseDir, "manifest.tsv"))
	if err != nil {
		return err
	}
	defer f.Close()
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	var b strings.Builder
	b.WriteString("# file\tformat\texpected text (<GS> = ASCII 29)\toutcome (read|none|unsupported)\n")
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) != 4 {
			continue
		}
		name, format, expected := cols[0], cols[1], cols[2]
		outcome := "read"
		src, err := load(filepath.Join(baseDir, name+".png"))
		if err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			// People aim a camera roughly along a linear symbol; 2D symbols
			// come at any angle.
			angle := rng.Float64() * 360
			switch format {
			case "CODE_128", "EAN_13", "UPC_A", "ITF", "PDF_417":
				angle = float64(rng.IntN(4)*90) + rng.Float64()*50 - 25
			}
			img := photo(src, angle, rng)
			file := fmt.Sprintf("%s__r%03d.jpg", name, i)
			if err := saveJPEG(filepath.Join(outDir, file), img, 40+rng.IntN(50)); err != nil {
				return err
			}
			fmt.Fprintf(&b, "%s\t%s\t%s\t%s\n", file, format, expected, outcome)
		}
	}
	for i := 0; i < n; i++ {
		img := clutter(640+rng.IntN(640), 480+rng.IntN(480), rng)
		img = blur(img, 0.3+rng.Float64())
		img = mapPix(img, func(v float64) float64 { return v + rng.NormFloat64()*10 })
		file := fmt.Sprintf("none__r%03d.jpg", i)
		if err := saveJPEG(filepath.Join(outDir, file), img, 40+rng.IntN(50)); err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s\t-\t-\tnone\n", file)
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(outDir, "manifest.tsv"), []byte(b.String()), 0o644)
}

// photo makes one random photo-like rendering of a symbol.
func photo(src *image.Gray, angle float64, rng *rand.Rand) *image.Gray {
	img := src
	// Module sizes from about 1.5 to 8 pixels (the bases have 1–6).
	if s := 0.8 + rng.Float64()*1.4; s < 0.95 || s > 1.05 {
		img = resize(img, max(8, int(float64(img.Rect.Dx())*s)), max(8, int(float64(img.Rect.Dy())*s)))
	}
	if rng.IntN(2) == 0 {
		img = keystoneBy(img, 0.02+0.08*rng.Float64())
	}
	img = rotate(img, angle)
	w := max(640, img.Rect.Dx()+40) + rng.IntN(400)
	h := max(480, img.Rect.Dy()+40) + rng.IntN(300)
	canvas := clutter(w, h, rng)
	x0 := 10 + rng.IntN(w-img.Rect.Dx()-20)
	y0 := 10 + rng.IntN(h-img.Rect.Dy()-20)
	for y := 0; y < img.Rect.Dy(); y++ {
		for x := 0; x < img.Rect.Dx(); x++ {
			canvas.Pix[(y0+y)*canvas.Stride+x0+x] = img.Pix[y*img.Stride+x]
		}
	}
	img = canvas
	if rng.IntN(2) == 0 {
		img = gradient(img)
	}
	lo, hi := float64(rng.IntN(70)), float64(255-rng.IntN(70))
	img = mapPix(img, func(v float64) float64 { return lo + v*(hi-lo)/255 })
	img = blur(img, 0.3+rng.Float64()*0.9)
	sigma := rng.Float64() * 10
	return mapPix(img, func(v float64) float64 { return v + rng.NormFloat64()*sigma })
}

func saveJPEG(path string, img *image.Gray, quality int) error {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

type entry struct {
	file, format, expected, outcome string
}

func run(baseDir, outDir string) error {
	f, err := os.Open(filepath.Join(baseDir, "manifest.tsv"))
	if err != nil {
		return err
	}
	defer f.Close()
	var entries []entry
	sc := bufio.NewScanner(f)
	first := true
	for sc.Scan() {
		if first {
			first = false
			continue
		}
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) != 4 {
			return fmt.Errorf("manifest line %q: want 4 columns", sc.Text())
		}
		name, format, expected, variants := cols[0], cols[1], cols[2], cols[3]
		outcome := "read"
		src, err := load(filepath.Join(baseDir, name+".png"))
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(outDir, filepath.Join(baseDir, name+".png"))
		entries = append(entries, entry{rel, format, expected, outcome})
		if variants == "-" {
			continue
		}
		for _, v := range strings.Split(variants, ",") {
			file := name + "__" + strings.ReplaceAll(v, "+", "_") + ".png"
			img := src
			for _, stepName := range strings.Split(v, "+") {
				img, err = apply(stepName, img, rngFor(file+stepName))
				if err != nil {
					return fmt.Errorf("%s: %w", file, err)
				}
			}
			if err := save(filepath.Join(outDir, file), img); err != nil {
				return err
			}
			entries = append(entries, entry{file, format, expected, outcome})
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	for _, n := range negatives() {
		if err := save(filepath.Join(outDir, n.name+".png"), n.img); err != nil {
			return err
		}
		entries = append(entries, entry{n.name + ".png", "-", "-", "none"})
	}
	var b strings.Builder
	b.WriteString("# file\tformat\texpected text (<GS> = ASCII 29)\toutcome (read|none|unsupported)\n")
	for _, e := range entries {
		fmt.Fprintf(&b, "%s\t%s\t%s\t%s\n", e.file, e.format, e.expected, e.outcome)
	}
	return os.WriteFile(filepath.Join(outDir, "manifest.tsv"), []byte(b.String()), 0o644)
}

func rngFor(s string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(s))
	return rand.New(rand.NewPCG(h.Sum64(), 0x5ca1ab1e))
}

func load(path string) (*image.Gray, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	b := img.Bounds()
	g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			g.Set(x, y, color.GrayModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)))
		}
	}
	return g, nil
}

func save(path string, img *image.Gray) error {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, img); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// apply runs one named transformation: a name followed by its parameters,
// e.g. "rot30", "blur1.5", "contrast100-150", "noise20", "jpeg40".
func apply(name string, g *image.Gray, rng *rand.Rand) (*image.Gray, error) {
	num := func(prefix string) (float64, error) {
		return strconv.ParseFloat(strings.TrimPrefix(name, prefix), 64)
	}
	switch {
	case name == "inverted":
		return mapPix(g, func(v float64) float64 { return 255 - v }), nil
	case name == "scene":
		return scene(g, rng), nil
	case name == "gradient":
		return gradient(g), nil
	case name == "perspective":
		return keystone(g), nil
	case name == "crop":
		return cropTight(g), nil
	case strings.HasPrefix(name, "rot"):
		deg, err := num("rot")
		if err != nil {
			return nil, err
		}
		return rotate(g, deg), nil
	case strings.HasPrefix(name, "blur"):
		s, err := num("blur")
		if err != nil {
			return nil, err
		}
		return blur(g, s), nil
	case strings.HasPrefix(name, "contrast"):
		lo, hi, ok := strings.Cut(strings.TrimPrefix(name, "contrast"), "-")
		l, err1 := strconv.ParseFloat(lo, 64)
		h, err2 := strconv.ParseFloat(hi, 64)
		if !ok || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("bad contrast %q", name)
		}
		return mapPix(g, func(v float64) float64 { return l + v*(h-l)/255 }), nil
	case strings.HasPrefix(name, "noise"):
		s, err := num("noise")
		if err != nil {
			return nil, err
		}
		return mapPix(g, func(v float64) float64 { return v + rng.NormFloat64()*s }), nil
	case strings.HasPrefix(name, "jpeg"):
		q, err := num("jpeg")
		if err != nil {
			return nil, err
		}
		return jpegRoundTrip(g, int(q))
	case strings.HasPrefix(name, "scale"):
		f, err := num("scale")
		if err != nil {
			return nil, err
		}
		return resize(g, int(math.Round(float64(g.Rect.Dx())*f)), int(math.Round(float64(g.Rect.Dy())*f))), nil
	}
	return nil, fmt.Errorf("unknown transformation %q", name)
}

func clamp(v float64) uint8 {
	switch {
	case v < 0:
		return 0
	case v > 255:
		return 255
	}
	return uint8(v + 0.5)
}

func mapPix(g *image.Gray, f func(float64) float64) *image.Gray {
	out := image.NewGray(g.Rect)
	for i, v := range g.Pix {
		out.Pix[i] = clamp(f(float64(v)))
	}
	return out
}

// sample reads g at a fractional position with bilinear interpolation;
// outside the image it returns bg.
func sample(g *image.Gray, x, y, bg float64) float64 {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	x0, y0 := math.Floor(x), math.Floor(y)
	fx, fy := x-x0, y-y0
	at := func(xi, yi int) float64 {
		if xi < 0 || yi < 0 || xi >= w || yi >= h {
			return bg
		}
		return float64(g.Pix[yi*g.Stride+xi])
	}
	ix, iy := int(x0), int(y0)
	top := at(ix, iy)*(1-fx) + at(ix+1, iy)*fx
	bot := at(ix, iy+1)*(1-fx) + at(ix+1, iy+1)*fx
	return top*(1-fy) + bot*fy
}

// rotate turns g counter-clockwise by deg degrees on a white canvas large
// enough to hold it. Multiples of 90° are exact.
func rotate(g *image.Gray, deg float64) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	switch math.Mod(math.Mod(deg, 360)+360, 360) {
	case 0:
		return g
	case 90, 180, 270:
		turns := int(math.Mod(math.Mod(deg, 360)+360, 360)) / 90
		out := g
		for i := 0; i < turns; i++ {
			ow, oh := out.Rect.Dx(), out.Rect.Dy()
			r := image.NewGray(image.Rect(0, 0, oh, ow))
			for y := 0; y < oh; y++ {
				for x := 0; x < ow; x++ {
					r.Pix[(ow-1-x)*r.Stride+y] = out.Pix[y*out.Stride+x]
				}
			}
			out = r
		}
		return out
	}
	rad := deg * math.Pi / 180
	c, s := math.Cos(rad), math.Sin(rad)
	nw := int(math.Ceil(math.Abs(float64(w)*c) + math.Abs(float64(h)*s)))
	nh := int(math.Ceil(math.Abs(float64(w)*s) + math.Abs(float64(h)*c)))
	out := image.NewGray(image.Rect(0, 0, nw, nh))
	cx, cy := float64(w)/2, float64(h)/2
	ncx, ncy := float64(nw)/2, float64(nh)/2
	for y := 0; y < nh; y++ {
		for x := 0; x < nw; x++ {
			dx, dy := float64(x)+0.5-ncx, float64(y)+0.5-ncy
			// Inverse rotation (image y axis points down).
			sx := dx*c - dy*s + cx - 0.5
			sy := dx*s + dy*c + cy - 0.5
			out.Pix[y*out.Stride+x] = clamp(sample(g, sx, sy, 255))
		}
	}
	return out
}

// blur applies a separable Gaussian blur of standard deviation sigma pixels.
func blur(g *image.Gray, sigma float64) *image.Gray {
	r := int(math.Ceil(3 * sigma))
	k := make([]float64, 2*r+1)
	sum := 0.0
	for i := -r; i <= r; i++ {
		k[i+r] = math.Exp(-float64(i*i) / (2 * sigma * sigma))
		sum += k[i+r]
	}
	for i := range k {
		k[i] /= sum
	}
	w, h := g.Rect.Dx(), g.Rect.Dy()
	tmp := make([]float64, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := 0.0
			for i := -r; i <= r; i++ {
				xx := min(max(x+i, 0), w-1)
				v += k[i+r] * float64(g.Pix[y*g.Stride+xx])
			}
			tmp[y*w+x] = v
		}
	}
	out := image.NewGray(g.Rect)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := 0.0
			for i := -r; i <= r; i++ {
				yy := min(max(y+i, 0), h-1)
				v += k[i+r] * tmp[yy*w+x]
			}
			out.Pix[y*out.Stride+x] = clamp(v)
		}
	}
	return out
}

// gradient darkens the image from left to right and top to bottom, like a
// label lit from one side.
func gradient(g *image.Gray) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	out := image.NewGray(g.Rect)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			f := 1 - 0.5*float64(x)/float64(w) - 0.15*float64(y)/float64(h)
			out.Pix[y*out.Stride+x] = clamp(float64(g.Pix[y*g.Stride+x])*f + 10)
		}
	}
	return out
}

// keystone maps the image onto a trapezoid narrower at the top through a
// true projective transformation, as when a label is photographed from
// below at an angle.
func keystone(g *image.Gray) *image.Gray { return keystoneBy(g, 0.16) }

// keystoneBy shortens the top edge by k of the width on each side.
func keystoneBy(g *image.Gray, k float64) *image.Gray {
	w, h := float64(g.Rect.Dx()), float64(g.Rect.Dy())
	pad := w / 8
	ow, oh := int(w+2*pad), int(h+2*pad)
	out := image.NewGray(image.Rect(0, 0, ow, oh))
	// Destination corners of the source rectangle: top edge shortened by
	// 16% on each side.
	dst := [4][2]float64{{pad + k*w, pad}, {pad + (1-k)*w, pad}, {pad + w, pad + h}, {pad, pad + h}}
	src := [4][2]float64{{0, 0}, {w, 0}, {w, h}, {0, h}}
	hm := homography(dst, src) // output pixel -> source pixel
	for y := 0; y < oh; y++ {
		for x := 0; x < ow; x++ {
			X, Y := float64(x)+0.5, float64(y)+0.5
			d := hm[6]*X + hm[7]*Y + 1
			sx := (hm[0]*X + hm[1]*Y + hm[2]) / d
			sy := (hm[3]*X + hm[4]*Y + hm[5]) / d
			out.Pix[y*out.Stride+x] = clamp(sample(g, sx-0.5, sy-0.5, 255))
		}
	}
	return out
}

// homography solves for the projective map taking the four points from to
// the four points to (h33 = 1), by Gaussian elimination on the 8×8 system.
func homography(from, to [4][2]float64) [8]float64 {
	var a [8][9]float64
	for i := 0; i < 4; i++ {
		x, y, u, v := from[i][0], from[i][1], to[i][0], to[i][1]
		a[2*i] = [9]float64{x, y, 1, 0, 0, 0, -u * x, -u * y, u}
		a[2*i+1] = [9]float64{0, 0, 0, x, y, 1, -v * x, -v * y, v}
	}
	for c := 0; c < 8; c++ {
		p := c
		for r := c + 1; r < 8; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[p][c]) {
				p = r
			}
		}
		a[c], a[p] = a[p], a[c]
		for r := 0; r < 8; r++ {
			if r != c {
				f := a[r][c] / a[c][c]
				for k := c; k < 9; k++ {
					a[r][k] -= f * a[c][k]
				}
			}
		}
	}
	var hm [8]float64
	for i := range hm {
		hm[i] = a[i][8] / a[i][i]
	}
	return hm
}

// cropTight removes the quiet zone: the symbol touches the image edges.
func cropTight(g *image.Gray) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	x0, y0, x1, y1 := w, h, -1, -1
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if g.Pix[y*g.Stride+x] < 128 {
				x0, y0 = min(x0, x), min(y0, y)
				x1, y1 = max(x1, x), max(y1, y)
			}
		}
	}
	if x1 < 0 {
		return g
	}
	out := image.NewGray(image.Rect(0, 0, x1-x0+1, y1-y0+1))
	for y := y0; y <= y1; y++ {
		copy(out.Pix[(y-y0)*out.Stride:], g.Pix[y*g.Stride+x0:y*g.Stride+x1+1])
	}
	return out
}

func resize(g *image.Gray, nw, nh int) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	out := image.NewGray(image.Rect(0, 0, nw, nh))
	for y := 0; y < nh; y++ {
		for x := 0; x < nw; x++ {
			sx := (float64(x)+0.5)*float64(w)/float64(nw) - 0.5
			sy := (float64(y)+0.5)*float64(h)/float64(nh) - 0.5
			out.Pix[y*out.Stride+x] = clamp(sample(g, sx, sy, 255))
		}
	}
	return out
}

func jpegRoundTrip(g *image.Gray, quality int) (*image.Gray, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, g, &jpeg.Options{Quality: quality}); err != nil {
		return nil, err
	}
	img, err := jpeg.Decode(&buf)
	if err != nil {
		return nil, err
	}
	out := image.NewGray(g.Rect)
	for y := 0; y < g.Rect.Dy(); y++ {
		for x := 0; x < g.Rect.Dx(); x++ {
			out.Set(x, y, color.GrayModel.Convert(img.At(x, y)))
		}
	}
	return out, nil
}

// clutter paints a background like a desk or a pack: shaded, with boxes,
// lines and rows of text-like blobs, but nothing with the structure of a
// barcode.
func clutter(w, h int, rng *rand.Rand) *image.Gray {
	out := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			out.Pix[y*out.Stride+x] = clamp(190 + 40*float64(x)/float64(w) - 30*float64(y)/float64(h))
		}
	}
	fill := func(x0, y0, x1, y1 int, v uint8) {
		for y := max(y0, 0); y < min(y1, h); y++ {
			for x := max(x0, 0); x < min(x1, w); x++ {
				out.Pix[y*out.Stride+x] = v
			}
		}
	}
	for i := 0; i < 8; i++ {
		x, y := rng.IntN(w), rng.IntN(h)
		fill(x, y, x+20+rng.IntN(w/3), y+20+rng.IntN(h/3), uint8(80+rng.IntN(150)))
	}
	// Text lines: blobs of letter size with word gaps.
	for line := 0; line < 6; line++ {
		y := rng.IntN(h - 12)
		x := rng.IntN(w / 2)
		for x < w-10 && rng.IntN(40) > 0 {
			cw := 4 + rng.IntN(5)
			fill(x, y+rng.IntN(3), x+cw, y+9+rng.IntN(3), uint8(20+rng.IntN(50)))
			x += cw + 2 + rng.IntN(2)
			if rng.IntN(6) == 0 {
				x += 8
			}
		}
	}
	for i := 0; i < 5; i++ {
		x0, y0 := rng.Float64()*float64(w), rng.Float64()*float64(h)
		a := rng.Float64() * math.Pi
		for t := 0.0; t < float64(w); t++ {
			x, y := int(x0+t*math.Cos(a)), int(y0+t*math.Sin(a))
			fill(x, y, x+2, y+2, 40)
		}
	}
	return out
}

// scene places the symbol off-centre in a cluttered picture, with a white
// margin of its own (a printed label).
func scene(g *image.Gray, rng *rand.Rand) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	sw, sh := max(2*w+w/2, 480), max(2*h+h/2, 360)
	out := clutter(sw, sh, rng)
	margin := 10
	x0, y0 := sw-w-margin-sw/10, sh-h-margin-sh/8
	for y := y0 - margin; y < y0+h+margin; y++ {
		for x := x0 - margin; x < x0+w+margin; x++ {
			out.Pix[y*out.Stride+x] = 250
		}
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			out.Pix[(y0+y)*out.Stride+x0+x] = clamp(float64(g.Pix[y*g.Stride+x]) * 0.97)
		}
	}
	return out
}

type named struct {
	name string
	img  *image.Gray
}

// negatives are images without any barcode: Decode must answer "no
// barcode", never a read.
func negatives() []named {
	var out []named
	white := image.NewGray(image.Rect(0, 0, 320, 240))
	for i := range white.Pix {
		white.Pix[i] = 255
	}
	out = append(out, named{"none_blank", white})

	rng := rngFor("none_noise")
	noise := image.NewGray(image.Rect(0, 0, 320, 240))
	for i := range noise.Pix {
		noise.Pix[i] = uint8(rng.IntN(256))
	}
	out = append(out, named{"none_noise", noise})

	rng = rngFor("none_gauss")
	gauss := image.NewGray(image.Rect(0, 0, 320, 240))
	for i := range gauss.Pix {
		gauss.Pix[i] = clamp(128 + rng.NormFloat64()*40)
	}
	out = append(out, named{"none_gauss", blur(gauss, 1)})

	out = append(out, named{"none_clutter", clutter(480, 360, rngFor("none_clutter"))})

	// Vertical bars of random widths: every row looks like a 1D symbol, the
	// hardest case for false reads.
	rng = rngFor("none_bars")
	bars := image.NewGray(image.Rect(0, 0, 400, 120))
	x := 0
	black := false
	for x < 400 {
		wdt := 1 + rng.IntN(6)
		v := uint8(245)
		if black {
			v = 20
		}
		for ; wdt > 0 && x < 400; wdt-- {
			for y := 0; y < 120; y++ {
				bars.Pix[y*bars.Stride+x] = v
			}
			x++
		}
		black = !black
	}
	out = append(out, named{"none_bars", blur(bars, 0.7)})
	return out
}
