package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store"
	"github.com/emar-project/emar/mar/store/storetest"
)

// CheckSession's contract on both engines: the session as stored with its
// account and units, and the last-seen time written only when it is older
// than TouchBefore and the session is still in force (never reviving a
// revoked, expired or idle-timed-out session).
func TestCheckSessionTouchesOnlyALiveSessionOnceDue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := seed(t, s)
		ctx := context.Background()
		now := time.Date(2026, 1, 14, 9, 0, 0, 0, time.UTC)
		every, idle := 30*time.Second, 15*time.Minute
		second := mar.Unit{ID: mar.NewID(), FacilityID: f.fac.ID, Code: "B", Name: "Unit B", TimeZone: "America/New_York"}
		if err := s.InTx(ctx, func(tx mar.Tx) error { return tx.CreateUnit(&second) }); err != nil {
			t.Fatal(err)
		}
		if err := s.Gorm().Exec("INSERT INTO user_units (user_id, unit_id) VALUES (?, ?)", f.user.ID, second.ID).Error; err != nil {
			t.Fatal(err)
		}
		revoked := now.Add(-time.Minute)
		for _, tc := range []struct {
			name      string
			kind      string
			lastSeen  time.Duration // before now
			expiresIn time.Duration
			revokedAt *time.Time
			touched   bool
		}{
			{"seen exactly the interval ago: not written", mar.SessionDevice, every, time.Hour, nil, false},
			{"seen just over the interval ago: written", mar.SessionDevice, every + time.Microsecond, time.Hour, nil, true},
			{"web, seen exactly the idle time ago: still in force, written", mar.SessionWeb, idle, time.Hour, nil, true},
			{"web, timed out: not revived", mar.SessionWeb, idle + time.Microsecond, time.Hour, nil, false},
			{"device, idle for hours: written", mar.SessionDevice, 3 * time.Hour, time.Hour, nil, true},
			{"revoked: not written", mar.SessionDevice, time.Hour, time.Hour, &revoked, false},
			{"expired at now: not written", mar.SessionDevice, time.Hour, 0, nil, false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				hash := mar.NewID()
				sess := mar.Session{ID: mar.NewID(), TokenHash: hash, UserID: f.user.ID, Kind: tc.kind, CreatedAt: now.Add(-4 * time.Hour),
					LastSeenAt: now.Add(-tc.lastSeen), ExpiresAt: now.Add(tc.expiresIn), RevokedAt: tc.revokedAt, CSRFToken: "csrf"}
				if err := s.InTx(ctx, func(tx mar.Tx) error {
					if err := tx.CreateSession(&sess); err != nil {
						return err
					}
					if tc.revokedAt != nil {
						return tx.RevokeSession(sess.ID, *tc.revokedAt)
					}
					return nil
				}); err != nil {
					t.Fatal(err)
				}
				check := mar.SessionCheck{TokenHash: hash, Now: now, TouchBefore: now.Add(-every), IdleAfter: now.Add(-idle)}
				st, err := s.CheckSession(ctx, check)
				if err != nil {
					t.Fatal(err)
				}
				if st.Touched != tc.touched {
					t.Errorf("touched = %v, want %v", st.Touched, tc.touched)
				}
				if !st.Session.LastSeenAt.Equal(sess.LastSeenAt) || st.Session.ID != sess.ID || st.Session.CSRFToken != "csrf" ||
					!st.Session.ExpiresAt.Equal(sess.ExpiresAt) || (st.Session.RevokedAt == nil) != (tc.revokedAt == nil) {
					t.Errorf("session as read: %+v; want it as stored before the touch: %+v", st.Session, sess)
				}
				wantUnits := []string{f.unit.ID, second.ID}
				slices.Sort(wantUnits)
				if st.User.ID != f.user.ID || st.User.Username != "nina" || st.User.Role != mar.RoleNurse || !st.User.Active ||
					!slices.Equal(st.User.UnitIDs, wantUnits) {
					t.Errorf("account as read: %+v; want nina with units %v", st.User, wantUnits)
				}
				again, err := s.CheckSession(ctx, check)
				if err != nil {
					t.Fatal(err)
				}
				want := sess.LastSeenAt
				if tc.touched {
					want = now
				}
				if !again.Session.LastSeenAt.Equal(want) || again.Touched {
					t.Errorf("read again: last seen %v (touched %v), want %v, not touched twice", again.Session.LastSeenAt, again.Touched, want)
				}
			})
		}
		if _, err := s.CheckSession(ctx, mar.SessionCheck{TokenHash: "no such token", Now: now}); mar.ErrorCodeOf(err) != mar.ENotFound {
			t.Errorf("unknown token: %v, want not found", err)
		}
	})
}
