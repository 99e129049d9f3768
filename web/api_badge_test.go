package web_test

import (
	"net/http"
	"testing"

	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar/demo"
)

func TestBadgeSignIn(t *testing.T) {
	env := testenv.Start(t, "sqlite", testenv.Options{})
	nurse := demo.Accounts[0]
	tests := []struct {
		name       string
		scan, pin  string
		wantStatus int
		wantReason string
	}{
		{"the badge as typed by a scanner", nurse.Badge, demo.PIN, http.StatusOK, ""},
		{"the badge with its AIM prefix", "]C0" + nurse.Badge, demo.PIN, http.StatusOK, ""},
		{"a wrong PIN", nurse.Badge, "0000", http.StatusUnauthorized, "bad_credentials"},
		{"a wristband is not a badge", "MRN00100001", demo.PIN, http.StatusBadRequest, "not_a_badge"},
		{"a pack is not a badge", "]C1010039910010000110L1000\x1d17280531", demo.PIN, http.StatusBadRequest, "not_a_badge"},
		{"nothing scanned", "", demo.PIN, http.StatusBadRequest, "not_a_badge"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := env.Anonymous(t).Do("POST", "/api/v1/auth/badge", map[string]string{"scan": tt.scan, "pin": tt.pin}, nil)
			if r.Status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.wantStatus, r.Body)
			}
			if tt.wantReason != "" && r.Err(t).Error.Reason != tt.wantReason {
				t.Fatalf("reason %q, want %q", r.Err(t).Error.Reason, tt.wantReason)
			}
		})
	}
	// A device session's token works on the API.
	var out struct {
		Token string `json:"token"`
	}
	c := env.Anonymous(t)
	if st := c.JSON("POST", "/api/v1/auth/badge", map[string]string{"scan": nurse.Badge, "pin": demo.PIN}, &out); st != http.StatusOK || out.Token == "" {
		t.Fatalf("device badge sign-in: %d", st)
	}
	c.Token = out.Token
	var me struct {
		Username string `json:"username"`
	}
	if st := c.JSON("GET", "/api/v1/me", nil, &me); st != http.StatusOK || me.Username != nurse.Username {
		t.Fatalf("me: %d %+v", st, me)
	}
}
