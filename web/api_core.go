package web

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar"
)

func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok", "version": s.version})
}

// readyTimeout bounds the readiness check: a load balancer must hear
// "not ready" quickly from a service whose database stalls.
const readyTimeout = 1500 * time.Millisecond

func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), readyTimeout)
	defer cancel()
	if err := s.ready.Ready(ctx); err != nil {
		c.Header("Retry-After", "1")
		c.JSON(http.StatusServiceUnavailable, errorBody{Error: errorDetail{Code: string(mar.EUnavailable), Message: err.Error()}})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}

func (s *Server) metricsHandler(c *gin.Context) {
	c.Header("Content-Type", "text/plain; version=0.0.4")
	s.metrics.write(c.Writer)
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Kind     string `json:"kind"` // web (cookie) or device (bearer token)
	TOTP     string `json:"totp"` // one-time code when the account has a second factor
}

type loginResponse struct {
	Token     string    `json:"token,omitempty"`
	ExpiresAt time.Time `json:"expires_at"`
	User      userJSON  `json:"user"`
	// MustEnrol: the session may do nothing but enrol a second factor.
	MustEnrol bool `json:"second_factor_enrolment_required,omitempty"`
}

// signInAllowed applies the per-address limit shared by every way of
// signing in; when it says no, the answer has been sent.
func (s *Server) signInAllowed(c *gin.Context) bool {
	ok, wait, err := s.loginLimit.allow(c.Request.Context(), c.ClientIP())
	if err != nil {
		s.respondError(c, err)
		return false
	}
	if !ok {
		c.Header("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		s.respondError(c, &mar.Error{Code: mar.ETooMany, Reason: "rate_limited", Message: "too many sign-in attempts from this address; wait a minute"})
		return false
	}
	return true
}

// answerSignIn sends a new session: in the cookie for a browser ("web"),
// as a bearer token for a device.
func (s *Server) answerSignIn(c *gin.Context, res mar.LoginResult, kind string) {
	out := loginResponse{ExpiresAt: res.Session.ExpiresAt, User: toUserJSON(res.User), MustEnrol: res.MustEnrol}
	if kind == mar.SessionWeb {
		s.setSessionCookie(c, res.Token, res.Session.ExpiresAt.Sub(res.Session.CreatedAt))
	} else {
		out.Token = res.Token
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) login(c *gin.Context) {
	if !s.signInAllowed(c) {
		return
	}
	var req loginRequest
	if _, err := readJSON(c, &req); err != nil {
		s.respondError(c, err)
		return
	}
	if req.Kind == "" {
		req.Kind = mar.SessionDevice
	}
	src := mar.Identity{SourceIP: c.ClientIP(), Device: c.GetHeader("X-Device-Id"), RequestID: requestID(c)}
	res, err := s.svc.LoginCode(c.Request.Context(), req.Username, req.Password, req.TOTP, req.Kind, src)
	if err != nil {
		s.respondError(c, err)
		return
	}
	s.answerSignIn(c, res, req.Kind)
}

// setSessionCookie gives the browser the session for its lifetime as
// Max-Age (seconds from now on the browser's own clock), never as an
// absolute Expires computed from the server's clock: a device whose clock
// disagrees with the server's must neither drop a fresh session nor keep an
// old one. The server still ends the session at its own ExpiresAt.
func (s *Server) setSessionCookie(c *gin.Context, token string, life time.Duration) {
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", MaxAge: max(int(life/time.Second), 1),
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteStrictMode})
}

func (s *Server) logout(c *gin.Context) {
	if err := s.svc.Logout(c.Request.Context(), mustIdentity(c)); err != nil {
		s.respondError(c, err)
		return
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteStrictMode})
	c.Status(http.StatusNoContent)
}

func (s *Server) me(c *gin.Context) {
	c.JSON(http.StatusOK, toUserJSON(mustIdentity(c).User))
}

func (s *Server) listUnits(c *gin.Context) {
	units, err := s.svc.ListUnits(c.Request.Context(), mustIdentity(c))
	if err != nil {
		s.respondError(c, err)
		return
	}
	out := make([]unitJSON, len(units))
	for i, u := range units {
		out[i] = toUnitJSON(u)
	}
	c.JSON(http.StatusOK, listOf(out))
}

func (s *Server) listUsers(c *gin.Context) {
	users, err := s.svc.ListUsers(c.Request.Context(), mustIdentity(c))
	if err != nil {
		s.respondError(c, err)
		return
	}
	out := make([]userJSON, len(users))
	for i, u := range users {
		out[i] = toUserJSON(u)
	}
	c.JSON(http.StatusOK, listOf(out))
}

type createUserRequest struct {
	Username    string   `json:"username"`
	DisplayName string   `json:"display_name"`
	Role        string   `json:"role"`
	Password    string   `json:"password"`
	BadgeID     string   `json:"badge_id"`
	PIN         string   `json:"pin"` // optional: the badge's PIN for the bedside sign-in
	UnitIDs     []string `json:"unit_ids"`
}

func (s *Server) createUser(c *gin.Context) {
	var req createUserRequest
	if _, err := readJSON(c, &req); err != nil {
		s.respondError(c, err)
		return
	}
	u := mar.User{Username: req.Username, DisplayName: req.DisplayName, Role: mar.Role(req.Role), BadgeID: req.BadgeID, UnitIDs: req.UnitIDs}
	if req.PIN != "" {
		if err := mar.ValidatePIN(req.BadgeID, req.PIN); err != nil {
			s.respondError(c, err)
			return
		}
		hash, err := mar.HashPassword(req.PIN)
		if err != nil {
			s.respondError(c, err)
			return
		}
		u.PINHash = hash
	}
	by := mustIdentity(c)
	u.FacilityID = by.User.FacilityID
	created, err := s.svc.CreateUser(c.Request.Context(), by, u, req.Password)
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusCreated, toUserJSON(created))
}

func (s *Server) listResidents(c *gin.Context) {
	status := mar.ResidentStatus(c.DefaultQuery("status", string(mar.Admitted)))
	rs, err := s.svc.ListResidents(c.Request.Context(), mustIdentity(c), c.Query("unit_id"), status)
	if err != nil {
		s.respondError(c, err)
		return
	}
	out := make([]residentJSON, len(rs))
	for i, r := range rs {
		out[i] = toResidentJSON(r)
	}
	c.JSON(http.StatusOK, listOf(out))
}

type createResidentRequest struct {
	MRNSystem   string        `json:"mrn_system"`
	MRN         string        `json:"mrn"`
	WristbandID string        `json:"wristband_id"`
	FamilyName  string        `json:"family_name"`
	GivenName   string        `json:"given_name"`
	BirthDate   string        `json:"birth_date"`
	Sex         string        `json:"sex"`
	UnitID      string        `json:"unit_id"`
	Room        string        `json:"room"`
	Bed         string        `json:"bed"`
	Allergies   []allergyJSON `json:"allergies"`
}

func (s *Server) createResident(c *gin.Context) {
	var req createResidentRequest
	if _, err := readJSON(c, &req); err != nil {
		s.respondError(c, err)
		return
	}
	r := mar.Resident{MRNSystem: req.MRNSystem, MRN: req.MRN, WristbandID: req.WristbandID, FamilyName: req.FamilyName, GivenName: req.GivenName,
		BirthDate: req.BirthDate, Sex: req.Sex, UnitID: req.UnitID, Room: req.Room, Bed: req.Bed}
	for _, a := range req.Allergies {
		r.Allergies = append(r.Allergies, mar.Allergy{Substance: a.Substance, Reaction: a.Reaction, Severity: a.Severity})
	}
	created, err := s.svc.CreateResident(c.Request.Context(), mustIdentity(c), r)
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusCreated, toResidentJSON(created))
}

func (s *Server) getResident(c *gin.Context) {
	r, err := s.svc.GetResident(c.Request.Context(), mustIdentity(c), c.Param("id"))
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, toResidentJSON(r))
}

func (s *Server) listProducts(c *gin.Context) {
	ps, err := s.svc.ListProducts(c.Request.Context(), mustIdentity(c))
	if err != nil {
		s.respondError(c, err)
		return
	}
	out := make([]productJSON, len(ps))
	for i, p := range ps {
		out[i] = toProductJSON(p)
	}
	c.JSON(http.StatusOK, listOf(out))
}

type createProductRequest = productJSON

func (s *Server) createProduct(c *gin.Context) {
	var req createProductRequest
	if _, err := readJSON(c, &req); err != nil {
		s.respondError(c, err)
		return
	}
	if req.ID != "" {
		s.respondError(c, mar.Invalid("id", "is assigned by the server"))
		return
	}
	if len(req.DrugClasses) > 0 {
		s.respondError(c, mar.Invalid("drug_classes", "follow from the ingredients: leave them out"))
		return
	}
	if req.Version != 0 {
		s.respondError(c, mar.Invalid("version", "is assigned by the server"))
		return
	}
	p, err := s.svc.CreateProduct(c.Request.Context(), mustIdentity(c), req.domain())
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusCreated, toProductJSON(p))
}

type auditVerifyResponse struct {
	Verified bool   `json:"verified"`
	Events   int64  `json:"events"`
	BreakSeq int64  `json:"break_seq,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

func (s *Server) verifyAudit(c *gin.Context) {
	n, brk, err := s.auditor.VerifyAudit(c.Request.Context())
	if err != nil {
		s.respondError(c, err)
		return
	}
	out := auditVerifyResponse{Verified: brk == nil, Events: n}
	if brk != nil {
		out.BreakSeq, out.Reason = brk.Seq, brk.Reason
	}
	c.JSON(http.StatusOK, out)
}
