package web

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/alerts"
	"github.com/emar-project/emar/mar"
)

// AlertStreamConfig tunes the live alert stream.
type AlertStreamConfig struct {
	// Hub wakes streams when this process changes an alert; nil means
	// polling only. Other replicas' changes are always found by polling.
	Hub *alerts.Hub
	// Poll is how often a stream reads new events when not woken.
	Poll time.Duration
	// KeepAlive is how often an idle stream sends a comment, so proxies
	// and the browser do not time the connection out.
	KeepAlive time.Duration
	// MaxDuration ends a stream after this long; the client reconnects
	// with Last-Event-ID and is authenticated again, so a revoked or
	// expired session does not keep receiving alerts.
	MaxDuration time.Duration
}

func (c AlertStreamConfig) withDefaults() AlertStreamConfig {
	if c.Poll <= 0 {
		c.Poll = 2 * time.Second
	}
	if c.KeepAlive <= 0 {
		c.KeepAlive = 15 * time.Second
	}
	if c.MaxDuration <= 0 {
		c.MaxDuration = 10 * time.Minute
	}
	return c
}

type alertJSON struct {
	ID              string     `json:"id"`
	Kind            string     `json:"kind"`
	SubjectID       string     `json:"subject_id"` // the dose, order, follow-up or (limit_crossed) administration
	Severity        string     `json:"severity"`
	Status          string     `json:"status"`
	UnitID          string     `json:"unit_id,omitempty"`
	ResidentID      string     `json:"resident_id,omitempty"`
	DoseID          string     `json:"dose_id,omitempty"`
	OrderID         string     `json:"order_id,omitempty"`
	FollowupID      string     `json:"followup_id,omitempty"`
	Message         string     `json:"message"`
	DueAt           time.Time  `json:"due_at"`
	RaisedAt        time.Time  `json:"raised_at"`
	AcknowledgedAt  *time.Time `json:"acknowledged_at,omitempty"`
	AcknowledgedBy  string     `json:"acknowledged_by,omitempty"`
	AckNote         string     `json:"ack_note,omitempty"`
	ResolvedAt      *time.Time `json:"resolved_at,omitempty"`
	ResolvedBy      string     `json:"resolved_by,omitempty"`
	ResolvedHow     string     `json:"resolved_how,omitempty"`
	ResolveNote     string     `json:"resolve_note,omitempty"`
	EscalationLevel int        `json:"escalation_level"`
	EscalatedAt     *time.Time `json:"escalated_at,omitempty"`
}

func toAlertJSON(a mar.Alert) alertJSON {
	return alertJSON{ID: a.ID, Kind: string(a.Kind), SubjectID: a.SubjectID, Severity: string(a.Severity), Status: string(a.Status()), UnitID: a.UnitID,
		ResidentID: a.ResidentID, DoseID: a.DoseID, OrderID: a.OrderID, FollowupID: a.FollowupID, Message: a.Message,
		DueAt: a.DueAt, RaisedAt: a.RaisedAt, AcknowledgedAt: a.AcknowledgedAt, AcknowledgedBy: a.AcknowledgedBy, AckNote: a.AckNote,
		ResolvedAt: a.ResolvedAt, ResolvedBy: a.ResolvedBy, ResolvedHow: a.ResolvedHow, ResolveNote: a.ResolveNote,
		EscalationLevel: a.EscalationLevel, EscalatedAt: a.EscalatedAt}
}

// alertEventJSON is the data of one stream event.
type alertEventJSON struct {
	EventID int64     `json:"event_id"`
	Type    string    `json:"type"`
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"`
	Note    string    `json:"note,omitempty"`
	Level   int       `json:"escalation_level"`
	Alert   alertJSON `json:"alert"`
}

func (s *Server) listAlerts(c *gin.Context) {
	q := mar.AlertQuery{UnitID: c.Query("unit_id"), Status: mar.AlertStatus(c.Query("status")), Shift: c.Query("shift"), Date: c.Query("date")}
	var err error
	if q.From, err = timeParam(c, "from", time.Time{}); err != nil {
		s.respondError(c, err)
		return
	}
	if q.To, err = timeParam(c, "to", time.Time{}); err != nil {
		s.respondError(c, err)
		return
	}
	if v := c.Query("limit"); v != "" {
		if q.Limit, err = strconv.Atoi(v); err != nil || q.Limit < 1 {
			s.respondError(c, mar.Invalid("limit", "must be a positive number"))
			return
		}
	}
	as, err := s.svc.ListAlerts(c.Request.Context(), mustIdentity(c), q)
	if err != nil {
		s.respondError(c, err)
		return
	}
	out := make([]alertJSON, len(as))
	for i, a := range as {
		out[i] = toAlertJSON(a)
	}
	c.JSON(http.StatusOK, listOf(out))
}

type alertNoteRequest struct {
	Note string `json:"note"`
}

func (s *Server) changeAlert(c *gin.Context, change func(by mar.Identity, id, note string) (mar.Alert, error)) {
	var req alertNoteRequest
	if _, err := readJSON(c, &req); err != nil {
		s.respondError(c, err)
		return
	}
	a, err := change(mustIdentity(c), c.Param("id"), req.Note)
	if err != nil {
		s.respondError(c, err)
		return
	}
	s.alerts.Hub.Notify()
	c.JSON(http.StatusOK, toAlertJSON(a))
}

func (s *Server) acknowledgeAlert(c *gin.Context) {
	s.changeAlert(c, func(by mar.Identity, id, note string) (mar.Alert, error) {
		return s.svc.AcknowledgeAlert(c.Request.Context(), by, id, note)
	})
}

func (s *Server) resolveAlert(c *gin.Context) {
	s.changeAlert(c, func(by mar.Identity, id, note string) (mar.Alert, error) {
		return s.svc.ResolveAlert(c.Request.Context(), by, id, note)
	})
}

// lastEventID reads where a reconnecting client left off: the
// Last-Event-ID header the browser's EventSource sends, or last_event_id
// in the query for clients that cannot set headers.
func lastEventID(c *gin.Context) (int64, error) {
	v := c.GetHeader("Last-Event-ID")
	if v == "" {
		v = c.Query("last_event_id")
	}
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < 0 {
		return 0, mar.Invalid("last_event_id", "must be the id of an event")
	}
	return n, nil
}

// streamBatch is how many events one read of the stream sends at most.
const streamBatch = 200

// streamAlerts sends a unit's alert events as Server-Sent Events. Events
// come from the alert_events table in id order, and ids are dense in
// commit order, so resuming after the last id seen neither skips nor
// repeats an event. The stream reads when this process's hub says an
// alert changed and at least every Poll (for other replicas' changes),
// sends a comment every KeepAlive, and ends when the client goes, the
// server shuts down or MaxDuration passes.
func (s *Server) streamAlerts(c *gin.Context) {
	ctx := c.Request.Context()
	after, err := lastEventID(c)
	if err != nil {
		s.respondError(c, err)
		return
	}
	st, err := s.svc.OpenAlertStream(ctx, mustIdentity(c), c.Query("unit_id"))
	if err != nil {
		s.respondError(c, err)
		return
	}
	h := c.Writer.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("Connection", "keep-alive")
	h.Set("X-Accel-Buffering", "no") // nginx must not buffer the stream
	c.Status(http.StatusOK)
	w := c.Writer
	if _, err := fmt.Fprint(w, "retry: 2000\n\n"); err != nil {
		return
	}
	w.Flush()

	cfg := s.alerts
	poll := time.NewTicker(cfg.Poll)
	defer poll.Stop()
	keep := time.NewTicker(cfg.KeepAlive)
	defer keep.Stop()
	end := time.NewTimer(cfg.MaxDuration)
	defer end.Stop()
	for {
		// Take the wake-up channel before reading, so a change committed
		// between the read and the wait still wakes us.
		wake := cfg.Hub.Wait()
		events, err := s.svc.AlertEvents(ctx, st, after, streamBatch)
		if err != nil {
			if ctx.Err() == nil {
				s.log.ErrorContext(ctx, "alert stream read failed", "err", err, "request_id", requestID(c))
			}
			return // the client reconnects with Last-Event-ID
		}
		for _, e := range events {
			data, err := json.Marshal(alertEventJSON{EventID: e.ID, Type: string(e.Type), At: e.At, Actor: e.Actor, Note: e.Note, Level: e.Level, Alert: toAlertJSON(e.Alert)})
			if err != nil {
				return
			}
			if _, err := fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", e.ID, e.Type, data); err != nil {
				return
			}
			after = e.ID
		}
		if len(events) > 0 {
			w.Flush()
		}
		if len(events) == streamBatch {
			continue // more are waiting
		}
		select {
		case <-ctx.Done():
			return
		case <-cfg.Hub.Done():
			return
		case <-end.C:
			return
		case <-wake:
		case <-poll.C:
		case <-keep.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return
			}
			w.Flush()
		}
	}
}

type reportLineJSON struct {
	Key       string  `json:"key"`
	Due       int     `json:"due"`
	Open      int     `json:"open"`
	Given     int     `json:"given"`
	OnTime    int     `json:"on_time"`
	Late      int     `json:"late"`
	Missed    int     `json:"missed"`
	Held      int     `json:"held"`
	Refused   int     `json:"refused"`
	NotGiven  int     `json:"not_given"`
	OnTimePct float64 `json:"on_time_pct"`
	Scanned   int     `json:"scanned"`
	Unscanned int     `json:"unscanned"`
	ScanPct   float64 `json:"scan_pct"`
}

func toReportLineJSON(l mar.DoseReportLine) reportLineJSON {
	return reportLineJSON{Key: l.Key, Due: l.Due, Open: l.Open, Given: l.Given, OnTime: l.OnTime, Late: l.Late, Missed: l.Missed,
		Held: l.Held, Refused: l.Refused, NotGiven: l.NotGiven, OnTimePct: l.OnTimePct, Scanned: l.Scanned, Unscanned: l.Unscanned, ScanPct: l.ScanPct}
}

type doseReportJSON struct {
	From  time.Time        `json:"from"`
	To    time.Time        `json:"to"`
	Group string           `json:"group"`
	Lines []reportLineJSON `json:"lines"`
	Total reportLineJSON   `json:"total"`
}

// doseReportQuery reads a report's unit, grouping and period from the
// query string.
func doseReportQuery(c *gin.Context) (mar.DoseReportQuery, error) {
	q := mar.DoseReportQuery{UnitID: c.Query("unit_id"), Group: c.Query("group")}
	var err error
	if q.From, err = timeParam(c, "from", time.Time{}); err != nil {
		return q, err
	}
	q.To, err = timeParam(c, "to", time.Time{})
	return q, err
}

func (s *Server) doseReport(c *gin.Context) {
	q, err := doseReportQuery(c)
	if err != nil {
		s.respondError(c, err)
		return
	}
	format := c.DefaultQuery("format", "json")
	if format != "json" && format != "csv" {
		s.respondError(c, mar.Invalid("format", "must be json or csv"))
		return
	}
	rep, err := s.svc.DoseReport(c.Request.Context(), mustIdentity(c), q)
	if err != nil {
		s.respondError(c, err)
		return
	}
	out := doseReportJSON{From: rep.From, To: rep.To, Group: rep.Group, Lines: []reportLineJSON{}, Total: toReportLineJSON(rep.Total)}
	for _, l := range rep.Lines {
		out.Lines = append(out.Lines, toReportLineJSON(l))
	}
	if format == "json" {
		c.JSON(http.StatusOK, out)
		return
	}
	name := fmt.Sprintf("dose-report-%s-%s-%s.csv", rep.Group, rep.From.Format("20060102T1504Z"), rep.To.Format("20060102T1504Z"))
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Status(http.StatusOK)
	cw := csv.NewWriter(c.Writer)
	_ = cw.Write([]string{rep.Group, "due", "open", "given", "on_time", "late", "missed", "held", "refused", "not_given", "on_time_pct", "scanned", "unscanned", "scan_pct"})
	row := func(l reportLineJSON) []string {
		it := strconv.Itoa
		pct := func(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }
		return []string{csvCell(l.Key), it(l.Due), it(l.Open), it(l.Given), it(l.OnTime), it(l.Late), it(l.Missed), it(l.Held), it(l.Refused),
			it(l.NotGiven), pct(l.OnTimePct), it(l.Scanned), it(l.Unscanned), pct(l.ScanPct)}
	}
	for _, l := range out.Lines {
		_ = cw.Write(row(l))
	}
	_ = cw.Write(row(out.Total))
	cw.Flush()
	if err := cw.Error(); err != nil {
		s.log.ErrorContext(c.Request.Context(), "write CSV report", "err", err, "request_id", requestID(c))
	}
}

// csvCell defuses spreadsheet formulas: a nurse's or a medication's name
// that starts with = + - @ would otherwise run when the file is opened.
// encoding/csv does the quoting of commas, quotes and newlines.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
