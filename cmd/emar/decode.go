package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/emar-project/emar/scanning"
)

// cmdDecode reads barcodes from image files: one line per file, plain or
// JSON. The exit status is non-zero when any file yielded no code.
func cmdDecode(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newFlags("decode", getenv, stderr)
	asJSON := f.Bool("json", false, "print one JSON object per file")
	timeout := f.Duration("timeout", 5*time.Second, "time allowed per image")
	if err := f.Parse(args); err != nil {
		return &exitError{code: 2}
	}
	if f.NArg() == 0 {
		return usageError("usage: emar decode [--json] FILE...")
	}
	opts := scanning.DecodeOptions{MaxBytes: scanning.DefaultMaxBytes, MaxPixels: scanning.DefaultMaxPixels, Parse: scanning.DefaultParseOptions(), Timeout: *timeout}
	failed := 0
	enc := json.NewEncoder(stdout)
	for _, file := range f.Args() {
		rep := decodeFile(ctx, file, opts)
		if rep.Error != "" {
			failed++
		}
		if *asJSON {
			if err := enc.Encode(rep); err != nil {
				return err
			}
			continue
		}
		if rep.Error != "" {
			fmt.Fprintf(stdout, "%s: error: %s\n", file, rep.Error)
			continue
		}
		fmt.Fprintf(stdout, "%s: %s %s %q\n", file, rep.Format, rep.Symbology, rep.Text)
	}
	if failed > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("%d of %d files yielded no barcode", failed, f.NArg())}
	}
	return nil
}

func decodeFile(ctx context.Context, file string, opts scanning.DecodeOptions) scanning.Report {
	data, err := os.ReadFile(file)
	if err != nil {
		return scanning.Report{File: file, Error: err.Error()}
	}
	res, err := scanning.DecodeBytes(ctx, data, opts)
	return scanning.NewReport(file, res, err)
}
