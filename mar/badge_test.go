package mar_test

import (
	"context"
	"testing"

	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/demo"
)

func TestBadgeAndPINSignIn(t *testing.T) {
	env := testenv.Start(t, "sqlite", testenv.Options{})
	ctx := context.Background()
	nurse := demo.Accounts[0]
	// An account with a badge but no PIN cannot use the badge to sign in.
	if _, err := env.Svc.CreateUser(ctx, adminOf(t, env, "admin"), mar.User{FacilityID: env.Demo.Facility.ID, Username: "nopin", Role: mar.RoleNurse, BadgeID: "EMP09999"}, "long enough password"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, badge, pin, kind string
		wantCode               mar.ErrorCode
		wantUser               string
	}{
		{"the badge with its PIN opens a session", nurse.Badge, demo.PIN, mar.SessionWeb, "", nurse.Username},
		{"a device session works the same way", nurse.Badge, demo.PIN, mar.SessionDevice, "", nurse.Username},
		{"a wrong PIN is refused", nurse.Badge, "0000", mar.SessionWeb, mar.EUnauthenticated, ""},
		{"an unknown badge is refused", "EMP00000", demo.PIN, mar.SessionWeb, mar.EUnauthenticated, ""},
		{"a badge without a PIN is refused", "EMP09999", "", mar.SessionWeb, mar.EUnauthenticated, ""},
		{"the password is not a PIN", nurse.Badge, demo.Password, mar.SessionWeb, mar.EUnauthenticated, ""},
		{"no badge is invalid input", "", demo.PIN, mar.SessionWeb, mar.EInvalid, ""},
		{"an unknown session kind is invalid", nurse.Badge, demo.PIN, "kiosk", mar.EInvalid, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := env.Svc.LoginBadge(ctx, tt.badge, tt.pin, tt.kind, mar.Identity{SourceIP: "127.0.0.1"})
			if tt.wantCode != "" {
				if got := mar.ErrorCodeOf(err); got != tt.wantCode {
					t.Fatalf("error %v (code %s), want code %s", err, got, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatalf("LoginBadge: %v", err)
			}
			id, sess, err := env.Svc.Authenticate(ctx, res.Token)
			if err != nil {
				t.Fatalf("Authenticate the new session: %v", err)
			}
			if id.User.Username != tt.wantUser || sess.Kind != tt.kind || sess.CSRFToken == "" {
				t.Fatalf("signed in as %q with a %q session (csrf %q)", id.User.Username, sess.Kind, sess.CSRFToken)
			}
		})
	}
	// A pharmacist (whose role has a second factor; the demo's is
	// enrolled) cannot use the badge instead.
	if _, err := env.Svc.LoginBadge(ctx, demo.Accounts[3].Badge, demo.PIN, mar.SessionWeb, mar.Identity{}); err == nil {
		t.Fatal("a pharmacist with a one-time code signed in with the badge alone")
	} else if e, _ := mar.AsError(err); e.Reason != "second_factor_required" {
		t.Fatalf("badge sign-in with a second factor: %v", err)
	}
	// Guessing PINs locks the account: the right PIN is then refused too.
	for range env.Svc.Config.LockAfterFailures {
		if _, err := env.Svc.LoginBadge(ctx, demo.Accounts[2].Badge, "9999", mar.SessionWeb, mar.Identity{}); mar.ErrorCodeOf(err) != mar.EUnauthenticated {
			t.Fatalf("a wrong PIN: %v", err)
		}
	}
	if _, err := env.Svc.LoginBadge(ctx, demo.Accounts[2].Badge, demo.PIN, mar.SessionWeb, mar.Identity{}); mar.ErrorCodeOf(err) != mar.ETooMany {
		t.Fatalf("the right PIN after %d wrong ones: %v, want the account locked", env.Svc.Config.LockAfterFailures, err)
	}
	// A wrong PIN and a wrong password answer alike: nothing tells which
	// part was wrong.
	_, errPIN := env.Svc.LoginBadge(ctx, nurse.Badge, "0000", mar.SessionWeb, mar.Identity{})
	_, errUnknown := env.Svc.LoginBadge(ctx, "EMP00000", "0000", mar.SessionWeb, mar.Identity{})
	if errPIN.Error() != errUnknown.Error() {
		t.Fatalf("a wrong PIN (%v) and an unknown badge (%v) answer differently", errPIN, errUnknown)
	}
}
