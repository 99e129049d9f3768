package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store"
	"github.com/emar-project/emar/mar/store/storetest"
)

func emar(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), append([]string{"emar"}, args...), func(k string) string {
		if v, ok := env[k]; ok || k != "EMAR_DEMO_HISTORY" {
			return v
		}
		return "0s" // the demo without its history, which only the demo package's test needs
	}, &out, &errb)
	return code, out.String(), errb.String()
}

func TestBadConfigurationFailsClearly(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"unknown command", []string{"fly"}, 2, `unknown command "fly"`},
		{"unknown flag", []string{"migrate", "--colour", "red"}, 2, "flag provided but not defined: -colour"},
		{"unreachable database", []string{"migrate", "--db", "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2"}, 1, "connect to postgres database"},
		{"stray argument", []string{"demo", "extra"}, 2, `unexpected argument "extra"`},
		{"a translation of no text", []string{"serve", "--translations", "testdata/translations-bad"}, 1, `de.toml: "Scan a wristbnad" is no text of the service`},
		{"a default language without translation", []string{"serve", "--language", "fr"}, 1, `--language "fr": no translation`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := emar(t, nil, tt.args...)
			if code != tt.wantCode || !strings.Contains(stderr, tt.wantErr) {
				t.Fatalf("exit %d, stderr %q; want %d containing %q", code, stderr, tt.wantCode, tt.wantErr)
			}
		})
	}
}

func TestEnvironmentFallsBackForFlags(t *testing.T) {
	dsn := storetest.NewDSN(t, "sqlite")
	code, out, stderr := emar(t, map[string]string{"EMAR_DB": dsn}, "migrate")
	if code != 0 || !strings.Contains(out, "schema at version") {
		t.Fatalf("migrate via EMAR_DB: %d %q %q", code, out, stderr)
	}
}

func TestDemoLoadsOnceAndAuditVerifies(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.NewDSN(t, engine)
			code, out, stderr := emar(t, nil, "demo", "--db", dsn)
			if code != 0 || !strings.Contains(out, "20 residents") || !strings.Contains(out, "nurse") {
				t.Fatalf("demo: %d %q %q", code, out, stderr)
			}
			code, _, stderr = emar(t, nil, "demo", "--db", dsn)
			if code == 0 || !strings.Contains(stderr, "already holds records") {
				t.Fatalf("second demo load: %d %q", code, stderr)
			}
			code, out, _ = emar(t, nil, "audit", "verify", "--db", dsn)
			if code != 0 || !strings.Contains(out, "audit trail intact") {
				t.Fatalf("audit verify on a clean chain: %d %q", code, out)
			}
		})
	}
}

// tamper edits the audit table as the database owner would, with the
// append-only triggers out of the way.
func tamper(t *testing.T, st *store.Store, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	db := st.DB()
	if st.Dialect() == store.Postgres {
		stmts = append(append([]string{"ALTER TABLE audit_events DISABLE TRIGGER USER"}, stmts...), "ALTER TABLE audit_events ENABLE TRIGGER USER")
	} else {
		stmts = append([]string{"DROP TRIGGER audit_events_no_update", "DROP TRIGGER audit_events_no_delete"}, stmts...)
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// Each tamper is made in the chain the failed sign-ins were appended to
// ({chain}), at positions in that chain; verification must name the chain
// and the event, by default (from the first event when no checkpoint
// exists) and with --full.
func TestAuditVerifyNamesTamperedEvents(t *testing.T) {
	tests := []struct {
		name    string
		stmts   []string
		wantSeq string
	}{
		{"edited row", []string{"UPDATE audit_events SET user_id = 'mallory' WHERE chain = {chain} AND chain_seq = 5"}, "event 5"},
		{"deleted row", []string{"DELETE FROM audit_events WHERE chain = {chain} AND chain_seq = 7"}, "event 7"},
		{"swapped rows", []string{
			"UPDATE audit_events SET chain_seq = -1 WHERE chain = {chain} AND chain_seq = 3",
			"UPDATE audit_events SET chain_seq = 3 WHERE chain = {chain} AND chain_seq = 4",
			"UPDATE audit_events SET chain_seq = 4 WHERE chain = {chain} AND chain_seq = -1"}, "event 3"},
		{"truncated tail", []string{"DELETE FROM audit_events WHERE chain = {chain} AND chain_seq > 10"}, "event 11"},
		{"event moved to another chain", []string{"UPDATE audit_events SET chain = 'elsewhere' WHERE chain = {chain} AND chain_seq = 6"}, "event 6"},
		{"event inserted outside every chain", []string{"INSERT INTO audit_events (seq, chain, chain_seq, id, facility_id, at, user_id, role, action, object_type, object_id, resident_id, outcome, source_ip, device, request_id, break_glass, detail, prev_hash, hash) " +
			"SELECT seq + 100000, 'forged', 1, '" + mar.NewID() + "', facility_id, at, 'mallory', role, action, object_type, object_id, resident_id, outcome, source_ip, device, request_id, break_glass, detail, prev_hash, hash FROM audit_events WHERE chain = {chain} AND chain_seq = 2"}, "lies outside every chain"},
	}
	for _, engine := range storetest.Engines(t) {
		for _, tt := range tests {
			t.Run(engine+"/"+tt.name, func(t *testing.T) {
				dsn := storetest.NewDSN(t, engine)
				if code, _, stderr := emar(t, nil, "demo", "--db", dsn); code != 0 {
					t.Fatalf("demo: %s", stderr)
				}
				st, err := store.Open(context.Background(), dsn, nil)
				if err != nil {
					t.Fatal(err)
				}
				defer st.Close()
				addEvents(t, st, 12)
				var chain string
				if err := st.DB().QueryRowContext(context.Background(), "SELECT chain FROM audit_events ORDER BY seq DESC LIMIT 1").Scan(&chain); err != nil {
					t.Fatal(err)
				}
				// The service itself cannot rewrite the trail.
				if _, err := st.DB().ExecContext(context.Background(), "UPDATE audit_events SET user_id = 'x' WHERE chain_seq = 1"); err == nil {
					t.Fatal("the append-only trigger let an UPDATE through")
				}
				var stmts []string
				for _, s := range tt.stmts {
					stmts = append(stmts, strings.ReplaceAll(s, "{chain}", "'"+chain+"'"))
				}
				tamper(t, st, stmts...)
				for _, args := range [][]string{{"audit", "verify", "--db", dsn}, {"audit", "verify", "--full", "--db", dsn}} {
					code, _, stderr := emar(t, nil, args...)
					if code != 1 || !strings.Contains(stderr, tt.wantSeq) || !strings.Contains(stderr, "chain") {
						t.Fatalf("%v after %s: exit %d, %q; want it to name %s of chain %s", args, tt.name, code, stderr, tt.wantSeq, chain)
					}
				}
			})
		}
	}
}

func addEvents(t *testing.T, st *store.Store, n int) {
	t.Helper()
	svc := mar.NewService(st, nil)
	for i := 0; i < n; i++ {
		if _, err := svc.Login(context.Background(), "nurse", "wrong", mar.SessionWeb, mar.Identity{}); mar.ErrorCodeOf(err) != mar.EUnauthenticated && mar.ErrorCodeOf(err) != mar.ETooMany {
			t.Fatalf("login attempt: %v", err)
		}
	}
}

func TestScheduleCommandPrintsInstantsAcrossDST(t *testing.T) {
	code, out, stderr := emar(t, nil, "schedule", "--tz", "America/New_York", "--from", "2026-03-07T00:00:00-05:00", "--days", "2", "08:00, 20:00")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"2026-03-07T13:00:00Z", "2026-03-08T01:00:00Z", "2026-03-08T12:00:00Z", "2026-03-08 08:00 EDT"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// 02:30 does not exist that night: the dose is moved, and says so.
	code, out, stderr = emar(t, nil, "schedule", "--tz", "America/New_York", "--from", "2026-03-07T00:00:00-05:00", "--days", "3", "daily at 02:30")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if n := strings.Count(out, "! clock change:"); n != 1 || !strings.Contains(out, "2026-03-08T07:00:00Z  2026-03-08 03:00 EDT") ||
		!strings.Contains(out, "02:30 does not exist on 8 Mar (clocks go forward 02:00 → 03:00): given once at 03:00 EDT") {
		t.Errorf("want one clock-change warning on the 8 March dose (%d):\n%s", n, out)
	}
	code, _, stderr = emar(t, nil, "schedule", "--tz", "UTC", "every blue moon")
	if code != 1 || !strings.Contains(stderr, "every blue") {
		t.Fatalf("unparseable: exit %d %q", code, stderr)
	}
}

// Someone with database rights truncates the tail and writes a new,
// internally consistent chain with a matching head row: only the signed
// checkpoints kept outside the database can tell.
func TestAuditVerifyCatchesARechainedTailWithCheckpoints(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.NewDSN(t, engine)
			dir := t.TempDir()
			keyFile := dir + "/audit.key"
			cpDir := dir + "/checkpoints"
			code, out, stderr := emar(t, nil, "audit", "keygen", "--out", keyFile)
			if code != 0 {
				t.Fatalf("keygen: %s", stderr)
			}
			pub := strings.TrimSpace(out[strings.Index(out, "public key: ")+len("public key: "):])
			if code, _, stderr := emar(t, nil, "demo", "--db", dsn); code != 0 {
				t.Fatalf("demo: %s", stderr)
			}
			st, err := store.Open(context.Background(), dsn, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			addEvents(t, st, 12)
			if code, _, stderr := emar(t, nil, "audit", "checkpoint", "--db", dsn, "--audit-key", keyFile, "--audit-checkpoints", cpDir); code != 0 {
				t.Fatalf("checkpoint: %s", stderr)
			}
			code, out, _ = emar(t, nil, "audit", "verify", "--db", dsn, "--audit-checkpoints", cpDir, "--audit-pubkey", pub)
			if code != 0 || !strings.Contains(out, "against 1 signed checkpoints") {
				t.Fatalf("verify a clean chain with its checkpoint: %d %q", code, out)
			}
			// Rewrite events 6.. of the sign-ins' chain as a consistent chain.
			var chain string
			if err := st.DB().QueryRowContext(context.Background(), "SELECT chain FROM audit_events ORDER BY seq DESC LIMIT 1").Scan(&chain); err != nil {
				t.Fatal(err)
			}
			var events []mar.AuditEvent
			_ = st.EachChainEvent(context.Background(), chain, 0, func(e mar.AuditEvent) error { events = append(events, e); return nil })
			stmts := []string{"DELETE FROM audit_events WHERE chain = '" + chain + "' AND chain_seq >= 6"}
			prev := events[4].Hash
			for pos := int64(6); pos <= int64(len(events)); pos++ {
				e := events[pos-1]
				e.UserID = "rewritten"
				e.PrevHash = prev
				e.Hash = e.ComputeHash()
				prev = e.Hash
				stmts = append(stmts, insertAudit(e))
			}
			stmts = append(stmts, "UPDATE audit_chain_heads SET hash = '"+prev+"' WHERE chain = '"+chain+"'")
			tamper(t, st, stmts...)
			code, _, stderr = emar(t, nil, "audit", "verify", "--db", dsn)
			if code != 0 {
				t.Fatalf("without checkpoints the rewritten chain should look intact (that is why checkpoints exist): %q", stderr)
			}
			// Incremental (the default) starts at the checkpoint's last
			// event, whose signed hash no longer matches; --full compares
			// every event with the signed hashes and names the first.
			code, _, stderr = emar(t, nil, "audit", "verify", "--db", dsn, "--audit-checkpoints", cpDir, "--audit-pubkey", pub)
			if code != 1 || !strings.Contains(stderr, "chain "+chain) || !strings.Contains(stderr, fmt.Sprintf("event %d ", len(events))) {
				t.Fatalf("incremental verify with checkpoints after a re-chain: %d %q; want the checkpoint's last event %d named", code, stderr, len(events))
			}
			code, _, stderr = emar(t, nil, "audit", "verify", "--full", "--db", dsn, "--audit-checkpoints", cpDir, "--audit-pubkey", pub)
			if code != 1 || !strings.Contains(stderr, "event 6 ") {
				t.Fatalf("full verify with checkpoints after a re-chain: %d %q; want event 6 named", code, stderr)
			}
		})
	}
}

func insertAudit(e mar.AuditEvent) string {
	q := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	bg := "false"
	if e.BreakGlass {
		bg = "true"
	}
	return fmt.Sprintf("INSERT INTO audit_events (seq, chain, chain_seq, id, facility_id, at, user_id, role, action, object_type, object_id, resident_id, outcome, source_ip, device, request_id, break_glass, detail, prev_hash, hash) VALUES (%d, %s, %d, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
		e.Seq, q(e.Chain), e.ChainSeq, q(e.ID), q(e.FacilityID), q(e.At.UTC().Format("2006-01-02 15:04:05.999999-07:00")), q(e.UserID), q(e.Role), q(e.Action), q(e.ObjectType), q(e.ObjectID), q(e.ResidentID), q(e.Outcome), q(e.SourceIP), q(e.Device), q(e.RequestID), bg, q(e.Detail), q(e.PrevHash), q(e.Hash))
}

func TestBarcodesWritesTheDemoSheet(t *testing.T) {
	dir := t.TempDir()
	code, out, stderr := emar(t, nil, "barcodes", "--out", dir)
	if code != 0 || !strings.Contains(out, "barcodes and index.tsv") {
		t.Fatalf("barcodes: %d %q %q", code, out, stderr)
	}
	index, err := os.ReadFile(filepath.Join(dir, "index.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(index)), "\n")
	for _, l := range lines[1:] {
		file := strings.Split(l, "\t")[0]
		if st, err := os.Stat(filepath.Join(dir, file)); err != nil || st.Size() == 0 {
			t.Errorf("%s listed but not written: %v", file, err)
		}
	}
	if len(lines) < 30 || !strings.Contains(string(index), "{GS}") || !strings.Contains(string(index), "EXPIRED") {
		t.Fatalf("index.tsv:\n%s", index)
	}
}

func TestDecodeCommandReadsFixturesAndFailsOnNonImages(t *testing.T) {
	img := "../../scanning/testdata/images/dm_dmre_12x64__blur1.png"
	code, out, stderr := emar(t, nil, "decode", "--json", img)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{`"format":"DATA_MATRIX"`, `"symbology":"]d2"`, `LOT123A\u001d21SN0001`, `"expiry":"2027-01-31"`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s: %s", want, out)
		}
	}
	code, out, _ = emar(t, nil, "decode", "--json", img, "main.go")
	if code != 1 || !strings.Contains(out, `"file":"main.go","error"`) {
		t.Fatalf("a non-image among images: exit %d, %s", code, out)
	}
}
