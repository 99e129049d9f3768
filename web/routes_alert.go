package web

import "github.com/emar-project/emar/mar"

var (
	// alertReaders see the alerts of their units; pharmacists see only
	// verification_overdue (the service narrows by role).
	alertReaders = []mar.Role{mar.RoleNurse, mar.RoleChargeNurse, mar.RolePharmacist}
	reporters    = []mar.Role{mar.RoleChargeNurse, mar.RoleAdmin}
)

// alertRoutes lists the alert routes.
func (s *Server) alertRoutes() []Route {
	return []Route{
		{"GET", "/api/v1/alerts", alertReaders, "alerts by unit, status (open, acknowledged, resolved, active, all), time range or shift", s.listAlerts},
		{"GET", "/api/v1/alerts/stream", alertReaders, "live alert events of a unit (Server-Sent Events), resumable with Last-Event-ID", s.streamAlerts},
		{"POST", "/api/v1/alerts/:id/acknowledge", chargeNurse, "acknowledge an alert (stops escalation)", s.acknowledgeAlert},
		{"POST", "/api/v1/alerts/:id/resolve", chargeNurse, "resolve an alert with a note", s.resolveAlert},
		{"GET", "/api/v1/reports/wristband-scans", reporters, "wristband-scan compliance: administrations whose resident was scanned or selected by hand, per unit, nurse or reason (group; from, to, unit_id)", s.wristbandScanReport},
		{"GET", "/api/v1/reports/doses", reporters, "missed and late doses, on-time and scanning compliance, as JSON or CSV", s.doseReport},
	}
}
