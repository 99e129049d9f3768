package web

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar"
)

type wristbandScanLineJSON struct {
	Key             string         `json:"key"`
	Administrations int            `json:"administrations"`
	Scanned         int            `json:"scanned"`
	SelectedByHand  int            `json:"selected_by_hand"`
	ByReason        map[string]int `json:"by_reason"`
	ScanPct         float64        `json:"scan_pct"`
}

type wristbandScanReportJSON struct {
	From  time.Time               `json:"from"`
	To    time.Time               `json:"to"`
	Group string                  `json:"group"`
	Lines []wristbandScanLineJSON `json:"lines"`
	Total wristbandScanLineJSON   `json:"total"`
}

func toWristbandScanLineJSON(l mar.WristbandScanLine) wristbandScanLineJSON {
	by := l.ByReason
	if by == nil {
		by = map[string]int{}
	}
	return wristbandScanLineJSON{Key: l.Key, Administrations: l.Administrations, Scanned: l.Scanned, SelectedByHand: l.SelectedByHand, ByReason: by, ScanPct: l.ScanPct}
}

// wristbandScanReport is the wristband-scan compliance report: how often
// the resident was identified by a scan rather than selected by hand, per
// unit, nurse or reason.
func (s *Server) wristbandScanReport(c *gin.Context) {
	q, err := doseReportQuery(c)
	if err != nil {
		s.respondError(c, err)
		return
	}
	rep, err := s.svc.WristbandScanReport(c.Request.Context(), mustIdentity(c), q)
	if err != nil {
		s.respondError(c, err)
		return
	}
	out := wristbandScanReportJSON{From: rep.From, To: rep.To, Group: rep.Group, Lines: []wristbandScanLineJSON{}, Total: toWristbandScanLineJSON(rep.Total)}
	for _, l := range rep.Lines {
		out.Lines = append(out.Lines, toWristbandScanLineJSON(l))
	}
	c.JSON(http.StatusOK, out)
}
