package mar

import (
	"time"

	"github.com/google/uuid"
)

// NewID returns a time-ordered UUIDv7, portable to distributed
// PostgreSQL-compatible engines where sequences are a bottleneck.
func NewID() string {
	return uuid.Must(uuid.NewV7()).String()
}

// ValidID reports whether s is a well-formed UUID.
func ValidID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}

// Clock is the source of the server's authoritative time.
type Clock interface{ Now() time.Time }

// SystemClock reads the real time in UTC.
type SystemClock struct{}

// Now returns the current time in UTC, truncated to the microsecond so that
// it survives a round trip through PostgreSQL unchanged.
func (SystemClock) Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// ClockFunc adapts a function to Clock (tests use it for a fixed clock).
type ClockFunc func() time.Time

// Now calls f.
func (f ClockFunc) Now() time.Time { return f().UTC() }
