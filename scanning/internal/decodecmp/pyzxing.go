//go:build unix

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"
)

// reference is the decoder we compare with.
type reference interface {
	decode(file string) outcome
	method() string
}

// pyScript decodes with zxing-cpp's Python binding (Debian
// python3-zxing-cpp) in one long-lived process: no start-up per image.
// Each image is loaded from its file (PIL, greyscale) and decoded reps
// times; wall and thread CPU time cover load and decode, as ours covers
// DecodeBytes from the file's bytes. One JSON line per image.
const pyScript = `
import json, sys, time
import numpy, zxingcpp
from PIL import Image
names = sys.argv[2].split(",")
formats = zxingcpp.BarcodeFormats(getattr(zxingcpp.BarcodeFormat, names[0]))
for name in names[1:]:
    formats = formats | getattr(zxingcpp.BarcodeFormat, name)
reps = int(sys.argv[1])
print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    path = line.rstrip("\n")
    walls, cpus, res = [], [], None
    for _ in range(reps):
        t0, c0 = time.perf_counter_ns(), time.thread_time_ns()
        img = numpy.asarray(Image.open(path).convert("L"))
        res = zxingcpp.read_barcode(img, formats=formats)
        walls.append(time.perf_counter_ns() - t0)
        cpus.append(time.thread_time_ns() - c0)
    walls.sort(); cpus.sort()
    out = {"wall": walls[len(walls)//2], "cpu": cpus[len(cpus)//2], "format": "", "text": ""}
    if res is not None and res.valid:
        out["format"] = res.format.name
        out["text"] = res.text
    print(json.dumps(out), flush=True)
`

// pyFormats maps ZXingReader's -format names to the binding's enum names.
var pyFormats = map[string]string{
	"DataMatrix": "DataMatrix", "QRCode": "QRCode", "Code128": "Code128", "EAN-13": "EAN13",
	"UPC-A": "UPCA", "ITF": "ITF", "PDF417": "PDF417", "EAN-8": "EAN8", "UPC-E": "UPCE",
}

// pyNames maps the binding's format names to gozxing's.
var pyNames = map[string]string{
	"DataMatrix": "DATA_MATRIX", "QRCode": "QR_CODE", "Code128": "CODE_128", "EAN13": "EAN_13",
	"UPCA": "UPC_A", "ITF": "ITF", "PDF417": "PDF_417", "EAN8": "EAN_8", "UPCE": "UPC_E",
}

type pyRunner struct {
	python string
	in     io.WriteCloser
	out    *bufio.Reader
	cmd    *exec.Cmd
}

// newPyRunner starts the Python reference; it fails when the interpreter
// lacks the zxingcpp, numpy or PIL modules.
func newPyRunner(python, formats string, reps int) (*pyRunner, error) {
	var names []string
	for _, f := range strings.Split(formats, ",") {
		n, ok := pyFormats[f]
		if !ok {
			return nil, fmt.Errorf("format %q has no zxingcpp name", f)
		}
		names = append(names, n)
	}
	cmd := exec.Command(python, "-c", pyScript, fmt.Sprint(max(1, reps)), strings.Join(names, ","))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &pyRunner{python: python, in: in, out: bufio.NewReader(stdout), cmd: cmd}
	line, err := p.out.ReadString('\n')
	if err != nil || !strings.Contains(line, "ready") {
		in.Close()
		_ = cmd.Wait()
		return nil, fmt.Errorf("%s: zxingcpp (python3-zxing-cpp), numpy and PIL are needed: %s", python, strings.TrimSpace(stderr.String()))
	}
	return p, nil
}

func (p *pyRunner) method() string {
	return "zxing-cpp's Python binding (" + p.python + ", python3-zxing-cpp) in one process: per image, PIL load + read_barcode, median of the repetitions; no start-up included"
}

func (p *pyRunner) decode(file string) outcome {
	if _, err := fmt.Fprintln(p.in, file); err != nil {
		return outcome{err: err.Error()}
	}
	line, err := p.out.ReadString('\n')
	if err != nil {
		return outcome{err: err.Error()}
	}
	var r struct {
		Wall, CPU    int64
		Format, Text string
	}
	if err := json.Unmarshal([]byte(line), &r); err != nil {
		return outcome{err: err.Error()}
	}
	o := outcome{t: sample{wall: time.Duration(r.Wall), cpu: time.Duration(r.CPU)}}
	if r.Format != "" {
		o.format = pyNames[r.Format]
		if o.format == "" {
			o.format = r.Format
		}
		o.text = strings.ReplaceAll(r.Text, "\x1d", "<GS>")
	}
	return o
}

func (p *pyRunner) close() {
	p.in.Close()
	_ = p.cmd.Wait()
}
