package web

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image/png"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/scanning"
)

// trustRoutes are emergency access and the audit trail.
func (s *Server) trustRoutes() []Route {
	return []Route{
		{"POST", "/api/v1/break-glass", admins, "start time-boxed emergency read access to clinical data, with a reason", s.startBreakGlass},
		{"DELETE", "/api/v1/break-glass", admins, "end emergency access early", s.endBreakGlass},
		{"POST", "/api/v1/auth/logout-all", anyone, "sign out every session of the caller", s.logoutAll},
		{"POST", "/api/v1/auth/totp/enroll", catalogue, "issue a second-factor secret with its QR code (pharmacists, admins; required before anything else)", s.enrollTOTP},
		{"POST", "/api/v1/auth/totp/confirm", catalogue, "activate the second factor with a code: returns single-use recovery codes once; every other session ends", s.confirmTOTP},
		{"POST", "/api/v1/users/:id/totp/reset", admins, "remove an account's second factor (lost phone): its sessions end and it enrols again at sign-in", s.resetTOTP},
		{"GET", "/api/v1/audit", admins, "audit report: filter by resident_id, user_id, action, object_type, object_id, from, to; sort=at|-at; format=json|csv", s.auditReport},
	}
}

type breakGlassRequest struct {
	Reason     string `json:"reason"`
	ResidentID string `json:"resident_id"`
}

type breakGlassJSON struct {
	ID         string    `json:"id"`
	ResidentID string    `json:"resident_id,omitempty"`
	Reason     string    `json:"reason"`
	StartedAt  time.Time `json:"started_at"`
	ExpiresAt  time.Time `json:"expires_at"`
}

func (s *Server) startBreakGlass(c *gin.Context) {
	var req breakGlassRequest
	if _, err := readJSON(c, &req); err != nil {
		s.respondError(c, err)
		return
	}
	g, err := s.svc.StartBreakGlass(c.Request.Context(), mustIdentity(c), req.Reason, req.ResidentID)
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusCreated, breakGlassJSON{ID: g.ID, ResidentID: g.ResidentID, Reason: g.Reason, StartedAt: g.StartedAt, ExpiresAt: g.ExpiresAt})
}

func (s *Server) endBreakGlass(c *gin.Context) {
	if err := s.svc.EndBreakGlass(c.Request.Context(), mustIdentity(c)); err != nil {
		s.respondError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) logoutAll(c *gin.Context) {
	n, err := s.svc.LogoutEverywhere(c.Request.Context(), mustIdentity(c))
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"revoked_sessions": n})
}

func (s *Server) enrollTOTP(c *gin.Context) {
	e, err := s.svc.EnrollTOTP(c.Request.Context(), mustIdentity(c))
	if err != nil {
		s.respondError(c, err)
		return
	}
	qr, err := qrDataURI(e.URL)
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"secret": e.Secret, "otpauth_url": e.URL, "qr_png": qr})
}

// qrDataURI draws text as a QR code, as a PNG data URI an img shows.
func qrDataURI(text string) (string, error) {
	img, err := scanning.Encode(scanning.FormatQR, text, 240, 240)
	if err != nil {
		return "", fmt.Errorf("draw the enrolment QR code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", fmt.Errorf("draw the enrolment QR code: %w", err)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

func (s *Server) resetTOTP(c *gin.Context) {
	if err := s.svc.ResetTOTP(c.Request.Context(), mustIdentity(c), c.Param("id")); err != nil {
		s.respondError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type totpConfirmRequest struct {
	Code string `json:"code"`
}

func (s *Server) confirmTOTP(c *gin.Context) {
	var req totpConfirmRequest
	if _, err := readJSON(c, &req); err != nil {
		s.respondError(c, err)
		return
	}
	codes, err := s.svc.ConfirmTOTP(c.Request.Context(), mustIdentity(c), req.Code)
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"recovery_codes": codes})
}

type auditEventJSON struct {
	Seq        int64     `json:"seq"`
	ID         string    `json:"id"`
	At         time.Time `json:"at"`
	UserID     string    `json:"user_id"`
	Role       string    `json:"role"`
	Action     string    `json:"action"`
	ObjectType string    `json:"object_type"`
	ObjectID   string    `json:"object_id"`
	ResidentID string    `json:"resident_id"`
	Outcome    string    `json:"outcome"`
	SourceIP   string    `json:"source_ip"`
	Device     string    `json:"device"`
	RequestID  string    `json:"request_id"`
	BreakGlass bool      `json:"break_glass"`
	Detail     string    `json:"detail"`
	Hash       string    `json:"hash"`
}

func (s *Server) auditReport(c *gin.Context) {
	from, to, err := timeRange(c, time.Time{}, time.Time{})
	if err != nil {
		s.respondError(c, err)
		return
	}
	f := mar.AuditFilter{ResidentID: c.Query("resident_id"), UserID: c.Query("user_id"), Action: c.Query("action"),
		ObjectType: c.Query("object_type"), ObjectID: c.Query("object_id"), From: from, To: to}
	switch c.DefaultQuery("sort", "-at") {
	case "-at":
		f.Descending = true
	case "at":
	default:
		s.respondError(c, mar.Invalid("sort", "must be at or -at"))
		return
	}
	if v := c.Query("limit"); v != "" {
		if f.Limit, err = strconv.Atoi(v); err != nil || f.Limit < 1 {
			s.respondError(c, mar.Invalid("limit", "must be a positive whole number"))
			return
		}
	}
	events, err := s.svc.AuditReport(c.Request.Context(), mustIdentity(c), f)
	if err != nil {
		s.respondError(c, err)
		return
	}
	out := make([]auditEventJSON, len(events))
	for i, e := range events {
		out[i] = auditEventJSON{e.Seq, e.ID, e.At, e.UserID, e.Role, e.Action, e.ObjectType, e.ObjectID, e.ResidentID, e.Outcome, e.SourceIP, e.Device, e.RequestID, e.BreakGlass, e.Detail, e.Hash}
	}
	if c.Query("format") == "csv" {
		rows := [][]string{{"seq", "at", "user_id", "role", "action", "object_type", "object_id", "resident_id", "outcome", "source_ip", "device", "request_id", "break_glass", "detail"}}
		for _, e := range out {
			rows = append(rows, []string{strconv.FormatInt(e.Seq, 10), e.At.Format(time.RFC3339Nano), e.UserID, e.Role, e.Action, e.ObjectType, e.ObjectID, e.ResidentID, e.Outcome, e.SourceIP, e.Device, e.RequestID, strconv.FormatBool(e.BreakGlass), e.Detail})
		}
		writeCSV(c, "audit.csv", rows)
		return
	}
	c.JSON(http.StatusOK, listOf(out))
}
