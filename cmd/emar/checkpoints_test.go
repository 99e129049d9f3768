package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store"
)

// fixedClock is a clock stopped at one instant.
type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c) }

// Checkpoints are on by default: the first start makes the signing key
// outside the database (mode 0600, path printed) and signs the trail;
// audit verify then fails, saying how much, when events older than the
// interval are in no checkpoint.
func TestCheckpointsAreOnByDefault(t *testing.T) {
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "emar.db")
	if code, _, stderr := emar(t, nil, "demo", "--db", dsn); code != 0 {
		t.Fatalf("demo: %s", stderr)
	}
	// Three failed sign-ins two hours ago by the service's clock; no
	// checkpoint covers them yet.
	oldEvents := func() {
		t.Helper()
		st, err := store.Open(context.Background(), dsn, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		svc := mar.NewService(st, nil)
		svc.Clock = fixedClock(time.Now().Add(-2 * time.Hour))
		for i := 0; i < 3; i++ {
			if _, err := svc.Login(context.Background(), "nobody", "wrong", mar.SessionDevice, mar.Identity{}); err == nil {
				t.Fatal("a sign-in that should fail did not")
			}
		}
	}
	oldEvents()
	code, _, stderr := emar(t, nil, "audit", "verify", "--db", dsn)
	if code != 1 || !strings.Contains(stderr, "NOT covered: 3 of 3 events") {
		t.Fatalf("verify with no checkpoint: %d %q", code, stderr)
	}

	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"emar", "serve", "--db", dsn, "--addr", "127.0.0.1:0", "--alerts=false"}, func(string) string { return "" }, out, out)
	}()
	keyPath := filepath.Join(dir, "emar-audit", "signing.key")
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(out.String(), "emar is ready") && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
	}
	cancel()
	if c := <-done; c != 0 {
		t.Fatalf("serve exited %d: %s", c, out.String())
	}
	if !strings.Contains(out.String(), "audit signing key made at "+keyPath) {
		t.Fatalf("serve did not say where the key is: %s", out.String())
	}
	if fi, err := os.Stat(keyPath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	code, stdout, stderr := emar(t, nil, "audit", "verify", "--db", dsn)
	if code != 0 || !strings.Contains(stdout, "audit trail intact") || !strings.Contains(stdout, "signed checkpoints") {
		t.Fatalf("verify after the first start: %d %q %q", code, stdout, stderr)
	}

	// Events written since, two hours old, are in no checkpoint: verify
	// says how many.
	oldEvents()
	code, _, stderr = emar(t, nil, "audit", "verify", "--db", dsn, "--audit-checkpoint-interval", "1ns")
	if code != 1 || !regexp.MustCompile(`NOT covered: [3-9] of \d+ events \(from #\d+, .*\) are in no signed checkpoint, though checkpoints are signed every 1ns`).MatchString(stderr) {
		t.Fatalf("verify with an uncovered tail: %d %q", code, stderr)
	}
	// A second start signs them, without making a new key.
	key, _ := os.ReadFile(keyPath)
	ctx, cancel = context.WithCancel(context.Background())
	out = &syncBuffer{}
	go func() {
		done <- run(ctx, []string{"emar", "serve", "--db", dsn, "--addr", "127.0.0.1:0", "--alerts=false"}, func(string) string { return "" }, out, out)
	}()
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(out.String(), "emar is ready") && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
	}
	cancel()
	<-done
	if again, _ := os.ReadFile(keyPath); string(again) != string(key) || strings.Contains(out.String(), "key made") {
		t.Fatal("the second start made a new key")
	}
	if code, stdout, stderr := emar(t, nil, "audit", "verify", "--db", dsn); code != 0 || !strings.Contains(stdout, "audit trail intact") {
		t.Fatalf("verify after the second start: %d %q %q", code, stdout, stderr)
	}
}

// Checkpoints of one database are no evidence about another's trail: by
// default each database's checkpoints have their own folder, so two
// databases beside one key never look rewritten to each other.
func TestDefaultCheckpointFolderIsPerDatabase(t *testing.T) {
	a := auditFiles{key: new(string), dir: new(string)}
	seen := map[string]string{}
	for _, dsn := range []string{
		"sqlite:/var/lib/emar/emar.db",
		"sqlite:/var/lib/emar/other.db?_pragma=busy_timeout(5000)",
		"postgres://emar@db1:5432/emar?sslmode=disable",
		"postgres://emar@db1:5433/emar",
		"postgres://emar@db1:5432/emar2",
		"postgres://emar@db1:5432,db2:5432/emar?target_session_attrs=read-write",
		"host=db1 port=5432 dbname=emar3 user=emar",
	} {
		_, dir := a.resolve(dsn)
		if other, ok := seen[dir]; ok {
			t.Errorf("%s and %s share the checkpoint folder %s", dsn, other, dir)
		}
		seen[dir] = dsn
		if _, again := a.resolve(dsn); again != dir {
			t.Errorf("%s: folder %s, then %s", dsn, dir, again)
		}
		if base := filepath.Base(dir); strings.ContainsAny(base, "/:?@,= ") {
			t.Errorf("%s: folder name %q is not a plain file name", dsn, base)
		}
	}
}
