package main

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

type decodeResult struct {
	Source  string         `json:"source"`
	Note    string         `json:"note"`
	Formats []decodeFormat `json:"formats"`
	Output  string         `json:"output"`
}

type decodeFormat struct {
	Format     string  `json:"format"`
	Images     int     `json:"images"`
	GoRead     int     `json:"go_read"`
	GoWrong    int     `json:"go_wrong"`
	ZXingRead  int     `json:"zxing_read"`
	ZXingWrong int     `json:"zxing_wrong"`
	GoMs       float64 `json:"go_ms_per_image"`
	ZXingMs    float64 `json:"zxing_ms_per_image"`
	Ratio      float64 `json:"go_over_zxing_time"`
}

// decode runs the scanning package's comparison with zxing-cpp's
// ZXingReader (bench/decode-compare.sh) on the committed fixtures and
// keeps its per-format table.
func (b *bench) decode(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	script := filepath.Join(b.cfg.repo, "bench", "decode-compare.sh")
	cmd := exec.CommandContext(ctx, script)
	cmd.Dir = b.cfg.repo
	out, err := cmd.CombinedOutput()
	r := &decodeResult{Source: "bench/decode-compare.sh: scanning.Decode vs ZXingReader, median ms per image", Output: string(out)}
	b.rep.Decode = r
	if err != nil {
		return fmt.Errorf("%s: %v\n%s", script, err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) != 9 || f[0] == "format" {
			continue
		}
		var x decodeFormat
		x.Format = f[0]
		x.Images, _ = strconv.Atoi(f[1])
		x.GoRead, _ = strconv.Atoi(f[2])
		x.GoWrong, _ = strconv.Atoi(f[3])
		x.ZXingRead, _ = strconv.Atoi(f[4])
		x.ZXingWrong, _ = strconv.Atoi(f[5])
		x.GoMs, _ = strconv.ParseFloat(strings.Split(f[6], "/")[0], 64)
		x.ZXingMs, _ = strconv.ParseFloat(strings.Split(f[7], "/")[0], 64)
		x.Ratio, _ = strconv.ParseFloat(f[8], 64)
		r.Formats = append(r.Formats, x)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "ZXingReader start-up subtracted") {
			r.Note = line
		}
	}
	if len(r.Formats) == 0 {
		return fmt.Errorf("no per-format rows in the output of %s:\n%s", script, out)
	}
	return nil
}
