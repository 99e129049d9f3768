package pdf417

// A symbol character is 4 bars and 4 spaces over 17 modules, each element
// 1 to 6 modules wide, bar first. Which of the three clusters (0, 3, 6) a
// pattern belongs to follows from its bar widths; row r of a symbol uses
// cluster 3×(r mod 3).

// clusterOf returns (b1 - b2 + b3 - b4 + 9) mod 9 for the element widths
// b1 s1 b2 s2 b3 s3 b4 s4.
func clusterOf(w [8]int) int {
	return ((w[0]-w[2]+w[4]-w[6])%9 + 9) % 9
}

// widthsOf returns the 8 element widths of a 17-bit pattern (most
// significant bit first, 1 = bar) and whether it is a valid symbol
// character shape: bar first, space last, 8 elements of 1–6 modules.
func widthsOf(p uint32) ([8]int, bool) {
	var w [8]int
	el := 0
	prev := uint32(1)
	if p>>16&1 != 1 || p&1 != 0 || p>>17 != 0 {
		return w, false
	}
	for i := 16; i >= 0; i-- {
		b := p >> uint(i) & 1
		if b != prev {
			el++
			if el >= 8 {
				return w, false
			}
			prev = b
		}
		w[el]++
	}
	if el != 7 {
		return w, false
	}
	for _, x := range w {
		if x < 1 || x > 6 {
			return w, false
		}
	}
	return w, true
}

// patternOf is the inverse of widthsOf.
func patternOf(w [8]int) uint32 {
	var p uint32
	for i, x := range w {
		for j := 0; j < x; j++ {
			p <<= 1
			if i%2 == 0 {
				p |= 1
			}
		}
	}
	return p
}

// patternIndex maps a 17-module pattern to its codeword value; the
// cluster is implied by the pattern.
var patternIndex map[uint32]int

func init() {
	patternIndex = make(map[uint32]int, 3*modulus)
	for c := range symbolTable {
		for v, p := range symbolTable[c] {
			if p != 0 {
				patternIndex[p] = v
			}
		}
	}
}
