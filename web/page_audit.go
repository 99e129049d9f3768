package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar"
)

// The audit page shows the audit report (GET /api/v1/audit) as a table an
// administrator can filter, sort and download as CSV.

type auditView struct {
	ResidentID, UserID, Action, ObjectID string
	From, To                             string // YYYY-MM-DD, UTC days, inclusive
	Sort                                 string // at or -at
	Events                               []auditRowView
	CSV                                  string
	Limit                                int
}

type auditRowView struct {
	mar.AuditEvent
	When string
}

const auditPageLimit = 500

func (s *Server) pageAudit(c *gin.Context) {
	v := auditView{ResidentID: c.Query("resident_id"), UserID: c.Query("user_id"), Action: c.Query("action"),
		ObjectID: c.Query("object_id"), From: c.Query("from"), To: c.Query("to"), Sort: c.DefaultQuery("sort", "-at"), Limit: auditPageLimit}
	f := mar.AuditFilter{ResidentID: v.ResidentID, UserID: v.UserID, Action: v.Action, ObjectID: v.ObjectID, Descending: v.Sort != "at", Limit: auditPageLimit}
	if v.From != "" {
		d, err := time.Parse(time.DateOnly, v.From)
		if err != nil {
			s.respondError(c, mar.Invalid("from", "must be a date YYYY-MM-DD"))
			return
		}
		f.From = d
	}
	if v.To != "" {
		d, err := time.Parse(time.DateOnly, v.To)
		if err != nil {
			s.respondError(c, mar.Invalid("to", "must be a date YYYY-MM-DD"))
			return
		}
		f.To = d.AddDate(0, 0, 1)
	}
	events, err := s.svc.AuditReport(c.Request.Context(), mustIdentity(c), f)
	if err != nil {
		s.respondError(c, err)
		return
	}
	for _, e := range events {
		v.Events = append(v.Events, auditRowView{AuditEvent: e, When: e.At.UTC().Format("2006-01-02 15:04:05 UTC")})
	}
	q := url.Values{"format": {"csv"}, "sort": {v.Sort}}
	for k, val := range map[string]string{"resident_id": v.ResidentID, "user_id": v.UserID, "action": v.Action, "object_id": v.ObjectID} {
		if val != "" {
			q.Set(k, val)
		}
	}
	if !f.From.IsZero() {
		q.Set("from", f.From.Format(time.RFC3339))
	}
	if !f.To.IsZero() {
		q.Set("to", f.To.Format(time.RFC3339))
	}
	v.CSV = "/api/v1/audit?" + q.Encode()
	p := s.newPage(c, "Audit trail", "audit")
	p.Data = v
	s.render(c, http.StatusOK, "audit", p)
}
