package scanning

import (
	"errors"
	"image"
	"image/color"
	"math"

	"github.com/makiuchi-d/gozxing"
)

// lumImage is an 8-bit luminance plane (0 black … 255 white), row-major with
// stride equal to the width. It implements gozxing.LuminanceSource directly
// on the slice: gozxing's own conversion from image.Image goes through
// color.Color per pixel and is most of the decoding time.
type lumImage struct {
	pix  []byte
	w, h int
}

var _ gozxing.LuminanceSource = (*lumImage)(nil)

func newLum(w, h int) *lumImage {
	return &lumImage{pix: make([]byte, w*h), w: w, h: h}
}

// toLuminance converts an image to luminance with fast paths for the types
// the standard decoders return: JPEG gives *image.YCbCr (the Y plane is
// the luminance), PNG gives Gray, Paletted, RGBA or NRGBA. Transparent
// pixels are composited over white, as a label would be printed.
func toLuminance(img image.Image) *lumImage {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	l := newLum(w, h)
	switch m := img.(type) {
	case *image.Gray:
		for y := 0; y < h; y++ {
			off := m.PixOffset(b.Min.X, b.Min.Y+y)
			copy(l.pix[y*w:(y+1)*w], m.Pix[off:off+w])
		}
	case *image.YCbCr:
		for y := 0; y < h; y++ {
			off := m.YOffset(b.Min.X, b.Min.Y+y)
			copy(l.pix[y*w:(y+1)*w], m.Y[off:off+w])
		}
	case *image.RGBA:
		for y := 0; y < h; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			dst := l.pix[y*w : (y+1)*w]
			for x := range dst {
				p := row[4*x : 4*x+4 : 4*x+4]
				// Premultiplied: adding the missing alpha composites over white.
				dst[x] = clamp8(luma(uint32(p[0]), uint32(p[1]), uint32(p[2])) + 255 - uint32(p[3]))
			}
		}
	case *image.NRGBA:
		for y := 0; y < h; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			dst := l.pix[y*w : (y+1)*w]
			for x := range dst {
				p := row[4*x : 4*x+4 : 4*x+4]
				a := uint32(p[3])
				dst[x] = clamp8((luma(uint32(p[0]), uint32(p[1]), uint32(p[2]))*a + 255*(255-a)) / 255)
			}
		}
	case *image.Paletted:
		var lut [256]byte
		for i, c := range m.Palette {
			lut[i] = colorLuma(c)
		}
		for y := 0; y < h; y++ {
			off := m.PixOffset(b.Min.X, b.Min.Y+y)
			src := m.Pix[off : off+w]
			dst := l.pix[y*w : (y+1)*w]
			for x, idx := range src {
				dst[x] = lut[idx]
			}
		}
	default:
		for y := 0; y < h; y++ {
			dst := l.pix[y*w : (y+1)*w]
			for x := range dst {
				dst[x] = colorLuma(img.At(b.Min.X+x, b.Min.Y+y))
			}
		}
	}
	return l
}

// luma weighs 8-bit R, G, B like ITU-R BT.601 (0.299, 0.587, 0.114) in
// fixed point.
func luma(r, g, b uint32) uint32 {
	return (306*r + 601*g + 117*b + 512) >> 10
}

func colorLuma(c color.Color) byte {
	r, g, b, a := c.RGBA() // 16-bit, premultiplied
	l := (306*r + 601*g + 117*b + 512) >> 10
	return clamp8((l + 0xffff - a) >> 8)
}

func clamp8(v uint32) byte {
	if v > 255 {
		return 255
	}
	return byte(v)
}

// downscale shrinks l by an integer factor, averaging each f×f block: large
// camera frames decode faster and, when blurred or noisy, often better.
func (l *lumImage) downscale(f int) *lumImage {
	if f <= 1 {
		return l
	}
	w, h := l.w/f, l.h/f
	if w < 1 || h < 1 {
		return l
	}
	out := newLum(w, h)
	sums := make([]uint32, w)
	n := uint32(f * f)
	for y := 0; y < h; y++ {
		clear(sums)
		for dy := 0; dy < f; dy++ {
			row := l.pix[(y*f+dy)*l.w:]
			for x := 0; x < w; x++ {
				for dx := 0; dx < f; dx++ {
					sums[x] += uint32(row[x*f+dx])
				}
			}
		}
		dst := out.pix[y*w : (y+1)*w]
		for x := range dst {
			dst[x] = byte((sums[x] + n/2) / n)
		}
	}
	return out
}

// pad surrounds l with a border of the given luminance: a cropped label
// that leaves no quiet zone around its symbol gets one.
func (l *lumImage) pad(border int, value byte) *lumImage {
	w, h := l.w+2*border, l.h+2*border
	out := newLum(w, h)
	for i := range out.pix {
		out.pix[i] = value
	}
	for y := 0; y < l.h; y++ {
		copy(out.pix[(y+border)*w+border:], l.pix[y*l.w:(y+1)*l.w])
	}
	return out
}

// transpose swaps rows and columns, turning vertical bars horizontal for the
// row-by-row 1D readers (the readers also try each row reversed, which
// covers the other two rotations).
func (l *lumImage) transpose() *lumImage {
	out := newLum(l.h, l.w)
	for y := 0; y < l.h; y++ {
		row := l.pix[y*l.w : (y+1)*l.w]
		for x, v := range row {
			out.pix[x*l.h+y] = v
		}
	}
	return out
}

// inverted returns the negative image (light-on-dark symbols).
func (l *lumImage) inverted() *lumImage {
	out := newLum(l.w, l.h)
	for i, v := range l.pix {
		out.pix[i] = 255 - v
	}
	return out
}

// GetRow implements gozxing.LuminanceSource.
func (l *lumImage) GetRow(y int, row []byte) ([]byte, error) {
	if y < 0 || y >= l.h {
		return nil, errors.New("scanning: row out of range")
	}
	if len(row) < l.w {
		row = make([]byte, l.w)
	}
	copy(row, l.pix[y*l.w:(y+1)*l.w])
	return row, nil
}

// GetMatrix implements gozxing.LuminanceSource; callers must not modify it.
func (l *lumImage) GetMatrix() []byte { return l.pix }

// GetWidth implements gozxing.LuminanceSource.
func (l *lumImage) GetWidth() int { return l.w }

// GetHeight implements gozxing.LuminanceSource.
func (l *lumImage) GetHeight() int { return l.h }

// IsCropSupported implements gozxing.LuminanceSource.
func (l *lumImage) IsCropSupported() bool { return true }

// Crop implements gozxing.LuminanceSource.
func (l *lumImage) Crop(left, top, width, height int) (gozxing.LuminanceSource, error) {
	if left < 0 || top < 0 || width <= 0 || height <= 0 || left+width > l.w || top+height > l.h {
		return nil, errors.New("scanning: crop rectangle outside the image")
	}
	out := newLum(width, height)
	for y := 0; y < height; y++ {
		copy(out.pix[y*width:(y+1)*width], l.pix[(top+y)*l.w+left:])
	}
	return out, nil
}

// IsRotateSupported implements gozxing.LuminanceSource.
func (l *lumImage) IsRotateSupported() bool { return true }

// Invert implements gozxing.LuminanceSource.
func (l *lumImage) Invert() gozxing.LuminanceSource { return l.inverted() }

// RotateCounterClockwise implements gozxing.LuminanceSource.
func (l *lumImage) RotateCounterClockwise() (gozxing.LuminanceSource, error) {
	out := newLum(l.h, l.w)
	for y := 0; y < l.h; y++ {
		for x := 0; x < l.w; x++ {
			out.pix[(l.w-1-x)*l.h+y] = l.pix[y*l.w+x]
		}
	}
	return out, nil
}

// RotateCounterClockwise45 implements gozxing.LuminanceSource; no reader in
// use asks for it.
func (l *lumImage) RotateCounterClockwise45() (gozxing.LuminanceSource, error) {
	return nil, errors.New("scanning: 45° rotation is not supported")
}

func (l *lumImage) String() string { return gozxing.LuminanceSourceString(l) }

// averagedRows presents each row as the mean of itself and its neighbours
// above and below. Averaging along the bars suppresses sensor noise and
// JPEG artefacts before a 1D row is binarised, without blurring across the
// bars of a horizontal barcode.
type averagedRows struct {
	*lumImage
	radius int
}

func (a averagedRows) GetRow(y int, row []byte) ([]byte, error) {
	l := a.lumImage
	if y < 0 || y >= l.h {
		return nil, errors.New("scanning: row out of range")
	}
	if len(row) < l.w {
		row = make([]byte, l.w)
	}
	y0, y1 := max(0, y-a.radius), min(l.h-1, y+a.radius)
	n := uint32(y1 - y0 + 1)
	for x := 0; x < l.w; x++ {
		var s uint32
		for yy := y0; yy <= y1; yy++ {
			s += uint32(l.pix[yy*l.w+x])
		}
		row[x] = byte((s + n/2) / n)
	}
	return row, nil
}

// rotated returns l turned by deg degrees counter-clockwise on a canvas that
// holds all of it, with bilinear interpolation; the corners are white.
// DataMatrix detection is weakest near 45°, where a turn by 45° makes the
// symbol upright.
func (l *lumImage) rotated(deg float64) *lumImage {
	r := newRotatedRows(l, deg)
	out := newLum(r.w, r.h)
	for y := 0; y < r.h; y++ {
		r.fill(y, out.pix[y*r.w:(y+1)*r.w])
	}
	return out
}

// rotatedRows is l turned by an angle, computed one row at a time: the 1D
// row scans of a turned image read a few dozen rows, not the whole image.
type rotatedRows struct {
	src    *lumImage
	w, h   int
	c, s   float64
	cx, cy float64 // centre of src
	nx, ny float64 // centre of the turned canvas
}

func newRotatedRows(l *lumImage, deg float64) *rotatedRows {
	rad := deg * math.Pi / 180
	c, s := math.Cos(rad), math.Sin(rad)
	w := int(math.Ceil(math.Abs(float64(l.w)*c) + math.Abs(float64(l.h)*s)))
	h := int(math.Ceil(math.Abs(float64(l.w)*s) + math.Abs(float64(l.h)*c)))
	return &rotatedRows{src: l, w: w, h: h, c: c, s: s,
		cx: float64(l.w) / 2, cy: float64(l.h) / 2, nx: float64(w) / 2, ny: float64(h) / 2}
}

// fill computes row y of the turned image into dst (len w).
func (r *rotatedRows) fill(y int, dst []byte) {
	l := r.src
	dy := float64(y) + 0.5 - r.ny
	// Source position of x = 0 and its step per output pixel.
	dx := 0.5 - r.nx
	sx := dx*r.c - dy*r.s + r.cx - 0.5
	sy := dx*r.s + dy*r.c + r.cy - 0.5
	maxX, maxY := float64(l.w-1), float64(l.h-1)
	for x := range dst {
		if sx >= 0 && sy >= 0 && sx < maxX && sy < maxY {
			ix, iy := int(sx), int(sy)
			fx, fy := sx-float64(ix), sy-float64(iy)
			i := iy*l.w + ix
			p00, p10 := float64(l.pix[i]), float64(l.pix[i+1])
			p01, p11 := float64(l.pix[i+l.w]), float64(l.pix[i+l.w+1])
			top := p00 + (p10-p00)*fx
			bot := p01 + (p11-p01)*fx
			dst[x] = byte(top + (bot-top)*fy + 0.5)
		} else {
			dst[x] = l.bilinear(sx, sy, 255)
		}
		sx += r.c
		sy += r.s
	}
}

// GetRow implements gozxing.LuminanceSource.
func (r *rotatedRows) GetRow(y int, row []byte) ([]byte, error) {
	if y < 0 || y >= r.h {
		return nil, errors.New("scanning: row out of range")
	}
	if len(row) < r.w {
		row = make([]byte, r.w)
	}
	r.fill(y, row[:r.w])
	return row, nil
}

// GetMatrix implements gozxing.LuminanceSource (not used by row scans).
func (r *rotatedRows) GetMatrix() []byte {
	out := make([]byte, r.w*r.h)
	for y := 0; y < r.h; y++ {
		r.fill(y, out[y*r.w:(y+1)*r.w])
	}
	return out
}

func (r *rotatedRows) GetWidth() int           { return r.w }
func (r *rotatedRows) GetHeight() int          { return r.h }
func (r *rotatedRows) IsCropSupported() bool   { return false }
func (r *rotatedRows) IsRotateSupported() bool { return false }
func (r *rotatedRows) Crop(int, int, int, int) (gozxing.LuminanceSource, error) {
	return nil, errors.New("scanning: crop not supported")
}
func (r *rotatedRows) Invert() gozxing.LuminanceSource { return gozxing.NewInvertedLuminanceSource(r) }
func (r *rotatedRows) RotateCounterClockwise() (gozxing.LuminanceSource, error) {
	return nil, errors.New("scanning: rotation not supported")
}
func (r *rotatedRows) RotateCounterClockwise45() (gozxing.LuminanceSource, error) {
	return nil, errors.New("scanning: rotation not supported")
}
func (r *rotatedRows) String() string { return gozxing.LuminanceSourceString(r) }

// upscaled enlarges l by an integer factor with bilinear interpolation: on
// symbols of two pixels per module the binariser and grid sampler then have
// sub-module precision to work with.
func (l *lumImage) upscaled(f int) *lumImage {
	out := newLum(l.w*f, l.h*f)
	inv := 1 / float64(f)
	for y := 0; y < out.h; y++ {
		sy := (float64(y)+0.5)*inv - 0.5
		for x := 0; x < out.w; x++ {
			out.pix[y*out.w+x] = l.bilinear((float64(x)+0.5)*inv-0.5, sy, -1)
		}
	}
	return out
}

// bilinear samples l at a fractional position; outside the image it returns
// bg, or the nearest edge pixel when bg is negative.
func (l *lumImage) bilinear(x, y float64, bg int) byte {
	x0, y0 := math.Floor(x), math.Floor(y)
	fx, fy := x-x0, y-y0
	ix, iy := int(x0), int(y0)
	at := func(xi, yi int) float64 {
		if xi < 0 || yi < 0 || xi >= l.w || yi >= l.h {
			if bg >= 0 {
				return float64(bg)
			}
			xi, yi = min(max(xi, 0), l.w-1), min(max(yi, 0), l.h-1)
		}
		return float64(l.pix[yi*l.w+xi])
	}
	top := at(ix, iy)*(1-fx) + at(ix+1, iy)*fx
	bot := at(ix, iy+1)*(1-fx) + at(ix+1, iy+1)*fx
	return byte(top*(1-fy) + bot*fy + 0.5)
}

// upscaledRows is l.upscaled(2) (transposed: l.upscaled(2).transpose()),
// computed one row at a time: the 1D row scans of the upscaled image read
// a few dozen rows, not the whole enlarged image.
type upscaledRows struct {
	src        *lumImage
	transposed bool
	w, h       int
}

func newUpscaledRows(l *lumImage, transposed bool) *upscaledRows {
	u := &upscaledRows{src: l, transposed: transposed, w: 2 * l.w, h: 2 * l.h}
	if transposed {
		u.w, u.h = u.h, u.w
	}
	return u
}

// fill computes row y into dst (len w), pixel for pixel as upscaled does.
func (u *upscaledRows) fill(y int, dst []byte) {
	const inv = 0.5
	fixed := (float64(y)+0.5)*inv - 0.5
	for i := range dst {
		v := (float64(i)+0.5)*inv - 0.5
		if u.transposed {
			dst[i] = u.src.bilinear(fixed, v, -1)
		} else {
			dst[i] = u.src.bilinear(v, fixed, -1)
		}
	}
}

// GetRow implements gozxing.LuminanceSource.
func (u *upscaledRows) GetRow(y int, row []byte) ([]byte, error) {
	if y < 0 || y >= u.h {
		return nil, errors.New("scanning: row out of range")
	}
	if len(row) < u.w {
		row = make([]byte, u.w)
	}
	u.fill(y, row[:u.w])
	return row, nil
}

// GetMatrix implements gozxing.LuminanceSource (not used by row scans).
func (u *upscaledRows) GetMatrix() []byte {
	out := make([]byte, u.w*u.h)
	for y := 0; y < u.h; y++ {
		u.fill(y, out[y*u.w:(y+1)*u.w])
	}
	return out
}

func (u *upscaledRows) GetWidth() int           { return u.w }
func (u *upscaledRows) GetHeight() int          { return u.h }
func (u *upscaledRows) IsCropSupported() bool   { return false }
func (u *upscaledRows) IsRotateSupported() bool { return false }
func (u *upscaledRows) Crop(int, int, int, int) (gozxing.LuminanceSource, error) {
	return nil, errors.New("scanning: crop not supported")
}
func (u *upscaledRows) Invert() gozxing.LuminanceSource { return gozxing.NewInvertedLuminanceSource(u) }
func (u *upscaledRows) RotateCounterClockwise() (gozxing.LuminanceSource, error) {
	return nil, errors.New("scanning: rotation not supported")
}
func (u *upscaledRows) RotateCounterClockwise45() (gozxing.LuminanceSource, error) {
	return nil, errors.New("scanning: rotation not supported")
}
func (u *upscaledRows) String() string { return gozxing.LuminanceSourceString(u) }
