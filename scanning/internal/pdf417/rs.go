package pdf417

import "errors"

// Reed–Solomon error correction over the prime field GF(929), as ISO/IEC
// 15438 specifies it: the k = 2^(level+1) error correction codewords make
// the symbol's codeword polynomial C(x) = Σ c_i x^(n-1-i) a multiple of
// g(x) = (x-3)(x-3²)…(x-3^k).

const modulus = 929

// ErrCorrection: more codewords are damaged than the error correction
// codewords can repair.
var ErrCorrection = errors.New("pdf417: too many damaged codewords")

func mod(a int) int {
	a %= modulus
	if a < 0 {
		a += modulus
	}
	return a
}

var expTable, logTable [modulus]int

func init() {
	x := 1
	for i := 0; i < modulus-1; i++ {
		expTable[i] = x
		logTable[x] = i
		x = x * 3 % modulus
	}
}

func inv(a int) int {
	if a == 0 {
		panic("pdf417: inverse of zero")
	}
	return expTable[(modulus-1-logTable[a])%(modulus-1)]
}

// pow3 returns 3^e for any integer e.
func pow3(e int) int {
	e %= modulus - 1
	if e < 0 {
		e += modulus - 1
	}
	return expTable[e]
}

// poly is a polynomial over GF(929), lowest degree first.
type poly []int

func (p poly) degree() int {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] != 0 {
			return i
		}
	}
	return -1
}

func (p poly) eval(x int) int {
	r := 0
	for i := len(p) - 1; i >= 0; i-- {
		r = (r*x + p[i]) % modulus
	}
	return r
}

func (p poly) mul(q poly) poly {
	if len(p) == 0 || len(q) == 0 {
		return nil
	}
	r := make(poly, len(p)+len(q)-1)
	for i, a := range p {
		if a == 0 {
			continue
		}
		for j, b := range q {
			r[i+j] = (r[i+j] + a*b) % modulus
		}
	}
	return r
}

func (p poly) sub(q poly) poly {
	r := make(poly, max(len(p), len(q)))
	copy(r, p)
	for i, b := range q {
		r[i] = mod(r[i] - b)
	}
	return r
}

// divmod divides p by q (q non-zero).
func (p poly) divmod(q poly) (quo, rem poly) {
	dq := q.degree()
	rem = append(poly(nil), p...)
	dr := rem.degree()
	if dr < dq {
		return poly{0}, rem
	}
	quo = make(poly, dr-dq+1)
	lead := inv(q[dq])
	for d := dr; d >= dq; d-- {
		c := rem[d] * lead % modulus
		if c == 0 {
			continue
		}
		quo[d-dq] = c
		for i := 0; i <= dq; i++ {
			rem[d-dq+i] = mod(rem[d-dq+i] - c*q[i])
		}
	}
	return quo, rem
}

// generator returns g(x) for k error correction codewords.
func generator(k int) poly {
	g := poly{1}
	for j := 1; j <= k; j++ {
		g = g.mul(poly{mod(-pow3(j)), 1})
	}
	return g
}

// ECCodewords returns the 2^(level+1) error correction codewords for the
// data codewords (symbol length descriptor first), in symbol order.
func ECCodewords(data []int, level int) []int {
	k := 1 << (level + 1)
	n := len(data) + k
	// D(x)·x^k, lowest degree first.
	p := make(poly, n)
	for i, d := range data {
		p[n-1-i] = mod(d)
	}
	_, rem := p.divmod(generator(k))
	ec := make([]int, k)
	for i := 0; i < k; i++ {
		// Coefficient of x^(k-1-i), negated so that C(x) = D(x)x^k - R(x).
		if k-1-i < len(rem) {
			ec[i] = mod(-rem[k-1-i])
		}
	}
	return ec
}

// correct repairs codewords in place, given the number k of error
// correction codewords at their end and the indices of codewords known to
// be unreadable (erasures). It returns how many codewords it changed. As
// ISO/IEC 15438 requires, it refuses when erasures + 2×errors exceeds k-2:
// two codewords are kept to detect a miscorrection.
func correct(cw []int, k int, erasures []int) (int, error) {
	n := len(cw)
	if k < 2 || n <= k || n > modulus-1 {
		return 0, ErrCorrection
	}
	syn := make(poly, k) // S(x) = Σ S_j x^(j-1), S_j = C(3^j)
	c := make(poly, n)
	for i, v := range cw {
		c[n-1-i] = mod(v)
	}
	clean := true
	for j := 1; j <= k; j++ {
		syn[j-1] = c.eval(pow3(j))
		if syn[j-1] != 0 {
			clean = false
		}
	}
	if clean {
		return 0, nil
	}
	limit := k - 2
	if len(erasures) > limit {
		return 0, ErrCorrection
	}
	// Erasure locator Γ(x) = Π (1 - X_e x), X_e = 3^(n-1-e).
	gamma := poly{1}
	seen := map[int]bool{}
	for _, e := range erasures {
		if e < 0 || e >= n || seen[e] {
			return 0, ErrCorrection
		}
		seen[e] = true
		gamma = gamma.mul(poly{1, mod(-pow3(n - 1 - e))})
	}
	nu := len(erasures)
	xi := syn.mul(gamma)
	if len(xi) > k {
		xi = xi[:k]
	}
	// Extended Euclid on x^k and Ξ(x) until deg r < (k+ν)/2.
	rPrev := make(poly, k+1)
	rPrev[k] = 1
	r := xi
	tPrev, t := poly{0}, poly{1}
	for 2*r.degree() >= k+nu {
		if r.degree() < 0 {
			return 0, ErrCorrection
		}
		q, rem := rPrev.divmod(r)
		rPrev, r = r, rem
		tPrev, t = t, tPrev.sub(q.mul(t))
	}
	sigma := t
	errs := sigma.degree()
	if errs < 0 || nu+2*errs > limit {
		return 0, ErrCorrection
	}
	lambda := sigma.mul(gamma)
	omega := r
	dl := make(poly, max(1, len(lambda)-1))
	for i := 1; i < len(lambda); i++ {
		dl[i-1] = lambda[i] * (i % modulus) % modulus
	}
	roots := 0
	changed := 0
	for i := 0; i < n; i++ {
		xinv := pow3(-(n - 1 - i))
		if lambda.eval(xinv) != 0 {
			continue
		}
		roots++
		den := dl.eval(xinv)
		if den == 0 {
			return 0, ErrCorrection
		}
		y := mod(-omega.eval(xinv) * inv(den))
		if y != 0 {
			cw[i] = mod(cw[i] - y)
			changed++
		}
	}
	if roots != lambda.degree() {
		return 0, ErrCorrection
	}
	// Verify: every syndrome is now zero.
	for i, v := range cw {
		c[n-1-i] = v
	}
	for j := 1; j <= k; j++ {
		if c.eval(pow3(j)) != 0 {
			return 0, ErrCorrection
		}
	}
	return changed, nil
}
