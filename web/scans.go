package web

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/scanning"
)

// Limits of the image decode fallback (the handheld scanner normally sends
// text; a camera frame is the exception).
const (
	decodeMaxBytes  = 10 << 20   // 10 MB upload
	decodeMaxPixels = 20_000_000 // 20 MP
	decodeTimeout   = 5 * time.Second
	decodeQueueWait = 2 * time.Second // how long a request waits for a free decoder
)

// decoder bounds concurrent image decoding to the number of CPUs: decoding
// is CPU-bound, and more at once only makes every request slower.
type decoder struct {
	slots chan struct{}
	wait  time.Duration
}

func newDecoder() *decoder {
	return &decoder{slots: make(chan struct{}, runtime.NumCPU()), wait: decodeQueueWait}
}

var errDecoderBusy = &mar.Error{Code: mar.EUnavailable, Reason: "decoder_busy", Message: "every barcode decoder is busy; retry in a moment"}

// decode reads one barcode from image bytes within the limits.
func (d *decoder) decode(ctx context.Context, data []byte, popts scanning.ParseOptions) (scanning.Result, error) {
	t := time.NewTimer(d.wait)
	defer t.Stop()
	select {
	case d.slots <- struct{}{}:
	case <-t.C:
		return scanning.Result{}, errDecoderBusy
	case <-ctx.Done():
		return scanning.Result{}, ctx.Err()
	}
	defer func() { <-d.slots }()
	ctx, cancel := context.WithTimeout(ctx, decodeTimeout)
	defer cancel()
	return scanning.DecodeBytes(ctx, data, scanning.DecodeOptions{MaxBytes: decodeMaxBytes, MaxPixels: decodeMaxPixels, Parse: popts, Timeout: decodeTimeout})
}

// decodeError maps a decode failure onto the API's errors.
func decodeError(err error) *mar.Error {
	var me *mar.Error
	switch {
	case errors.As(err, &me):
		return me
	case errors.Is(err, scanning.ErrTooLarge):
		return &mar.Error{Code: mar.ETooLarge, Reason: "image_too_large", Message: fmt.Sprintf("the image is larger than %d MB or %d megapixels", decodeMaxBytes>>20, decodeMaxPixels/1_000_000), Err: err}
	case errors.Is(err, context.DeadlineExceeded):
		return &mar.Error{Code: mar.EUnavailable, Reason: "decode_timeout", Message: "decoding the image took too long; take a closer, sharper picture of the barcode", Err: err}
	case errors.Is(err, context.Canceled):
		return &mar.Error{Code: mar.EUnavailable, Reason: "decode_cancelled", Message: "the request was cancelled", Err: err}
	default:
		return &mar.Error{Code: mar.ERefused, Reason: mar.ReasonBarcodeUnreadable, Message: "no readable barcode in the image: " + err.Error(), Err: err}
	}
}

// parseOptions are the scan-parsing options of the caller's facility (its
// wristband and badge formats and GS substitutes), with the service's clock
// for the GS1 century rule. Settings that cannot be read fall back to the
// service's default with a warning; the request's next store access fails
// the same way if the database is down.
func (s *Server) parseOptions(c *gin.Context) scanning.ParseOptions {
	id, _ := identity(c)
	o, err := s.svc.ScanOptions(c.Request.Context(), id.User.FacilityID)
	if err != nil {
		s.log.Warn("scan settings unavailable, using the default formats", "facility", id.User.FacilityID, "err", err)
		o, _ = s.svc.ScanOptions(c.Request.Context(), "")
	}
	return o
}

// What a bedside scan step expects: scanner text without a symbology
// identifier is tried as a wristband first at the wristband step, as a
// product first at the medication step.
const (
	stepWristband  = scanning.KindWristband
	stepMedication = scanning.KindGS1
)

// parseOptionsFor are the parse options of a scan step.
func (s *Server) parseOptionsFor(c *gin.Context, step scanning.Kind) scanning.ParseOptions {
	o := s.parseOptions(c)
	o.Expect = step
	return o
}

// parseScan parses scanner text for a bedside scan step.
func (s *Server) parseScan(c *gin.Context, text string, step scanning.Kind) *mar.ScanInput {
	code, err := scanning.Parse(text, s.parseOptionsFor(c, step))
	in := &mar.ScanInput{Text: text, Err: err}
	if err == nil {
		in.Code = &code
	}
	return in
}

// readImage reads the multipart field "image" within the byte limit.
func readImage(c *gin.Context) ([]byte, error) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, decodeMaxBytes+1<<20)
	fh, err := c.FormFile("image")
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &mar.Error{Code: mar.ETooLarge, Reason: "image_too_large", Message: fmt.Sprintf("the upload is larger than %d MB", decodeMaxBytes>>20)}
		}
		return nil, mar.Invalid("image", "send the picture as the multipart field \"image\"")
	}
	if fh.Size > decodeMaxBytes {
		return nil, &mar.Error{Code: mar.ETooLarge, Reason: "image_too_large", Message: fmt.Sprintf("the image is larger than %d MB", decodeMaxBytes>>20)}
	}
	f, err := fh.Open()
	if err != nil {
		return nil, fmt.Errorf("open upload: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, decodeMaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read upload: %w", err)
	}
	if len(data) > decodeMaxBytes {
		return nil, &mar.Error{Code: mar.ETooLarge, Reason: "image_too_large", Message: fmt.Sprintf("the image is larger than %d MB", decodeMaxBytes>>20)}
	}
	return data, nil
}

func isMultipart(c *gin.Context) bool {
	return strings.HasPrefix(c.ContentType(), "multipart/form-data")
}

// imageDigest identifies an upload for idempotency: the same picture sent
// again in a new multipart envelope is the same request.
func imageDigest(data []byte) []byte {
	sum := sha256.Sum256(data)
	return append([]byte("image:"), sum[:]...)
}

type parseRequest struct {
	Text string `json:"text"`
}

// scanParse parses scanner text into a typed code.
func (s *Server) scanParse(c *gin.Context) {
	var req parseRequest
	if _, err := readJSON(c, &req); err != nil {
		s.respondError(c, err)
		return
	}
	code, err := scanning.Parse(req.Text, s.parseOptions(c))
	rep := scanning.ReportFromParse(req.Text, code, err)
	if err != nil {
		s.respondError(c, &mar.Error{Code: mar.ERefused, Reason: mar.ReasonBarcodeUnreadable, Message: err.Error(), Details: map[string]any{"report": rep}})
		return
	}
	c.JSON(http.StatusOK, rep)
}

// scanDecode reads a barcode from an uploaded picture.
func (s *Server) scanDecode(c *gin.Context) {
	data, err := readImage(c)
	if err != nil {
		s.respondError(c, err)
		return
	}
	name := ""
	if fh, err := c.FormFile("image"); err == nil {
		name = fh.Filename
	}
	res, err := s.decoder.decode(c.Request.Context(), data, s.parseOptions(c))
	if err != nil {
		me := decodeError(err)
		if me.Code == mar.ERefused {
			me.Details = map[string]any{"report": scanning.NewReport(name, res, err)}
		}
		if me.Code == mar.EUnavailable {
			c.Header("Retry-After", "1")
		}
		s.respondError(c, me)
		return
	}
	c.JSON(http.StatusOK, scanning.NewReport(name, res, nil))
}
