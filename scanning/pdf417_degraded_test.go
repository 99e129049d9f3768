package scanning

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// PDF417 bands and labels degraded as a phone camera would: turned by
// any angle, in perspective, blurred, JPEG q30, low contrast, inverted,
// and these combined. The images are made here from the zint renders of
// testdata/pdf417 (seeded, so the same on every run). Every image must be
// read right or refused (never a wrong text); with ZXingReader installed
// (zxing-cpp-tools) the read counts per degradation are compared with
// zxing-cpp's on the same files: fewer reads than zxing-cpp's for a
// degradation fail the test; the table is logged (go test -run
// TestPDF417Degraded -v).

type degraded struct {
	kind, name, want string
	img              image.Image
	jpeg             bool
}

// grayOf draws img on a white canvas with a quiet zone of margin pixels,
// scaled by an integer factor.
func grayOf(img image.Image, scale, margin int) *image.Gray {
	b := img.Bounds()
	out := image.NewGray(image.Rect(0, 0, b.Dx()*scale+2*margin, b.Dy()*scale+2*margin))
	draw.Draw(out, out.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	for y := 0; y < b.Dy()*scale; y++ {
		for x := 0; x < b.Dx()*scale; x++ {
			out.Set(x+margin, y+margin, img.At(b.Min.X+x/scale, b.Min.Y+y/scale))
		}
	}
	return out
}

// warp maps every output pixel through inv (output → source coordinates)
// and samples src bilinearly; outside is the paper's white.
func warp(src *image.Gray, w, h int, inv func(x, y float64) (float64, float64)) *image.Gray {
	out := image.NewGray(image.Rect(0, 0, w, h))
	b := src.Bounds()
	at := func(x, y int) float64 {
		if x < 0 || y < 0 || x >= b.Dx() || y >= b.Dy() {
			return 255
		}
		return float64(src.Pix[y*src.Stride+x])
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			sx, sy := inv(float64(x)+0.5, float64(y)+0.5)
			sx, sy = sx-0.5, sy-0.5
			x0, y0 := int(math.Floor(sx)), int(math.Floor(sy))
			fx, fy := sx-float64(x0), sy-float64(y0)
			v := at(x0, y0)*(1-fx)*(1-fy) + at(x0+1, y0)*fx*(1-fy) + at(x0, y0+1)*(1-fx)*fy + at(x0+1, y0+1)*fx*fy
			out.Pix[y*out.Stride+x] = uint8(math.Round(v))
		}
	}
	return out
}

func rotated(src *image.Gray, deg float64) *image.Gray {
	w, h := float64(src.Bounds().Dx()), float64(src.Bounds().Dy())
	s, c := math.Sincos(deg * math.Pi / 180)
	W := int(math.Abs(w*c)+math.Abs(h*s)) + 2
	H := int(math.Abs(w*s)+math.Abs(h*c)) + 2
	return warp(src, W, H, func(x, y float64) (float64, float64) {
		dx, dy := x-float64(W)/2, y-float64(H)/2
		return c*dx + s*dy + w/2, -s*dx + c*dy + h/2
	})
}

// perspective shows src as if photographed from one side: the source
// rectangle's far edge (right, or bottom when vertical) is shrunk by the
// factor k about its centre, a true homography (the far side's modules
// are narrower and shorter).
func perspective(src *image.Gray, k float64, vertical bool) *image.Gray {
	w, h := float64(src.Bounds().Dx()), float64(src.Bounds().Dy())
	d := (1 - k) / 2
	// Destination corners of the source corners (0,0) (w,0) (w,h) (0,h).
	dst := [4][2]float64{{0, 0}, {w, d * h}, {w, h - d*h}, {0, h}}
	if vertical {
		dst = [4][2]float64{{0, 0}, {w, 0}, {w - d*w, h}, {d * w, h}}
	}
	srcPts := [4][2]float64{{0, 0}, {w, 0}, {w, h}, {0, h}}
	H := homography(dst, srcPts)
	return warp(src, int(w), int(h), func(x, y float64) (float64, float64) {
		z := H[6]*x + H[7]*y + 1
		return (H[0]*x + H[1]*y + H[2]) / z, (H[3]*x + H[4]*y + H[5]) / z
	})
}

func blurred(src *image.Gray, sigma float64) *image.Gray {
	r := int(math.Ceil(3 * sigma))
	k := make([]float64, 2*r+1)
	sum := 0.0
	for i := range k {
		d := float64(i - r)
		k[i] = math.Exp(-d * d / (2 * sigma * sigma))
		sum += k[i]
	}
	for i := range k {
		k[i] /= sum
	}
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	tmp := make([]float64, w*h)
	at := func(x, y int) float64 {
		x = min(max(x, 0), w-1)
		y = min(max(y, 0), h-1)
		return float64(src.Pix[y*src.Stride+x])
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := 0.0
			for i, kv := range k {
				v += kv * at(x+i-r, y)
			}
			tmp[y*w+x] = v
		}
	}
	out := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := 0.0
			for i, kv := range k {
				yy := min(max(y+i-r, 0), h-1)
				v += kv * tmp[yy*w+x]
			}
			out.Pix[y*out.Stride+x] = uint8(math.Round(v))
		}
	}
	return out
}

// lowContrast maps black to lo and white to hi, with a light gradient
// (uneven lighting) and noise.
func lowContrast(src *image.Gray, lo, hi float64, rng *rand.Rand) *image.Gray {
	out := image.NewGray(src.Bounds())
	w := float64(src.Bounds().Dx())
	for i, p := range src.Pix {
		x := float64(i % src.Stride)
		v := lo + (hi-lo)*float64(p)/255 + 20*x/w - 10 + rng.NormFloat64()*3
		out.Pix[i] = uint8(min(max(math.Round(v), 0), 255))
	}
	return out
}

func inverted(src *image.Gray) *image.Gray {
	out := image.NewGray(src.Bounds())
	for i, p := range src.Pix {
		out.Pix[i] = 255 - p
	}
	return out
}

func degradedPDF417(t *testing.T) []degraded {
	t.Helper()
	type sym struct{ file, want string }
	band := "MRN:00123456|DOE^JANE|DOB:19800101"
	syms := []sym{
		{"text_band.png", band},
		{"compact_band.png", band},
		{"gs1_label.png", "01003123456789061727013110LOT123A\x1d21SN0001"},
		{"level5_cols12.png", band},
	}
	rng := rand.New(rand.NewPCG(19, 417))
	var out []degraded
	for _, s := range syms {
		f, err := os.Open(filepath.Join("testdata", "pdf417", s.file))
		if err != nil {
			t.Fatal(err)
		}
		src, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		// zint draws 2 pixels a module: 3 pixels is a phone's view of a
		// label at arm's length.
		base := blurred(grayOf(src, 3, 30), 0.7)
		name := strings.TrimSuffix(s.file, ".png")
		add := func(kind, what string, img image.Image, jpg bool) {
			out = append(out, degraded{kind, name + "_" + what, s.want, img, jpg})
		}
		for _, deg := range []float64{5, 17, 28, 45, 63, 90, 118, 152, 180, 207, 241, 299, 333} {
			add("rotated", fmt.Sprintf("rot%v", deg), rotated(base, deg), false)
		}
		for _, k := range []float64{0.85, 0.7} {
			add("perspective", fmt.Sprintf("persp%v", k), perspective(base, k, false), false)
			add("perspective", fmt.Sprintf("persp%v_v", k), perspective(base, k, true), false)
		}
		add("perspective", "persp0.8_rot20", rotated(perspective(base, 0.8, false), 20), false)
		for _, sg := range []float64{1.2, 1.6} {
			add("blurred", fmt.Sprintf("blur%v", sg), blurred(base, sg), false)
		}
		add("jpeg", "q30", base, true)
		add("jpeg", "q30_rot33", rotated(base, 33), true)
		add("low-contrast", "lc", lowContrast(base, 95, 150, rng), false)
		add("low-contrast", "lc_rot12", lowContrast(rotated(base, 12), 100, 140, rng), false)
		add("inverted", "inv", inverted(base), false)
		add("inverted", "inv_rot40", inverted(rotated(base, 40)), false)
		add("combined", "rot38_blur_q30_lc", lowContrast(blurred(rotated(base, 38), 1.1), 80, 170, rng), true)
	}
	return out
}

func encodeDegraded(t *testing.T, d degraded) []byte {
	t.Helper()
	var buf bytes.Buffer
	var err error
	if d.jpeg {
		err = jpeg.Encode(&buf, d.img, &jpeg.Options{Quality: 30})
	} else {
		err = png.Encode(&buf, d.img)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestPDF417Degraded(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	dir := t.TempDir()
	if d := os.Getenv("EMAR_PDF417_DEGRADED_DIR"); d != "" {
		dir = d // keep the images to look at
	}
	images := degradedPDF417(t)
	type tally struct{ n, ours, zx, unsupported int }
	counts := map[string]*tally{}
	var files []string
	ourText := map[string]bool{}
	for _, d := range images {
		data := encodeDegraded(t, d)
		ext := ".png"
		if d.jpeg {
			ext = ".jpg"
		}
		file := filepath.Join(dir, d.kind+"_"+d.name+ext)
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, file)
		c := counts[d.kind]
		if c == nil {
			c = &tally{}
			counts[d.kind] = c
		}
		c.n++
		r, err := DecodeBytes(context.Background(), data, DecodeOptions{Parse: fixedParseOptions(), Budget: -1})
		switch {
		case err == nil && r.Text != d.want:
			t.Errorf("%s %s: wrong read %s %q", d.kind, d.name, r.Format, r.Text)
		case err == nil:
			c.ours++
			ourText[filepath.Base(file)] = true
		case errors.Is(err, ErrUnsupportedSymbology):
			c.unsupported++
			t.Logf("%s %s: refused as unreadable PDF417", d.kind, d.name)
		default:
			t.Logf("%s %s: %v", d.kind, d.name, err)
		}
	}
	bin, err := exec.LookPath("ZXingReader")
	if err != nil {
		for k, c := range counts {
			t.Logf("%-12s ours %d/%d", k, c.ours, c.n)
		}
		t.Skip("ZXingReader not installed: no comparison")
	}
	outb, _ := exec.Command(bin, append([]string{"-1", "-escape", "-format", "PDF417"}, files...)...).Output()
	zread := map[string]bool{}
	want := map[string]string{}
	for i, d := range images {
		want[filepath.Base(files[i])] = d.want
	}
	for _, line := range strings.Split(strings.TrimSpace(string(outb)), "\n") {
		f := strings.SplitN(line, " ", 3)
		if len(f) == 3 && f[1] == "PDF417" {
			base := filepath.Base(f[0])
			if unescapeZXingText(strings.Trim(f[2], `"`)) == want[base] {
				zread[base] = true
			}
		}
	}
	var kinds []string
	for k := range counts {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, d := range images {
		base := d.kind + "_" + d.name
		for _, ext := range []string{".png", ".jpg"} {
			if zread[base+ext] {
				counts[d.kind].zx++
				if !ourText[base+ext] {
					t.Logf("zxing-cpp reads %s, we do not", base+ext)
				}
			}
		}
	}
	total := tally{}
	for _, k := range kinds {
		c := counts[k]
		t.Logf("%-12s ours %2d/%2d  zxing-cpp %2d/%2d  (refused as PDF417: %d)", k, c.ours, c.n, c.zx, c.n, c.unsupported)
		if c.ours < c.zx {
			t.Errorf("%s: we read %d, zxing-cpp %d", k, c.ours, c.zx)
		}
		total.n += c.n
		total.ours += c.ours
		total.zx += c.zx
	}
	t.Logf("%-12s ours %2d/%2d  zxing-cpp %2d/%2d", "total", total.ours, total.n, total.zx, total.n)
}

// unescapeZXingText undoes ZXingReader -escape for <GS>.
func unescapeZXingText(s string) string { return strings.ReplaceAll(s, "<GS>", "\x1d") }
