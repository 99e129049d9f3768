//go:build unix

// Command decodecmp compares scanning.Decode with zxing-cpp's ZXingReader on
// the same images and prints, per format: images, reads and wrong reads of
// each decoder, and the median time per image of each with their ratio.
//
// Expected results come from a manifest in the format of
// scanning/testdata/images/manifest.tsv (file, format, expected text with
// <GS> for ASCII 29, outcome read|none|unsupported). Images given as
// arguments that the manifest does not list are counted under "?" and
// compared between the two decoders only.
//
// Times: ours is measured in process around each Decode call (wall and
// process CPU time). ZXingReader is a separate process whose start-up costs
// more than most decodes, so it is given the same image -batch times in one
// invocation, the cost of one invocation on a blank 8×8 image is
// subtracted, and the rest divided by -batch. Each measurement is repeated
// -reps times; the median counts.
//
// Usage (see bench/decode-compare.sh):
//
//	go run ./scanning/internal/decodecmp [-manifest FILE] [-zxing PATH] [-reps N] [-v] [images or dirs...]
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/emar-project/emar/scanning"
)

type expectation struct {
	format, text, outcome string
}

type sample struct {
	wall, cpu time.Duration
}

type outcome struct {
	format, text string // what was read; format "" when nothing
	unsupported  bool
	t            sample
	err          string
}

func main() {
	manifest := flag.String("manifest", "scanning/testdata/images/manifest.tsv", "manifest of expected results (\"\" for none)")
	zxing := flag.String("zxing", "ZXingReader", "ZXingReader binary (\"\" to skip)")
	formats := flag.String("formats", "DataMatrix,QRCode,Code128,EAN-13,UPC-A,ITF,PDF417", "formats ZXingReader may report (those scanning reads, and PDF417)")
	reps := flag.Int("reps", 3, "measurements per image; the median counts")
	batch := flag.Int("batch", 10, "copies of an image per ZXingReader run, to amortise its start-up")
	verbose := flag.Bool("v", false, "print one line per image")
	flag.Parse()

	expect := map[string]expectation{}
	var files []string
	if *manifest != "" {
		var err error
		expect, files, err = readManifest(*manifest)
		if err != nil {
			fatal(err)
		}
	}
	if flag.NArg() > 0 {
		files = nil
		for _, arg := range flag.Args() {
			found, err := imagesIn(arg)
			if err != nil {
				fatal(err)
			}
			files = append(files, found...)
		}
	}
	if len(files) == 0 {
		fatal(errors.New("no images"))
	}

	var zx *zxingRunner
	if *zxing != "" {
		var err error
		zx, err = newZXingRunner(*zxing, *formats, *reps, max(1, *batch))
		if err != nil {
			fatal(err)
		}
	}

	type row struct {
		file          string
		exp           expectation
		known         bool
		ours, theirs  outcome
		haveTheirs    bool
		oursOK, thOK  bool
		oursWrong, tw bool
	}
	var rows []row
	for _, f := range files {
		abs, _ := filepath.Abs(f)
		exp, known := expect[abs]
		r := row{file: f, exp: exp, known: known}
		r.ours = decodeOurs(f, *reps)
		if zx != nil {
			r.theirs = zx.decode(f)
			r.haveTheirs = true
		}
		r.oursOK, r.oursWrong = judge(exp, known, r.ours)
		r.thOK, r.tw = judge(exp, known, r.theirs)
		rows = append(rows, r)
		if *verbose {
			fmt.Printf("%-45s ours %-11s %-6s %8.2fms", f, or(r.ours.format, "-"), verdict(r.oursOK, r.oursWrong, known), ms(r.ours.t.wall))
			if r.haveTheirs {
				fmt.Printf("   zxing %-11s %-6s %8.2fms", or(r.theirs.format, "-"), verdict(r.thOK, r.tw, known), ms(r.theirs.t.wall))
			}
			fmt.Println()
		}
	}

	type agg struct {
		n, oursRead, oursWrong, thRead, thWrong int
		oursWall, oursCPU, thWall, thCPU        []time.Duration
	}
	groups := map[string]*agg{}
	var order []string
	for _, r := range rows {
		key := "?"
		if r.known {
			key = r.exp.format
			if r.exp.outcome == "none" {
				key = "NONE"
			}
		}
		a := groups[key]
		if a == nil {
			a = &agg{}
			groups[key] = a
			order = append(order, key)
		}
		a.n++
		if r.oursOK {
			a.oursRead++
		}
		if r.oursWrong {
			a.oursWrong++
		}
		if r.thOK {
			a.thRead++
		}
		if r.tw {
			a.thWrong++
		}
		a.oursWall = append(a.oursWall, r.ours.t.wall)
		a.oursCPU = append(a.oursCPU, r.ours.t.cpu)
		if r.haveTheirs {
			a.thWall = append(a.thWall, r.theirs.t.wall)
			a.thCPU = append(a.thCPU, r.theirs.t.cpu)
		}
	}
	sort.Strings(order)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "format\timages\tours read\tours wrong\tzxing read\tzxing wrong\tours ms (wall/cpu)\tzxing ms (wall/cpu)\tours/zxing (wall)\t")
	total := &agg{}
	for _, k := range order {
		a := groups[k]
		printAgg(tw, k, a.n, a.oursRead, a.oursWrong, a.thRead, a.thWrong, a.oursWall, a.oursCPU, a.thWall, a.thCPU, zx != nil)
		total.n += a.n
		total.oursRead += a.oursRead
		total.oursWrong += a.oursWrong
		total.thRead += a.thRead
		total.thWrong += a.thWrong
		total.oursWall = append(total.oursWall, a.oursWall...)
		total.oursCPU = append(total.oursCPU, a.oursCPU...)
		total.thWall = append(total.thWall, a.thWall...)
		total.thCPU = append(total.thCPU, a.thCPU...)
	}
	printAgg(tw, "all", total.n, total.oursRead, total.oursWrong, total.thRead, total.thWrong,
		total.oursWall, total.oursCPU, total.thWall, total.thCPU, zx != nil)
	tw.Flush()
	fmt.Println("times: median per image in ms; ours/zxing compares the medians.")
	fmt.Println("read: correct text, or the expected \"no barcode\" / \"unsupported\" answer; wrong: a different text, or a read where there is no barcode.")
	if zx != nil {
		fmt.Printf("ZXingReader start-up subtracted: %.2f ms wall, %.2f ms cpu per run.\n", ms(zx.base.wall), ms(zx.base.cpu))
	}
}

func printAgg(w *tabwriter.Writer, name string, n, or, ow, tr, tw int, owall, ocpu, twall, tcpu []time.Duration, haveZX bool) {
	if !haveZX {
		fmt.Fprintf(w, "%s\t%d\t%d\t%d\t-\t-\t%.2f/%.2f\t-\t-\t\n", name, n, or, ow, ms(median(owall)), ms(median(ocpu)))
		return
	}
	ratio := "-"
	if m := median(twall); m > 0 {
		ratio = fmt.Sprintf("%.2f", float64(median(owall))/float64(m))
	}
	fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t%d\t%.2f/%.2f\t%.2f/%.2f\t%s\t\n", name, n, or, ow, tr, tw,
		ms(median(owall)), ms(median(ocpu)), ms(median(twall)), ms(median(tcpu)), ratio)
}

// judge says whether a decoder answered as expected, and whether it read
// something wrong (a different text, or anything where there is nothing).
func judge(exp expectation, known bool, o outcome) (ok, wrong bool) {
	if !known {
		return o.format != "", false
	}
	switch exp.outcome {
	case "none":
		return o.format == "", o.format != ""
	case "unsupported":
		if o.unsupported {
			return true, false
		}
	}
	if o.format == "" {
		return false, false
	}
	if o.text == exp.text {
		return true, false
	}
	return false, true
}

func verdict(ok, wrong, known bool) string {
	switch {
	case !known && ok:
		return "read"
	case !known:
		return "-"
	case ok:
		return "ok"
	case wrong:
		return "WRONG"
	}
	return "miss"
}

func decodeOurs(file string, reps int) outcome {
	data, err := os.ReadFile(file)
	if err != nil {
		return outcome{err: err.Error()}
	}
	var out outcome
	var walls, cpus []time.Duration
	for i := 0; i < max(1, reps); i++ {
		c0 := cpuTime()
		t0 := time.Now()
		r, err := scanning.DecodeBytes(context.Background(), data, scanning.DecodeOptions{})
		walls = append(walls, time.Since(t0))
		cpus = append(cpus, cpuTime()-c0)
		// The manifest and ZXingReader write ASCII 29 as <GS>.
		text := strings.ReplaceAll(r.Text, "\x1d", "<GS>")
		out = outcome{format: r.Format, text: text, unsupported: errors.Is(err, scanning.ErrUnsupportedSymbology)}
		if err != nil {
			out.err = err.Error()
		}
	}
	out.t = sample{wall: median(walls), cpu: median(cpus)}
	return out
}

// cpuTime is the CPU time of this process so far (user + system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type zxingRunner struct {
	bin, formats string
	reps, batch  int
	base         sample // one run on a blank image: start-up cost
}

func newZXingRunner(bin, formats string, reps, batch int) (*zxingRunner, error) {
	path, err := exec.LookPath(bin)
	if err != nil {
		return nil, fmt.Errorf("%s not found (apt-get install zxing-cpp-tools, or -zxing \"\"): %w", bin, err)
	}
	z := &zxingRunner{bin: path, formats: formats, reps: reps, batch: batch}
	blank, err := os.CreateTemp("", "decodecmp-*.png")
	if err != nil {
		return nil, err
	}
	defer os.Remove(blank.Name())
	img := image.NewGray(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	if err := png.Encode(blank, img); err != nil {
		return nil, err
	}
	blank.Close()
	var walls, cpus []time.Duration
	for i := 0; i < 5*max(1, reps); i++ {
		_, s, err := z.run(blank.Name(), 1)
		if err != nil {
			return nil, err
		}
		walls = append(walls, s.wall)
		cpus = append(cpus, s.cpu)
	}
	z.base = sample{wall: median(walls), cpu: median(cpus)}
	return z, nil
}

func (z *zxingRunner) run(file string, copies int) (string, sample, error) {
	args := []string{"-1", "-format", z.formats}
	for i := 0; i < copies; i++ {
		args = append(args, file)
	}
	cmd := exec.Command(z.bin, args...)
	var out bytes.Buffer
	cmd.Stdout = &out
	t0 := time.Now()
	err := cmd.Run()
	wall := time.Since(t0)
	if err != nil {
		return "", sample{}, fmt.Errorf("%s %s: %w", z.bin, file, err)
	}
	ps := cmd.ProcessState
	return out.String(), sample{wall: wall, cpu: ps.UserTime() + ps.SystemTime()}, nil
}

// zxingFormats maps ZXingReader's format names to gozxing's.
var zxingFormats = map[string]string{
	"DataMatrix": "DATA_MATRIX", "QRCode": "QR_CODE", "Code128": "CODE_128", "EAN-13": "EAN_13",
	"UPC-A": "UPC_A", "ITF": "ITF", "PDF417": "PDF_417", "EAN-8": "EAN_8", "UPC-E": "UPC_E",
	"Code39": "CODE_39", "Code93": "CODE_93", "Codabar": "CODABAR", "Aztec": "AZTEC",
	"DataBar": "RSS_14", "DataBarExpanded": "RSS_EXPANDED", "MaxiCode": "MAXICODE", "MicroQRCode": "MICRO_QR_CODE",
}

func (z *zxingRunner) decode(file string) outcome {
	var out outcome
	var walls, cpus []time.Duration
	for i := 0; i < max(1, z.reps); i++ {
		stdout, s, err := z.run(file, z.batch)
		if err != nil {
			return outcome{err: err.Error()}
		}
		n := time.Duration(z.batch)
		walls = append(walls, max(0, s.wall-z.base.wall)/n)
		cpus = append(cpus, max(0, s.cpu-z.base.cpu)/n)
		out = parseZXing(file, stdout)
	}
	out.t = sample{wall: median(walls), cpu: median(cpus)}
	return out
}

// parseZXing reads the first result of `ZXingReader -1`: `FILE FORMAT "TEXT"`
// with control characters escaped as <GS> and the like, or `FILE None`.
func parseZXing(file, stdout string) outcome {
	line, _, _ := strings.Cut(stdout, "\n")
	rest, ok := strings.CutPrefix(line, file+" ")
	if !ok {
		return outcome{err: "unexpected output: " + line}
	}
	format, text, _ := strings.Cut(rest, " ")
	if format == "None" || format == "" {
		return outcome{}
	}
	text = strings.TrimSuffix(strings.TrimPrefix(text, `"`), `"`)
	name := zxingFormats[format]
	if name == "" {
		name = format
	}
	return outcome{format: name, text: text}
}

func readManifest(path string) (map[string]expectation, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	dir := filepath.Dir(path)
	m := map[string]expectation{}
	var files []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		c := strings.Split(line, "\t")
		if len(c) != 4 {
			return nil, nil, fmt.Errorf("%s: bad line %q", path, line)
		}
		file := filepath.Join(dir, c[0])
		abs, _ := filepath.Abs(file)
		// Expected text keeps the <GS> notation, which is also how
		// ZXingReader escapes ASCII 29; ours is converted when compared.
		m[abs] = expectation{format: c[1], text: c[2], outcome: c[3]}
		files = append(files, file)
	}
	return m, files, sc.Err()
}

func imagesIn(arg string) ([]string, error) {
	st, err := os.Stat(arg)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []string{arg}, nil
	}
	var out []string
	err = filepath.WalkDir(arg, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".png", ".jpg", ".jpeg", ".gif":
			out = append(out, p)
		}
		return nil
	})
	return out, err
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "decodecmp:", err)
	os.Exit(1)
}
