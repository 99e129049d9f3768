package demo_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/demo"
	"github.com/emar-project/emar/mar/store/storetest"
)

// The demo with history charts thirty days through the real services:
// every kind of record is there, each dose once, nothing in the future,
// the audit chain verifies and the dose report has something to show.
func TestDemoHistoryChartsThirtyDays(t *testing.T) {
	now := time.Date(2026, 3, 20, 14, 7, 0, 0, time.UTC) // spans the US change to summer time
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			env := testenv.Start(t, engine, testenv.Options{Now: now, History: demo.DefaultHistory})
			ctx := context.Background()
			var admins []mar.Administration
			var followups int
			var missed, acked int
			err := env.Store.InTx(ctx, func(tx mar.Tx) error {
				var err error
				if admins, err = tx.ListAdministrations(mar.AdministrationFilter{Since: now.Add(-40 * 24 * time.Hour)}); err != nil {
					return err
				}
				for _, a := range admins {
					if a.PRN && a.Outcome == mar.OutcomeGiven {
						fu, err := tx.GetPRNFollowup(a.ID)
						if err == nil && fu.Status == mar.FollowupDocumented && fu.Result != "" {
							followups++
						}
					}
				}
				ds, err := tx.ListDoses(mar.DoseFilter{DueFrom: now.Add(-31 * 24 * time.Hour), DueTo: now, Statuses: []mar.DoseStatus{mar.DoseMissed}})
				if err != nil {
					return err
				}
				missed = len(ds)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			alerts, err := env.Svc.ListAlerts(ctx, identity(t, env, "charge"), mar.AlertQuery{Status: mar.AlertAny, From: now.Add(-31 * 24 * time.Hour), To: now})
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range alerts {
				if a.Kind == mar.AlertMissed && a.AcknowledgedAt != nil && a.AcknowledgedBy != "" {
					acked++
				}
			}
			counts := map[string]int{}
			perDose := map[string]int{}
			var oldest time.Time
			for _, a := range admins {
				if a.PerformedAt.After(now) || a.RecordedAt.After(now) {
					t.Errorf("administration %s performed %s, recorded %s: after now %s", a.ID, a.PerformedAt, a.RecordedAt, now)
				}
				if oldest.IsZero() || a.PerformedAt.Before(oldest) {
					oldest = a.PerformedAt
				}
				if a.DoseID != "" {
					perDose[a.DoseID]++
					if perDose[a.DoseID] > 1 {
						t.Errorf("dose %s documented %d times", a.DoseID, perDose[a.DoseID])
					}
				}
				switch {
				case a.PRN:
					counts["prn"]++
				case a.Outcome == mar.OutcomeGiven && a.Late:
					counts["late"]++
				case a.Outcome == mar.OutcomeGiven:
					counts["given"]++
				case a.Outcome == mar.OutcomeHeld && a.ReasonCode == mar.ReasonHoldParameterMet:
					counts["held by parameter"]++
				case a.Outcome == mar.OutcomeHeld:
					counts["held"]++
				case a.Outcome == mar.OutcomeRefused:
					counts["refused"]++
				}
				if a.Outcome == mar.OutcomeGiven && a.ScannedWrist == "" {
					t.Errorf("administration %s has no wristband scan", a.ID)
				}
			}
			counts["prn with effectiveness"] = followups
			counts["missed"] = missed
			counts["missed, alert acknowledged"] = acked
			t.Logf("%s: %d administrations since %s: %v", engine, len(admins), oldest.Format(time.RFC3339), counts)
			for _, k := range []string{"given", "late", "held by parameter", "held", "refused", "prn", "prn with effectiveness", "missed", "missed, alert acknowledged"} {
				if counts[k] == 0 {
					t.Errorf("no %s in the history: %v", k, counts)
				}
			}
			if counts["given"] < counts["late"]*3 {
				t.Errorf("mostly on time, yet %d on time and %d late", counts["given"], counts["late"])
			}
			if span := now.Sub(oldest); span < 29*24*time.Hour {
				t.Errorf("history reaches back %s, want 30 days", span)
			}
			n, brk, err := env.Store.VerifyAudit(ctx)
			if err != nil || brk != nil {
				t.Fatalf("audit chain: %d events, break %+v, err %v", n, brk, err)
			}

			var rep struct {
				Total struct {
					Due, Given, OnTime, Late, Missed, Held, Refused, Scanned int
				} `json:"total"`
			}
			q := url.Values{"from": {now.Add(-30 * 24 * time.Hour).Format(time.RFC3339)}, "to": {now.Format(time.RFC3339)}}
			if code := env.Login(t, "charge").JSON("GET", "/api/v1/reports/doses?"+q.Encode(), nil, &rep); code != 200 {
				t.Fatalf("dose report: %d", code)
			}
			if rep.Total.Due < 100 || rep.Total.Given == 0 || rep.Total.Scanned == 0 || rep.Total.Missed == 0 {
				t.Errorf("dose report over the last 30 days: %+v", rep.Total)
			}
		})
	}
}

func identity(t *testing.T, env *testenv.Env, username string) mar.Identity {
	t.Helper()
	var u mar.User
	err := env.Store.InTx(context.Background(), func(tx mar.Tx) error {
		var err error
		u, err = tx.GetUserByUsername(username)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return mar.Identity{User: u}
}
