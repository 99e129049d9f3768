package mar

import (
	"crypto/rand"
	"strings"
)

// labelSerialAlphabet is Crockford's base 32: digits and capitals without
// I, L, O and U, all in GS1's character set 82 and unambiguous when read
// aloud or keyed from a damaged label.
const labelSerialAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// LabelSerialPrefix starts every serial the service prints, so a
// manufacturer's serial (which may be any CSET 82 text) is unlikely to be
// taken for one of ours and the labels are recognisable in an audit.
const LabelSerialPrefix = "RX"

// NewLabelSerial returns a fresh serial for a patient-specific label:
// "RX" and 14 random Crockford base-32 characters (70 bits), 16 characters
// in all, within AI 21's 20.
func NewLabelSerial() string {
	var b [14]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("mar: no randomness for a label serial: " + err.Error())
	}
	var sb strings.Builder
	sb.WriteString(LabelSerialPrefix)
	for _, c := range b {
		sb.WriteByte(labelSerialAlphabet[c&31])
	}
	return sb.String()
}
