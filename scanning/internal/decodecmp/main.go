//go:build unix

// Command decodecmp compares scanning.Decode with zxing-cpp on the same
// images and prints, per corpus and format: images, reads and wrong reads
// of each decoder (a read of a frame without a barcode is wrong), the
// total and per-image time of each and their ratio. Frames without a
// barcode have their own row (NONE), apart from the symbols.
//
// Expected results come from manifests in the format of
// scanning/testdata/images/manifest.tsv (file, format, expected text with
// <GS> for ASCII 29, outcome read|none|unsupported); by default the
// fixtures (testdata/images) and the camera frames (testdata/photos). Each
// manifest is a corpus named by its directory. Images given as arguments
// that no manifest lists are counted under "?" and compared between the
// two decoders only.
//
// Times: ours is measured in process around DecodeBytes (wall and process
// CPU time). zxing-cpp is measured in process too when its Python binding
// is at hand (Debian python3-zxing-cpp; -python): one long-lived Python
// process loads each file with PIL and calls read_barcode, timed with
// perf_counter and thread CPU time, so no start-up counts. Without it,
// ZXingReader is run per image, given the image -batch times, the cost of
// one run on a blank 8x8 image subtracted and the rest divided by -batch
// (less exact: start-up varies by more than a small decode costs). Both
// decoders are warmed up on the first image. Each measurement is repeated
// -reps times; per image the median counts, and totals sum those.
//
// Usage (see bench/decode-compare.sh):
//
//	go run ./scanning/internal/decodecmp [-manifest A,B] [-python PY] [-zxing PATH] [-reps N] [-json FILE] [-v] [images or dirs...]
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"io"
	"math"
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
	corpus, format, text, outcome string
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
	manifest := flag.String("manifest", "scanning/testdata/images/manifest.tsv,scanning/testdata/photos/manifest.tsv", "comma-separated manifests of expected results (\"\" for none); each is a corpus named by its directory")
	zxing := flag.String("zxing", "ZXingReader", "ZXingReader binary (\"\" to skip zxing-cpp)")
	python := flag.String("python", "auto", "Python with zxing-cpp's binding (python3-zxing-cpp): zxing-cpp is timed in one process instead of ZXingReader (\"auto\": python3 or /usr/bin/python3 if they have it; \"\": use ZXingReader)")
	formats := flag.String("formats", "DataMatrix,QRCode,Code128,EAN-13,UPC-A,ITF,PDF417", "formats ZXingReader may report (those scanning reads, and PDF417)")
	reps := flag.Int("reps", 3, "measurements per image; the median counts")
	batch := flag.Int("batch", 10, "copies of an image per ZXingReader run, to amortise its start-up")
	jsonOut := flag.String("json", "", "also write the table as JSON to this file")
	verbose := flag.Bool("v", false, "print one line per image")
	flag.Parse()

	expect := map[string]expectation{}
	var files []string
	if *manifest != "" {
		for _, m := range strings.Split(*manifest, ",") {
			exp, fs, err := readManifest(m)
			if err != nil {
				fatal(err)
			}
			for k, v := range exp {
				expect[k] = v
			}
			files = append(files, fs...)
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

	var zx reference
	if *zxing != "" && *python != "" {
		candidates := []string{*python}
		if *python == "auto" {
			candidates = []string{"python3", "/usr/bin/python3"}
		}
		for _, py := range candidates {
			if p, err := newPyRunner(py, *formats, *reps); err == nil {
				defer p.close()
				zx = p
				break
			} else if *python != "auto" {
				fatal(err)
			}
		}
	}
	if *zxing != "" && zx == nil {
		r, err := newZXingRunner(*zxing, *formats, *reps, max(1, *batch))
		if err != nil {
			fatal(err)
		}
		zx = r
	}

	// Warm up both (lazy initialisation, caches) on the first image.
	decodeOurs(files[0], 1)
	if zx != nil {
		zx.decode(files[0])
	}

	groups := map[string]*Row{}
	var order []string
	add := func(key string, r imageResult) {
		a := groups[key]
		if a == nil {
			a = &Row{Group: key}
			groups[key] = a
			order = append(order, key)
		}
		a.add(r, zx != nil)
	}
	for _, f := range files {
		abs, _ := filepath.Abs(f)
		exp, known := expect[abs]
		r := imageResult{file: f, exp: exp, known: known}
		r.ours = decodeOurs(f, *reps)
		if zx != nil {
			r.theirs = zx.decode(f)
		}
		r.oursOK, r.oursWrong = judge(exp, known, r.ours)
		r.thOK, r.thWrong = judge(exp, known, r.theirs)
		if *verbose {
			fmt.Printf("%-60s ours %-11s %-6s %8.2fms", f, or(r.ours.format, "-"), verdict(r.oursOK, r.oursWrong, known), ms(r.ours.t.wall))
			if zx != nil {
				fmt.Printf("   zxing %-11s %-6s %8.2fms", or(r.theirs.format, "-"), verdict(r.thOK, r.thWrong, known), ms(r.theirs.t.wall))
			}
			fmt.Println()
		}
		corpus := r.exp.corpus
		format := "?"
		if r.known {
			format = r.exp.format
			if r.exp.outcome == "none" {
				format = "NONE"
			}
		} else {
			corpus = filepath.Base(filepath.Dir(f))
		}
		add(corpus+":"+format, r)
		if format != "NONE" {
			add(corpus+":symbols", r)
		}
		add(corpus+":all", r)
		add("all", r)
	}
	// Per corpus in the order met; within it the formats, then the empty
	// frames, the symbols together and everything.
	rank := func(k string) string {
		corpus, format, ok := strings.Cut(k, ":")
		if !ok {
			return "\xff"
		}
		pos := 0
		for i, o := range order {
			if strings.HasPrefix(o, corpus+":") {
				pos = i
				break
			}
		}
		switch format {
		case "NONE":
			format = "\xfd"
		case "symbols":
			format = "\xfe"
		case "all":
			format = "\xff"
		}
		return fmt.Sprintf("%05d %s", pos, format)
	}
	sort.SliceStable(order, func(i, j int) bool { return rank(order[i]) < rank(order[j]) })

	res := Result{ZXing: zx != nil, Reps: *reps}
	for _, k := range order {
		res.Rows = append(res.Rows, groups[k].finish())
	}
	if zx != nil {
		res.ZXingMethod = zx.method()
	}
	printTable(os.Stdout, res)
	if *jsonOut != "" {
		data, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			fatal(err)
		}
		if err := os.WriteFile(*jsonOut, append(data, '\n'), 0o644); err != nil {
			fatal(err)
		}
	}
}

type imageResult struct {
	file              string
	exp               expectation
	known             bool
	ours, theirs      outcome
	oursOK, oursWrong bool
	thOK, thWrong     bool
}

// Row is one line of the table: a corpus's format ("photos:PDF_417"), its
// frames without a barcode ("photos:NONE"), all its symbols
// ("photos:symbols"), the whole corpus ("photos:all") or everything
// ("all"). Times are per image the median of -reps measurements, summed
// (total) or averaged (per image).
type Row struct {
	Group       string  `json:"group"`
	Images      int     `json:"images"`
	OursRead    int     `json:"ours_read"`
	OursWrong   int     `json:"ours_wrong"`
	OursEmpty   int     `json:"ours_reads_on_empty_frames"`
	ZXingRead   int     `json:"zxing_read"`
	ZXingWrong  int     `json:"zxing_wrong"`
	ZXingEmpty  int     `json:"zxing_reads_on_empty_frames"`
	OursMs      float64 `json:"ours_total_ms"`
	ZXingMs     float64 `json:"zxing_total_ms"`
	OursCPUMs   float64 `json:"ours_total_cpu_ms"`
	ZXingCPUMs  float64 `json:"zxing_total_cpu_ms"`
	OursPerImg  float64 `json:"ours_ms_per_image"`
	ZXingPerImg float64 `json:"zxing_ms_per_image"`
	Ratio       float64 `json:"ours_over_zxing_time"`
	CPURatio    float64 `json:"ours_over_zxing_cpu"`

	oursWall, oursCPU, thWall, thCPU time.Duration
}

// Result is the whole comparison (-json).
type Result struct {
	ZXing       bool   `json:"zxing"`
	ZXingMethod string `json:"zxing_timing,omitempty"`
	Reps        int    `json:"reps"`
	Rows        []Row  `json:"rows"`
}

func (a *Row) add(r imageResult, haveZX bool) {
	a.Images++
	empty := r.known && r.exp.outcome == "none"
	if r.oursOK {
		a.OursRead++
	}
	if r.oursWrong {
		a.OursWrong++
		if empty {
			a.OursEmpty++
		}
	}
	a.oursWall += r.ours.t.wall
	a.oursCPU += r.ours.t.cpu
	if haveZX {
		if r.thOK {
			a.ZXingRead++
		}
		if r.thWrong {
			a.ZXingWrong++
			if empty {
				a.ZXingEmpty++
			}
		}
		a.thWall += r.theirs.t.wall
		a.thCPU += r.theirs.t.cpu
	}
}

func (a *Row) finish() Row {
	r := *a
	r.OursMs, r.OursCPUMs = round2(ms(a.oursWall)), round2(ms(a.oursCPU))
	r.ZXingMs, r.ZXingCPUMs = round2(ms(a.thWall)), round2(ms(a.thCPU))
	if r.Images > 0 {
		r.OursPerImg = round2(ms(a.oursWall) / float64(r.Images))
		r.ZXingPerImg = round2(ms(a.thWall) / float64(r.Images))
	}
	if a.thWall > 0 {
		r.Ratio = round2(float64(a.oursWall) / float64(a.thWall))
	}
	if a.thCPU > 0 {
		r.CPURatio = round2(float64(a.oursCPU) / float64(a.thCPU))
	}
	return r
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

func printTable(out io.Writer, res Result) {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "group\timages\tours read\tours wrong\tzxing read\tzxing wrong\tours total ms\tzxing total ms\tours ms/img\tzxing ms/img\tours/zxing\tcpu ours/zxing\t")
	for _, r := range res.Rows {
		if !res.ZXing {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t-\t-\t%.1f\t-\t%.2f\t-\t-\t-\t\n", r.Group, r.Images, r.OursRead, r.OursWrong, r.OursMs, r.OursPerImg)
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%.1f\t%.1f\t%.2f\t%.2f\t%.2f\t%.2f\t\n", r.Group, r.Images, r.OursRead, r.OursWrong, r.ZXingRead, r.ZXingWrong,
			r.OursMs, r.ZXingMs, r.OursPerImg, r.ZXingPerImg, r.Ratio, r.CPURatio)
	}
	tw.Flush()
	fmt.Fprintln(out, "times: wall, per image the median of the repetitions; total = their sum; ours/zxing compares the totals (cpu: the same for CPU time). NONE: frames with no barcode.")
	fmt.Fprintln(out, "read: correct text, or the expected \"no barcode\" / \"unsupported\" answer; wrong: a different text, or a read where there is no barcode.")
	if res.ZXing {
		fmt.Fprintf(out, "zxing-cpp timed as: %s.\n", res.ZXingMethod)
	}
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

func (z *zxingRunner) method() string {
	return fmt.Sprintf("ZXingReader, a process per image given %d copies of it, the median start-up of a run on a blank 8x8 image (%.2f ms wall, %.2f ms CPU) subtracted, divided by %d", z.batch, ms(z.base.wall), ms(z.base.cpu), z.batch)
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
		m[abs] = expectation{corpus: filepath.Base(dir), format: c[1], text: c[2], outcome: c[3]}
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
