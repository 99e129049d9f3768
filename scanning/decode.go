package scanning

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // register decoders for DecodeBytes
	_ "image/jpeg"
	_ "image/png"
	"time"
)

// Limits applied when DecodeOptions leaves them zero.
const (
	// DefaultMaxBytes bounds an uploaded image: a 12-megapixel phone JPEG is
	// 3–8 MB.
	DefaultMaxBytes = 20 << 20
	// DefaultMaxPixels bounds the decoded image, checked from the header
	// before decoding (the pixel buffer is up to 8 bytes per pixel).
	DefaultMaxPixels = 30_000_000
)

// workMaxDim is the longest side decoded at full detail. Larger frames are
// box-filtered down first: the symbol still has enough pixels per module,
// and binarisation cost grows with the area.
const workMaxDim = 2048

// ErrBadImage: the bytes are not a PNG, JPEG or GIF image this package can
// decode.
var ErrBadImage = errors.New("not a decodable PNG, JPEG or GIF image")

// DecodeOptions bound and configure image decoding.
type DecodeOptions struct {
	// MaxBytes is the largest encoded image DecodeBytes accepts
	// (0: DefaultMaxBytes).
	MaxBytes int64
	// MaxPixels is the largest width×height accepted (0: DefaultMaxPixels).
	MaxPixels int
	// Parse configures how decoded text is interpreted. Decoded text always
	// carries its separators, so TrustSeparators is set for it.
	Parse ParseOptions
	// Timeout, when positive, bounds one decode in addition to the context.
	Timeout time.Duration
	// Budget bounds the time the search spends on one image: once spent,
	// no further attempt starts and the image is answered ErrNoBarcode
	// (unlike Timeout, which answers the context's error). 0 means
	// DefaultBudget; negative, no budget.
	Budget time.Duration
}

// DefaultBudget is the search budget of one image when DecodeOptions
// leaves it zero: a frame that reads at all reads well within it, and a
// pathological one (dense print everywhere, every fallback running on
// every crop) cannot hold a camera stream or an upload for seconds.
const DefaultBudget = 2 * time.Second

// Result is one decoded symbol.
type Result struct {
	// Format is gozxing's name of the symbology: "DATA_MATRIX", "CODE_128",
	// "QR_CODE", "EAN_13", "UPC_A", "ITF" or "PDF_417".
	Format string
	// Text is the data with group separators as ASCII 29, without
	// symbology identifier or the leading FNC1 of GS1 symbols.
	Text string
	// Symbology is the AIM symbology identifier ("]d2", "]C1", …).
	Symbology string
	// Code is Text parsed with DecodeOptions.Parse; nil when ParseErr is set.
	Code     *Code
	ParseErr error
}

// Decode finds and reads one barcode in an image. It returns ErrNoBarcode
// when nothing is found, and ErrUnsupportedSymbology for a PDF417 symbol
// it sees but cannot read.
func Decode(img image.Image, opts DecodeOptions) (Result, error) {
	return DecodeContext(context.Background(), img, opts)
}

// DecodeBytes decodes a PNG, JPEG or GIF image and reads one barcode in it.
// Size limits are enforced before the pixels are decoded: the byte count
// first, then width×height from the image header. The context's deadline
// bounds the work.
func DecodeBytes(ctx context.Context, data []byte, opts DecodeOptions) (Result, error) {
	maxBytes := opts.MaxBytes
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	if int64(len(data)) > maxBytes {
		return Result{}, fmt.Errorf("scanning: %w: %d bytes, limit %d", ErrTooLarge, len(data), maxBytes)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return Result{}, fmt.Errorf("scanning: %w: %v", ErrBadImage, err)
	}
	if err := checkPixels(cfg.Width, cfg.Height, opts.MaxPixels); err != nil {
		return Result{}, err
	}
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return Result{}, fmt.Errorf("scanning: %w: %v", ErrBadImage, err)
	}
	return DecodeContext(ctx, img, opts)
}

func checkPixels(w, h, limit int) error {
	if limit <= 0 {
		limit = DefaultMaxPixels
	}
	if w <= 0 || h <= 0 {
		return fmt.Errorf("scanning: %w: %dx%d pixels", ErrBadImage, w, h)
	}
	if int64(w)*int64(h) > int64(limit) {
		return fmt.Errorf("scanning: %w: %dx%d pixels, limit %d", ErrTooLarge, w, h, limit)
	}
	return nil
}

// DecodeContext is Decode bounded by a context: the search stops between
// attempts once ctx is done and returns ctx's error.
func DecodeContext(ctx context.Context, img image.Image, opts DecodeOptions) (Result, error) {
	b := img.Bounds()
	if err := checkPixels(b.Dx(), b.Dy(), opts.MaxPixels); err != nil {
		return Result{}, err
	}
	if opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Timeout)
		defer cancel()
	}
	d := &decoder{ctx: ctx, tally: newTally(), rowReaders: newRowReaders()}
	switch {
	case opts.Budget == 0:
		d.deadline = time.Now().Add(DefaultBudget)
	case opts.Budget > 0:
		d.deadline = time.Now().Add(opts.Budget)
	}
	r, found, err := d.run(toLuminance(img))
	if err != nil {
		return Result{}, err
	}
	if !found {
		return Result{}, d.notFound()
	}
	return newResult(r, opts.Parse), nil
}

func newResult(r read, popts ParseOptions) Result {
	res := Result{Format: r.format.String(), Text: r.text, Symbology: r.sym}
	popts.TrustSeparators = true
	c, err := Parse(r.sym+r.text, popts)
	if err != nil {
		res.ParseErr = err
	} else {
		res.Code = &c
	}
	return res
}

// decoder is the state of one Decode call.
type decoder struct {
	ctx        context.Context
	tally      *tally
	rowReaders []rowReader
	panicErr   error
	pdf417     bool
	pdfProbe   map[float64]float64 // pdf417Probe's module width by angle probed
	runs       []int               // scratch for plausibleRow
	deadline   time.Time           // end of the search budget; zero: none
	// trace, when set by a test, learns which step succeeded; attempt,
	// which steps ran.
	trace   func(label string)
	attempt func(label string)
}

func (d *decoder) expired() bool { return d.ctx.Err() != nil || d.overBudget() }

// overBudget reports whether the search budget is spent.
func (d *decoder) overBudget() bool {
	return !d.deadline.IsZero() && time.Now().After(d.deadline)
}

func (d *decoder) notePanic(err error) {
	if _, ok := err.(*readerPanic); ok && d.panicErr == nil {
		d.panicErr = err
	}
}

func (d *decoder) notFound() error {
	switch {
	case d.pdf417:
		return fmt.Errorf("scanning: %w: the image shows a PDF417 symbol that could not be read (damaged beyond its error correction, or distorted); use a hardware scanner", ErrUnsupportedSymbology)
	case d.panicErr != nil:
		return fmt.Errorf("scanning: %w (a reader failed: %v)", ErrNoBarcode, d.panicErr)
	}
	return fmt.Errorf("scanning: %w", ErrNoBarcode)
}
