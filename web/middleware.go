package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar"
)

const (
	ctxRequestID  = "emar.request_id"
	ctxIdentity   = "emar.identity"
	sessionCookie = "emar_session"
)

func requestID(c *gin.Context) string { return c.GetString(ctxRequestID) }

// withRequestID tags every request with an id, taken from X-Request-Id
// when a proxy set a sane one.
func withRequestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader("X-Request-Id")
		if len(id) < 8 || len(id) > 64 || strings.ContainsFunc(id, func(r rune) bool { return r <= ' ' || r > '~' }) {
			b := make([]byte, 8)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		c.Set(ctxRequestID, id)
		c.Header("X-Request-Id", id)
		c.Next()
	}
}

// logRequests writes one structured line per request, labelled with the
// route template rather than the raw path.
func (s *Server) logRequests() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		attrs := []any{"method", c.Request.Method, "route", c.FullPath(), "status", c.Writer.Status(),
			"ms", float64(time.Since(start).Microseconds()) / 1000, "request_id", requestID(c)}
		if id, ok := identity(c); ok {
			attrs = append(attrs, "user", id.User.ID)
		}
		level := slog.LevelInfo
		if c.Writer.Status() >= 500 {
			level = slog.LevelError
		}
		s.log.Log(c.Request.Context(), level, "http", attrs...)
		s.metrics.observe(c.Request.Method, c.FullPath(), c.Writer.Status(), time.Since(start))
	}
}

// recoverJSON turns a panic into a logged 500 with the JSON error shape.
func (s *Server) recoverJSON() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				s.log.Error("panic", "panic", r, "request_id", requestID(c), "route", c.FullPath())
				s.respondError(c, mar.Errorf(mar.EInternal, "panic: %v", r))
			}
		}()
		c.Next()
	}
}

// contentSecurityPolicy is every page's: no inline script, this origin only.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"

// securityHeaders applies a strict CSP (no inline script) and friends.
func securityHeaders() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-store")
		c.Next()
	}
}

// identity returns the authenticated caller.
func identity(c *gin.Context) (mar.Identity, bool) {
	v, ok := c.Get(ctxIdentity)
	if !ok {
		return mar.Identity{}, false
	}
	id, ok := v.(mar.Identity)
	return id, ok
}

// mustIdentity is for handlers behind requireRoles.
func mustIdentity(c *gin.Context) mar.Identity {
	id, _ := identity(c)
	return id
}

// credential returns the session token and whether it came from the
// session cookie, which a browser attaches by itself.
func credential(c *gin.Context) (token string, fromCookie bool) {
	if h := c.GetHeader("Authorization"); h != "" {
		if t, ok := strings.CutPrefix(h, "Bearer "); ok {
			return strings.TrimSpace(t), false
		}
		return "", false
	}
	if ck, err := c.Cookie(sessionCookie); err == nil {
		return ck, true
	}
	return "", false
}

// csrfHeader carries the session's CSRF token on every state-changing
// request that a browser authenticates with the session cookie. The pages
// read it from <meta name="csrf-token">; another site cannot.
const csrfHeader = "X-CSRF-Token"

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// requireRoles authenticates the caller and admits only the given roles.
// A cookie-authenticated write must also carry the session's CSRF token
// (cross-origin protection already refuses other sites' requests; the
// token also covers same-site pages that are not ours).
func (s *Server) requireRoles(roles []mar.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		token, fromCookie := credential(c)
		if !fromCookie && strings.HasPrefix(token, mar.ClientTokenPrefix) {
			s.requireClient(c, token, roles)
			return
		}
		id, sess, err := s.svc.Authenticate(c.Request.Context(), token)
		if err != nil {
			s.respondError(c, err)
			return
		}
		if fromCookie && !safeMethod(c.Request.Method) &&
			subtle.ConstantTimeCompare([]byte(c.GetHeader(csrfHeader)), []byte(sess.CSRFToken)) != 1 {
			s.respondError(c, &mar.Error{Code: mar.EForbidden, Reason: "csrf", Message: "the request lacks this session's CSRF token; reload the page"})
			return
		}
		id.SourceIP = c.ClientIP()
		id.Device = c.GetHeader("X-Device-Id")
		if len(id.Device) > 64 {
			id.Device = id.Device[:64]
		}
		id.RequestID = requestID(c)
		c.Set(ctxSession, sess)
		if !roleIn(id.User.Role, roles) {
			if !s.breakGlassAllows(c, &id, roles) {
				c.Set(ctxIdentity, id)
				s.respondError(c, mar.Forbidden("the %s role may not do this", id.User.Role))
				return
			}
		}
		if id.MustEnrol && !enrolmentRoutes[c.Request.Method+" "+c.FullPath()] {
			c.Set(ctxIdentity, id)
			if wantsPage(c) {
				c.Redirect(http.StatusSeeOther, "/enrol")
				c.Abort()
				return
			}
			s.respondError(c, &mar.Error{Code: mar.EForbidden, Reason: "second_factor_enrolment_required",
				Message: "your role signs in with a second factor: enrol one first (POST /api/v1/auth/totp/enroll, then /confirm)"})
			return
		}
		c.Set(ctxIdentity, id)
		c.Next()
	}
}

// enrolmentRoutes are all an account that must enrol a second factor may
// use until it has.
var enrolmentRoutes = map[string]bool{
	"POST /api/v1/auth/totp/enroll":  true,
	"POST /api/v1/auth/totp/confirm": true,
	"POST /api/v1/auth/logout":       true,
	"GET /api/v1/me":                 true,
	"GET /enrol":                     true,
}

func roleIn(r mar.Role, roles []mar.Role) bool {
	for _, x := range roles {
		if x == r {
			return true
		}
	}
	return false
}

// breakGlassAllows lets a user whose role has no clinical access read
// clinical data while an emergency grant is in force. Writes are never
// opened this way; every event the user causes is flagged.
func (s *Server) breakGlassAllows(c *gin.Context, id *mar.Identity, roles []mar.Role) bool {
	if c.Request.Method != http.MethodGet || mar.HasClinicalAccess(id.User.Role) {
		return false
	}
	if !roleIn(mar.RoleNurse, roles) && !roleIn(mar.RoleChargeNurse, roles) {
		return false
	}
	g, ok, err := s.svc.BreakGlassActive(c.Request.Context(), id.User.ID)
	if err != nil || !ok {
		return false
	}
	if g.ResidentID != "" && c.Param("id") != "" && c.Param("id") != g.ResidentID {
		return false
	}
	id.BreakGlass = true
	return true
}

// DefaultRequestTimeout bounds a request's work: bedside calls take
// milliseconds, so five seconds means the database is stalled.
const DefaultRequestTimeout = 5 * time.Second

// DefaultReportTimeout bounds the routes that read the whole audit trail
// or long stretches of history.
const DefaultReportTimeout = 10 * time.Minute

// slowRoutes read everything there is and get the report bound; the live
// alert stream has none (it ends when the client goes); image decoding
// has its own bounds (2 s for a decoder, 5 s to decode) and a little more.
var slowRoutes = map[string]time.Duration{
	"/api/v1/audit/verify":  -1,
	"/api/v1/audit":         -1,
	"/api/v1/reports/doses": -1,
	"/api/v1/alerts/stream": 0,
	"/api/v1/scans/decode":  10 * time.Second,
}

// deadline puts a deadline on the request's context, which every database
// call honours: when PostgreSQL stalls, the call returns at the deadline,
// the store reads it as unavailable and the client gets a 503 it may retry
// with its idempotency key, instead of a request that hangs as long as the
// database does.
func (s *Server) deadline() gin.HandlerFunc {
	return func(c *gin.Context) {
		d := s.requestTimeout
		if v, ok := slowRoutes[c.FullPath()]; ok {
			d = v
			if v < 0 {
				d = s.reportTimeout
			}
		}
		if d <= 0 {
			c.Next()
			return
		}
		ctx, cancel := context.WithTimeout(c.Request.Context(), d)
		defer cancel()
		c.Request = c.Request.WithContext(ctx)
		c.Next()
	}
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
