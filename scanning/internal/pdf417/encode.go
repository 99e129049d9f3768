package pdf417

import "fmt"

// The few encoder pieces a decoder's tests and the table generator need.

// LeftIndicator returns the left row indicator codeword of row r (from 0)
// of a symbol of the given rows, data columns and error correction level:
// 30×(r div 3) plus, by cluster, (rows-1) div 3, 3×level + (rows-1) mod 3,
// or columns-1.
func LeftIndicator(r, rows, cols, level int) int {
	base := 30 * (r / 3)
	switch r % 3 {
	case 0:
		return base + (rows-1)/3
	case 1:
		return base + 3*level + (rows-1)%3
	}
	return base + cols - 1
}

// RightIndicator returns the right row indicator codeword of row r.
func RightIndicator(r, rows, cols, level int) int {
	base := 30 * (r / 3)
	switch r % 3 {
	case 0:
		return base + cols - 1
	case 1:
		return base + (rows-1)/3
	}
	return base + 3*level + (rows-1)%3
}

// ByteCompact returns the byte compaction codewords of data (without the
// 901/924 latch): each full group of 6 bytes as 5 base-900 codewords, the
// remaining bytes one codeword each.
func ByteCompact(data []byte) []int {
	var cw []int
	i := 0
	for ; i+6 <= len(data); i += 6 {
		var v uint64
		for _, b := range data[i : i+6] {
			v = v<<8 | uint64(b)
		}
		var g [5]int
		for j := 4; j >= 0; j-- {
			g[j] = int(v % 900)
			v /= 900
		}
		cw = append(cw, g[:]...)
	}
	for ; i < len(data); i++ {
		cw = append(cw, int(data[i]))
	}
	return cw
}

// CheckPattern reports whether p is a valid symbol character of the given
// cluster (0, 3 or 6).
func CheckPattern(p uint32, cluster int) error {
	w, ok := widthsOf(p)
	if !ok {
		return fmt.Errorf("pattern %017b is not 4 bars and 4 spaces of 1–6 modules over 17", p)
	}
	if c := clusterOf(w); c != cluster {
		return fmt.Errorf("pattern %017b %v is in cluster %d, not %d", p, w, c, cluster)
	}
	return nil
}
