package pdf417

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/makiuchi-d/gozxing"
)

// Reader reads a PDF417 symbol from a gozxing.BinaryBitmap. It
// implements gozxing.Reader.
type Reader struct{}

// NewReader returns a PDF417 reader.
func NewReader() gozxing.Reader { return &Reader{} }

// ErrNotFound: no readable PDF417 symbol.
var ErrNotFound = errors.New("pdf417: no symbol found")

// slopes are the shears tried (tan of about 0°, ±4°, ±8°, ±12°) once a
// straight scan found start and stop patterns but could not read.
var slopes = []float64{0, 0.07, -0.07, 0.14, -0.14, 0.21, -0.21}

// orientations are tried in this order; the inverted ones (light bars on
// a dark ground) only when no other orientation showed a readable symbol.
var orientations = []orientation{
	{false, false, false}, {false, true, false}, {true, false, false}, {true, true, false},
	{false, false, true}, {false, true, true}, {true, false, true}, {true, true, true},
}

// DecodeWithoutHints reads the symbol in img.
func (r *Reader) DecodeWithoutHints(img *gozxing.BinaryBitmap) (*gozxing.Result, error) {
	return r.Decode(img, nil)
}

// Decode reads the symbol in img. Hints are not used.
func (r *Reader) Decode(img *gozxing.BinaryBitmap, _ map[gozxing.DecodeHintType]interface{}) (*gozxing.Result, error) {
	m, err := img.GetBlackMatrix()
	if err != nil {
		return nil, err
	}
	return DecodeMatrix(m)
}

// DefaultTimeout bounds DecodeMatrix (and Reader.Decode): an image,
// whatever it holds, is given up after this long. The scan checks it on
// every line, so the bound holds within a line's work.
const DefaultTimeout = 2 * time.Second

// ErrTimeout: the time allowed ran out before a symbol was read.
var ErrTimeout = errors.New("pdf417: time allowed ran out")

// Reset does nothing: the reader keeps no state.
func (r *Reader) Reset() {}

// DecodeMatrix reads a PDF417 symbol from a binarised image (true =
// dark) upright, upside down or turned by 90° either way. The result's
// metadata carry the error correction level, the symbology identifier,
// the number of corrected codewords (ResultMetadataType_OTHER: "errors
// corrected: n") and, for a Macro PDF417 segment, its *Macro
// (ResultMetadataType_PDF417_EXTRA_METADATA).
func DecodeMatrix(m *gozxing.BitMatrix) (*gozxing.Result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
	defer cancel()
	return DecodeMatrixContext(ctx, m)
}

// DecodeMatrixContext is DecodeMatrix bounded by ctx instead of
// DefaultTimeout: the scan checks ctx on every scan line and gives up
// with ErrTimeout (wrapped in a gozxing NotFoundException) once it is
// done.
func DecodeMatrixContext(ctx context.Context, m *gozxing.BitMatrix) (*gozxing.Result, error) {
	var firstErr error
	for _, o := range orientations {
		try := slopes
		// The votes of every slope tried: each line addresses cells by
		// the symbol's rows and columns, so lines of different slopes
		// vote together, and cells no single slope read enough may be
		// read by their sum.
		all := newGrid()
		for k := 0; k < len(try); k++ {
			slope := try[k]
			g, ok := scan(ctx, m, o, slope)
			if !ok {
				return nil, gozxing.WrapNotFoundException(fmt.Errorf("%w: %w", ErrTimeout, ctx.Err()))
			}
			if k == 0 {
				if g.starts == 0 {
					// Nothing of a symbol along this orientation.
					break
				}
				// Where the start pattern lies on successive lines
				// suggests the skew: that slope is tried first.
				if est, ok := g.skew(); ok && math.Abs(est) >= 0.02 && math.Abs(est) < 0.25 {
					try = append([]float64{0, est}, slopes[1:]...)
				}
			}
			if g.lines == 0 {
				continue
			}
			res, err := g.decode()
			if err != nil && all.lines > 0 {
				all.merge(g)
				res, err = all.decode()
			} else if err != nil {
				all.merge(g)
			}
			if err == nil {
				// Points along the start pattern's edge and the stop
				// pattern's end, in line coordinates (sheared lines: approximate).
				res.ResultPoints = []gozxing.ResultPoint{o.point(m, g.first[0], g.first[1]), o.point(m, g.last[0], g.last[1]), o.point(m, g.last[0], g.lastX1-1)}
				return res.toGozxing(), nil
			}
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	if firstErr != nil {
		return nil, gozxing.WrapNotFoundException(firstErr)
	}
	return nil, gozxing.WrapNotFoundException(ErrNotFound)
}

// Symbol is a decoded symbol's codewords and content.
type Symbol struct {
	Rows, Columns, Level int
	Codewords            []int // all rows×columns codewords, corrected
	Corrected            int   // codewords changed by error correction
	Erasures             int   // codewords no line could read
	*Decoded
	ResultPoints []gozxing.ResultPoint
}

func (g *grid) decode() (*Symbol, error) {
	hi, n1 := best(g.rowsHi)
	lo, n2 := best(g.rowsLo)
	level, n3 := best(g.level)
	cols, n4 := best(g.cols)
	if n1 == 0 || n2 == 0 || n3 == 0 || n4 == 0 {
		return nil, fmt.Errorf("%w: row indicators unread", ErrNotFound)
	}
	rows := 3*hi + lo + 1
	return decodeGrid(rows, cols, level, func(r, c int) (int, bool) {
		v, n := best(g.votes[[2]int{r, c}])
		return v, n > 0
	})
}

// decodeGrid corrects and decodes the codewords of a symbol of the given
// shape; cell returns the codeword read at (row, column), if any.
func decodeGrid(rows, cols, level int, cell func(r, c int) (int, bool)) (*Symbol, error) {
	if rows < 3 || rows > 90 || cols < 1 || cols > 30 || level < 0 || level > 8 {
		return nil, fmt.Errorf("%w: %d rows, %d columns, level %d", ErrFormat, rows, cols, level)
	}
	n := rows * cols
	k := 1 << (level + 1)
	if n > 928 || n <= k {
		return nil, fmt.Errorf("%w: %d codewords with %d for error correction", ErrFormat, n, k)
	}
	cw := make([]int, n)
	var erasures []int
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			v, ok := cell(r, c)
			if !ok {
				erasures = append(erasures, r*cols+c)
				continue
			}
			cw[r*cols+c] = v
		}
	}
	fixed, err := correct(cw, k, erasures)
	if err != nil {
		return nil, err
	}
	return decodeCodewords(cw, rows, cols, level, fixed, len(erasures))
}

func decodeCodewords(cw []int, rows, cols, level, fixed, erasures int) (*Symbol, error) {
	k := 1 << (level + 1)
	length := cw[0]
	if length < 1 || length > len(cw)-k {
		return nil, fmt.Errorf("%w: symbol length descriptor %d", ErrFormat, length)
	}
	d, err := decodeHighLevel(cw[1:length])
	if err != nil {
		return nil, err
	}
	return &Symbol{Rows: rows, Columns: cols, Level: level, Codewords: cw, Corrected: fixed, Erasures: erasures, Decoded: d}, nil
}

// DecodeCodewords corrects and decodes a symbol's codewords (row by row,
// rows×columns of them, the last 2^(level+1) for error correction).
func DecodeCodewords(cw []int, rows, cols, level int) (*Symbol, error) {
	if len(cw) != rows*cols {
		return nil, fmt.Errorf("%w: %d codewords for %d×%d", ErrFormat, len(cw), rows, cols)
	}
	for _, v := range cw {
		if v < 0 || v >= modulus {
			return nil, fmt.Errorf("%w: codeword %d", ErrFormat, v)
		}
	}
	return decodeGrid(rows, cols, level, func(r, c int) (int, bool) { return cw[r*cols+c], true })
}

// SymbologyIdentifier returns the AIM identifier: "]L2" (ISO/IEC 15438
// with ECI support), as zxing-cpp reports it.
func (s *Symbol) SymbologyIdentifier() string { return "]L2" }

func (s *Symbol) toGozxing() *gozxing.Result {
	res := gozxing.NewResult(s.Text, s.Bytes, s.ResultPoints, gozxing.BarcodeFormat_PDF_417)
	res.PutMetadata(gozxing.ResultMetadataType_ERROR_CORRECTION_LEVEL, fmt.Sprint(s.Level))
	res.PutMetadata(gozxing.ResultMetadataType_SYMBOLOGY_IDENTIFIER, s.SymbologyIdentifier())
	res.PutMetadata(gozxing.ResultMetadataType_OTHER, fmt.Sprintf("errors corrected: %d", s.Corrected))
	if s.Macro != nil {
		res.PutMetadata(gozxing.ResultMetadataType_PDF417_EXTRA_METADATA, s.Macro)
	}
	return res
}
