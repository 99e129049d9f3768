package main

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/emar-project/emar/mar/demo"
)

// cmdBarcodes writes the demo barcode sheet as PNG files, with an index of
// what each one is and the text a keyboard scanner types for it, for
// printing or for a scanner test bench.
func cmdBarcodes(_ context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newFlags("barcodes", getenv, stderr)
	out := f.String("out", "", "directory to write the PNG files and index.tsv into")
	if err := f.parse(args); err != nil {
		return err
	}
	if *out == "" {
		return usageError("usage: emar barcodes --out DIR")
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	var index bytes.Buffer
	index.WriteString("file\tformat\tlabel\ttyped ({GS} = ASCII 29)\tnote\n")
	written := map[string]bool{}
	for _, b := range demo.BuildSheet(time.Now()).Files() {
		if written[b.File] {
			continue
		}
		written[b.File] = true
		img, err := b.Image()
		if err != nil {
			return fmt.Errorf("%s: %w", b.File, err)
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(*out, b.File), buf.Bytes(), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(&index, "%s\t%s\t%s\t%s\t%s\n", b.File, b.Format, b.Label, b.TypedShown(), strings.ReplaceAll(b.Note, "\t", " "))
	}
	if err := os.WriteFile(filepath.Join(*out, "index.tsv"), index.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %d barcodes and index.tsv to %s\n", len(written), *out)
	return nil
}
