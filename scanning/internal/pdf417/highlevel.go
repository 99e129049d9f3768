package pdf417

import (
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/makiuchi-d/gozxing/common"
)

// High-level decoding (ISO/IEC 15438 §5.4): the data codewords after the
// symbol length descriptor are text, byte or numeric compaction segments
// separated by mode latches, with ECIs and a Macro PDF417 control block.

// Mode and function codewords.
const (
	cwTextLatch     = 900
	cwByteLatch     = 901
	cwNumericLatch  = 902
	cwByteShift     = 913
	cwMacroOptional = 923
	cwMacroTerm     = 922
	cwByteLatch6    = 924
	cwECIUser       = 925
	cwECIGeneral    = 926
	cwECICharset    = 927
	cwMacro         = 928
)

// ErrFormat: the codewords do not follow the standard's rules.
var ErrFormat = errors.New("pdf417: invalid codeword sequence")

// Macro is the Macro PDF417 control block of one segment of a file
// spread over several symbols. Optional fields not present are zero
// (numbers -1).
type Macro struct {
	SegmentIndex int
	FileID       string
	LastSegment  bool
	FileName     string
	SegmentCount int
	TimeStamp    int64
	Sender       string
	Addressee    string
	FileSize     int64
	Checksum     int
}

// Decoded is the content of a symbol.
type Decoded struct {
	Text  string
	Bytes []byte // the data bytes before character set conversion
	ECI   bool   // an ECI codeword was present
	Macro *Macro
}

// text compaction submodes
const (
	subAlpha = iota
	subLower
	subMixed
	subPunct
)

const (
	mixedChars = "0123456789&\r\t,:#-.$/+%*=^"
	punctChars = ";<>@[\\]_`~!\r\t,:\n-.$/\"|*()?{}'"
)

// decoded builds the output: bytes under the current character set.
type decoded struct {
	out     strings.Builder
	pending []byte
	raw     []byte
	charset *common.CharacterSetECI
	eci     bool
}

func (d *decoded) byte(b byte) {
	d.pending = append(d.pending, b)
	d.raw = append(d.raw, b)
}

func (d *decoded) flush() error {
	if len(d.pending) == 0 {
		return nil
	}
	cs := d.charset
	if cs == nil {
		cs = common.CharacterSetECI_ISO8859_1
	}
	s, err := cs.GetCharset().NewDecoder().Bytes(d.pending)
	if err != nil {
		return fmt.Errorf("%w: bytes not valid in %s", ErrFormat, cs.Name())
	}
	d.out.Write(s)
	d.pending = d.pending[:0]
	return nil
}

// decodeHighLevel interprets the data codewords following the symbol
// length descriptor.
func decodeHighLevel(cw []int) (*Decoded, error) {
	d := &decoded{}
	var macro *Macro
	mode := cwTextLatch
	i := 0
	for i < len(cw) {
		c := cw[i]
		var err error
		switch {
		case c == cwTextLatch:
			i++
			mode = cwTextLatch
			i, err = textCompaction(cw, i, d)
		case c == cwByteLatch || c == cwByteLatch6:
			i, err = byteCompaction(cw, i+1, c == cwByteLatch6, d)
			mode = c
		case c == cwNumericLatch:
			i, err = numericCompaction(cw, i+1, d)
			mode = c
		case c == cwByteShift:
			if i+1 >= len(cw) || cw[i+1] > 255 {
				return nil, fmt.Errorf("%w: byte shift without a byte", ErrFormat)
			}
			d.byte(byte(cw[i+1]))
			i += 2
		case c == cwECICharset:
			if i+1 >= len(cw) || cw[i+1] >= 900 {
				return nil, fmt.Errorf("%w: ECI without its number", ErrFormat)
			}
			if err := d.flush(); err != nil {
				return nil, err
			}
			cs, e := common.GetCharacterSetECIByValue(cw[i+1])
			if e != nil || cs == nil {
				return nil, fmt.Errorf("%w: unsupported character set ECI %d", ErrFormat, cw[i+1])
			}
			d.charset, d.eci = cs, true
			i += 2
		case c == cwECIGeneral:
			// General purpose ECI 900–810899: two codewords, skipped.
			if i+2 >= len(cw) || cw[i+1] >= 900 || cw[i+2] >= 900 {
				return nil, fmt.Errorf("%w: ECI without its number", ErrFormat)
			}
			d.eci = true
			i += 3
		case c == cwECIUser:
			if i+1 >= len(cw) || cw[i+1] >= 900 {
				return nil, fmt.Errorf("%w: ECI without its number", ErrFormat)
			}
			d.eci = true
			i += 2
		case c == cwMacro:
			if macro != nil {
				return nil, fmt.Errorf("%w: two Macro PDF417 control blocks", ErrFormat)
			}
			macro, i, err = macroBlock(cw, i+1)
		case c == cwMacroOptional || c == cwMacroTerm:
			return nil, fmt.Errorf("%w: codeword %d outside a Macro PDF417 control block", ErrFormat, c)
		case c >= 900:
			return nil, fmt.Errorf("%w: reserved codeword %d", ErrFormat, c)
		default:
			// Data codewords continue the current mode (the first
			// segment is text compaction without a latch).
			switch mode {
			case cwTextLatch:
				i, err = textCompaction(cw, i, d)
			case cwNumericLatch:
				i, err = numericCompaction(cw, i, d)
			default:
				i, err = byteCompaction(cw, i, mode == cwByteLatch6, d)
			}
		}
		if err != nil {
			return nil, err
		}
	}
	if err := d.flush(); err != nil {
		return nil, err
	}
	return &Decoded{Text: d.out.String(), Bytes: d.raw, ECI: d.eci, Macro: macro}, nil
}

// textCompaction decodes text codewords from cw[i] up to the next
// codeword that is not text (≥ 900, except a byte shift 913, which
// it handles), and returns the index after them. Each codeword holds two
// base-30 values.
func textCompaction(cw []int, i int, d *decoded) (int, error) {
	sub, shiftFrom := subAlpha, -1
	put := func(v int) {
		if shiftFrom >= 0 {
			// A shift applies to this one value.
			if ch, ok := textChar(sub, v); ok {
				d.byte(ch)
			}
			sub, shiftFrom = shiftFrom, -1
			return
		}
		if ch, ok := textChar(sub, v); ok {
			d.byte(ch)
			return
		}
		switch {
		case v == 29 && sub == subPunct:
			sub = subAlpha
		case v == 29:
			shiftFrom, sub = sub, subPunct
		case v == 27 && sub == subLower:
			shiftFrom, sub = sub, subAlpha
		case v == 27:
			sub = subLower
		case v == 28 && sub == subMixed:
			sub = subAlpha
		case v == 28:
			sub = subMixed
		case v == 25 && sub == subMixed:
			sub = subPunct
		}
	}
	for i < len(cw) {
		c := cw[i]
		if c == cwByteShift {
			if i+1 >= len(cw) || cw[i+1] > 255 {
				return 0, fmt.Errorf("%w: byte shift without a byte", ErrFormat)
			}
			// A pending shift was the pad value 29 that completes the
			// codeword before the byte: it shifts nothing.
			if shiftFrom >= 0 {
				sub, shiftFrom = shiftFrom, -1
			}
			d.byte(byte(cw[i+1]))
			i += 2
			continue
		}
		if c == cwTextLatch {
			sub, shiftFrom = subAlpha, -1
			i++
			continue
		}
		if c >= 900 {
			break
		}
		put(c / 30)
		put(c % 30)
		i++
	}
	return i, nil
}

// textChar returns the character of value v in a text submode, if it is
// one (and not a latch or shift).
func textChar(sub, v int) (byte, bool) {
	switch sub {
	case subAlpha, subLower:
		switch {
		case v < 26 && sub == subAlpha:
			return byte('A' + v), true
		case v < 26:
			return byte('a' + v), true
		case v == 26:
			return ' ', true
		}
	case subMixed:
		switch {
		case v < 25:
			return mixedChars[v], true
		case v == 26:
			return ' ', true
		}
	case subPunct:
		if v < 29 {
			return punctChars[v], true
		}
	}
	return 0, false
}

// byteCompaction decodes byte codewords from cw[i] up to the next
// codeword ≥ 900. After latch 924 all groups are 5 codewords for 6 bytes;
// after 901 the last 1–5 codewords are one byte each.
func byteCompaction(cw []int, i int, six bool, d *decoded) (int, error) {
	end := i
	for end < len(cw) && cw[end] < 900 {
		end++
	}
	m := end - i
	groups := m / 5
	if !six && m > 0 {
		groups = (m - 1) / 5
	}
	if six && m%5 != 0 {
		return 0, fmt.Errorf("%w: byte compaction 924 with %d codewords", ErrFormat, m)
	}
	for g := 0; g < groups; g++ {
		var v uint64
		for _, c := range cw[i : i+5] {
			v = v*900 + uint64(c)
		}
		if v >= 1<<48 {
			return 0, fmt.Errorf("%w: byte group out of range", ErrFormat)
		}
		for s := 40; s >= 0; s -= 8 {
			d.byte(byte(v >> uint(s)))
		}
		i += 5
	}
	for ; i < end; i++ {
		if cw[i] > 255 {
			return 0, fmt.Errorf("%w: byte codeword %d", ErrFormat, cw[i])
		}
		d.byte(byte(cw[i]))
	}
	return end, nil
}

// numericCompaction decodes numeric codewords from cw[i] up to the next
// codeword ≥ 900: groups of up to 15 codewords in base 900, whose decimal
// form carries a leading 1 that is not data.
func numericCompaction(cw []int, i int, d *decoded) (int, error) {
	for i < len(cw) && cw[i] < 900 {
		n := 0
		for i+n < len(cw) && cw[i+n] < 900 && n < 15 {
			n++
		}
		s, err := base900Digits(cw[i : i+n])
		if err != nil {
			return 0, err
		}
		for j := 0; j < len(s); j++ {
			d.byte(s[j])
		}
		i += n
	}
	return i, nil
}

var big900 = big.NewInt(900)

func base900Digits(cw []int) (string, error) {
	v := new(big.Int)
	for _, c := range cw {
		v.Mul(v, big900)
		v.Add(v, big.NewInt(int64(c)))
	}
	s := v.String()
	if len(s) < 2 || s[0] != '1' {
		return "", fmt.Errorf("%w: numeric group without its leading 1", ErrFormat)
	}
	return s[1:], nil
}

// macroBlock parses a Macro PDF417 control block starting after 928:
// the segment index (2 numeric-compacted codewords), the file ID
// (codewords < 900, each written as three digits), optional fields
// (923 and a designator) and the terminator 922 of the last segment.
func macroBlock(cw []int, i int) (*Macro, int, error) {
	m := &Macro{SegmentCount: -1, TimeStamp: -1, FileSize: -1, Checksum: -1}
	if i+2 > len(cw) || cw[i] >= 900 || cw[i+1] >= 900 {
		return nil, 0, fmt.Errorf("%w: Macro PDF417 without segment index", ErrFormat)
	}
	s, err := base900Digits(cw[i : i+2])
	if err != nil {
		return nil, 0, err
	}
	if _, err := fmt.Sscan(s, &m.SegmentIndex); err != nil || m.SegmentIndex > 99998 {
		return nil, 0, fmt.Errorf("%w: Macro PDF417 segment index %q", ErrFormat, s)
	}
	i += 2
	var id strings.Builder
	for i < len(cw) && cw[i] < 900 {
		fmt.Fprintf(&id, "%03d", cw[i])
		i++
	}
	m.FileID = id.String()
	for i < len(cw) {
		switch cw[i] {
		case cwMacroTerm:
			m.LastSegment = true
			i++
		case cwMacroOptional:
			if i+1 >= len(cw) {
				return nil, 0, fmt.Errorf("%w: Macro PDF417 optional field without designator", ErrFormat)
			}
			field := cw[i+1]
			i += 2
			j := i
			for j < len(cw) && cw[j] != cwMacroOptional && cw[j] != cwMacroTerm {
				j++
			}
			if err := m.setField(field, cw[i:j]); err != nil {
				return nil, 0, err
			}
			i = j
		case cwTextLatch:
			// Pad codewords after the block.
			i++
		default:
			return nil, 0, fmt.Errorf("%w: codeword %d in Macro PDF417 control block", ErrFormat, cw[i])
		}
	}
	return m, i, nil
}

func (m *Macro) setField(field int, cw []int) error {
	text := func() (string, error) {
		d := &decoded{}
		if _, err := textCompaction(cw, 0, d); err != nil {
			return "", err
		}
		return string(d.raw), nil
	}
	number := func(limit int64) (int64, error) {
		// Numeric fields are numeric compacted (a 902 latch tolerated).
		if len(cw) > 0 && cw[0] == cwNumericLatch {
			cw = cw[1:]
		}
		d := &decoded{}
		if _, err := numericCompaction(cw, 0, d); err != nil {
			return 0, err
		}
		var v int64
		if len(d.raw) == 0 || len(d.raw) > 18 {
			return 0, fmt.Errorf("%w: Macro PDF417 field %d", ErrFormat, field)
		}
		for _, b := range d.raw {
			v = v*10 + int64(b-'0')
		}
		if v > limit {
			return 0, fmt.Errorf("%w: Macro PDF417 field %d out of range", ErrFormat, field)
		}
		return v, nil
	}
	var err error
	var v int64
	switch field {
	case 0:
		m.FileName, err = text()
	case 1:
		v, err = number(99999)
		m.SegmentCount = int(v)
	case 2:
		m.TimeStamp, err = number(1 << 62)
	case 3:
		m.Sender, err = text()
	case 4:
		m.Addressee, err = text()
	case 5:
		m.FileSize, err = number(1 << 62)
	case 6:
		v, err = number(65535)
		m.Checksum = int(v)
	default:
		return fmt.Errorf("%w: Macro PDF417 field designator %d", ErrFormat, field)
	}
	return err
}
