package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

type decodeResult struct {
	Source  string         `json:"source"`
	Note    string         `json:"note"`
	Formats []decodeFormat `json:"formats"`
	Output  string         `json:"output"`
}

// decodeFormat is one row of bench/decode-compare.sh's table: a corpus's
// format ("photos:PDF_417"), its frames without a barcode ("photos:NONE"),
// its symbols together ("photos:symbols"), the corpus ("photos:all") or
// everything ("all"). Times are wall times; per image the median of the
// repetitions, summed in the totals.
type decodeFormat struct {
	Format       string  `json:"format"`
	Images       int     `json:"images"`
	GoRead       int     `json:"go_read"`
	GoWrong      int     `json:"go_wrong"`
	GoEmpty      int     `json:"go_reads_on_empty_frames"`
	ZXingRead    int     `json:"zxing_read"`
	ZXingWrong   int     `json:"zxing_wrong"`
	ZXingEmpty   int     `json:"zxing_reads_on_empty_frames"`
	GoTotalMs    float64 `json:"go_total_ms"`
	ZXingTotalMs float64 `json:"zxing_total_ms"`
	GoMs         float64 `json:"go_ms_per_image"`
	ZXingMs      float64 `json:"zxing_ms_per_image"`
	Ratio        float64 `json:"go_over_zxing_time"`
	CPURatio     float64 `json:"go_over_zxing_cpu"`
}

// decode runs the scanning package's comparison with zxing-cpp
// (bench/decode-compare.sh) on the committed fixtures and camera frames
// (scanning/testdata/images and photos) and keeps its table.
func (b *bench) decode(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	tmp, err := os.CreateTemp("", "emar-bench-decode-*.json")
	if err != nil {
		return err
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	script := filepath.Join(b.cfg.repo, "bench", "decode-compare.sh")
	cmd := exec.CommandContext(ctx, script, "-json", tmp.Name())
	cmd.Dir = b.cfg.repo
	out, err := cmd.CombinedOutput()
	r := &decodeResult{Source: "bench/decode-compare.sh: scanning.Decode vs zxing-cpp on scanning/testdata/images and photos", Output: string(out)}
	b.rep.Decode = r
	if err != nil {
		return fmt.Errorf("%s: %v\n%s", script, err, out)
	}
	data, err := os.ReadFile(tmp.Name())
	if err != nil {
		return err
	}
	var res struct {
		ZXingTiming string `json:"zxing_timing"`
		Rows        []struct {
			Group      string  `json:"group"`
			Images     int     `json:"images"`
			OursRead   int     `json:"ours_read"`
			OursWrong  int     `json:"ours_wrong"`
			OursEmpty  int     `json:"ours_reads_on_empty_frames"`
			ZXingRead  int     `json:"zxing_read"`
			ZXingWrong int     `json:"zxing_wrong"`
			ZXingEmpty int     `json:"zxing_reads_on_empty_frames"`
			OursMs     float64 `json:"ours_total_ms"`
			ZXingMs    float64 `json:"zxing_total_ms"`
			OursPerImg float64 `json:"ours_ms_per_image"`
			ZXPerImg   float64 `json:"zxing_ms_per_image"`
			Ratio      float64 `json:"ours_over_zxing_time"`
			CPURatio   float64 `json:"ours_over_zxing_cpu"`
		} `json:"rows"`
	}
	if err := json.Unmarshal(data, &res); err != nil {
		return fmt.Errorf("%s -json: %v", script, err)
	}
	for _, x := range res.Rows {
		r.Formats = append(r.Formats, decodeFormat{
			Format: x.Group, Images: x.Images,
			GoRead: x.OursRead, GoWrong: x.OursWrong, GoEmpty: x.OursEmpty,
			ZXingRead: x.ZXingRead, ZXingWrong: x.ZXingWrong, ZXingEmpty: x.ZXingEmpty,
			GoTotalMs: x.OursMs, ZXingTotalMs: x.ZXingMs, GoMs: x.OursPerImg, ZXingMs: x.ZXPerImg,
			Ratio: x.Ratio, CPURatio: x.CPURatio,
		})
	}
	if res.ZXingTiming != "" {
		r.Note = "zxing-cpp timed as: " + res.ZXingTiming
	}
	if len(r.Formats) == 0 {
		return fmt.Errorf("no rows in the table of %s:\n%s", script, out)
	}
	return nil
}
