package main

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store"
)

// defaultCheckpointEvery is how often emar serve signs the trail's head.
const defaultCheckpointEvery = time.Minute

// auditFiles are where the signing key and the checkpoints live: outside
// the database, by default in emar-audit/ beside a SQLite file (or in the
// working directory for PostgreSQL).
type auditFiles struct {
	key, dir *string
	every    *time.Duration
}

func addAuditFlags(f *flags) auditFiles {
	return auditFiles{
		key:   f.String("audit-key", "", "Ed25519 key file that signs audit checkpoints; made (mode 0600) when missing (default: emar-audit/signing.key beside the SQLite file, or in the working directory)"),
		dir:   f.String("audit-checkpoints", "", "directory outside the database for signed audit checkpoints, or off (default: emar-audit/checkpoints beside the key)"),
		every: f.Duration("audit-checkpoint-interval", defaultCheckpointEvery, "how often a checkpoint is signed; audit verify fails when events older than this are in none"),
	}
}

// resolve fills the defaults, which depend on the database's location.
func (a auditFiles) resolve(dsn string) (key, dir string) {
	base := "emar-audit"
	if d, err := store.ParseDSN(dsn); err == nil && d == store.SQLite {
		path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "file:")
		if i := strings.IndexByte(path, '?'); i >= 0 {
			path = path[:i]
		}
		base = filepath.Join(filepath.Dir(path), "emar-audit")
	}
	key, dir = *a.key, *a.dir
	if key == "" {
		key = filepath.Join(base, "signing.key")
	}
	if dir == "" {
		dir = filepath.Join(filepath.Dir(key), "checkpoints", trailName(dsn))
	}
	return key, dir
}

// trailName names the audit trail a database holds, for the default
// checkpoint folder: checkpoints of one database are no evidence about
// another's trail, and two databases whose checkpoints shared a folder
// would each look rewritten. A SQLite trail is named by its file, a
// PostgreSQL one by its hosts, ports and database name.
func trailName(dsn string) string {
	name := dsn
	if d, err := store.ParseDSN(dsn); err == nil && d == store.SQLite {
		name = filepath.Base(strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "file:"))
		if i := strings.IndexByte(name, '?'); i >= 0 {
			name = name[:i]
		}
	} else if u, err := url.Parse(dsn); err == nil && u.Host != "" {
		name = u.Host + "_" + strings.TrimPrefix(u.Path, "/")
	} else {
		var parts []string
		for _, kv := range strings.Fields(dsn) {
			if k, v, ok := strings.Cut(kv, "="); ok && (k == "host" || k == "port" || k == "dbname") {
				parts = append(parts, v)
			}
		}
		name = strings.Join(parts, "_")
	}
	safe := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, name)
	if safe == "" || strings.Trim(safe, "._") == "" {
		return "default"
	}
	return safe
}

// signingKey loads the key, making it (and its public half beside it, in
// KEY.pub) on first start. made reports a new key.
func signingKey(path string) (key ed25519.PrivateKey, made bool, err error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, false, fmt.Errorf("audit key folder: %w", err)
		}
		pub, err := writeSigningKey(path, false)
		if err != nil {
			return nil, false, err
		}
		if err := os.WriteFile(path+".pub", []byte(base64.StdEncoding.EncodeToString(pub)+"\n"), 0o644); err != nil {
			return nil, false, fmt.Errorf("write public key: %w", err)
		}
		made = true
	}
	key, err = readSigningKey(path)
	return key, made, err
}

// checkCoverage fails when events older than every are in no signed
// checkpoint: a rewrite of them, hashes recomputed, would go unnoticed.
// It returns a line about the coverage: the unsealed window.
func checkCoverage(rep store.AuditReport, ncps int, every time.Duration, now time.Time) (string, error) {
	unsealed := rep.Unsealed()
	if unsealed == 0 {
		return fmt.Sprintf("every event is covered by a signed checkpoint (%d checkpoints)", ncps), nil
	}
	var oldest store.ChainReport
	var total int64
	for _, c := range rep.Chains {
		total += c.Head
		if c.Unsealed() > 0 && (oldest.OldestUnsealed.IsZero() || c.OldestUnsealed.Before(oldest.OldestUnsealed)) {
			oldest = c
		}
	}
	age := now.Sub(oldest.OldestUnsealed)
	what := fmt.Sprintf("%d of %d events (from #%d, chain %s, %s, %s ago) are in no signed checkpoint", unsealed, total,
		oldest.Sealed+1, mar.ChainName(oldest.Chain), oldest.OldestUnsealed.Format(time.RFC3339), age.Round(time.Second))
	if age <= every {
		return "unsealed window: " + what + "; they are younger than the checkpoint interval (" + every.String() + ")", nil
	}
	return "", &exitError{code: 1, msg: "audit trail NOT covered: " + what + ", though checkpoints are signed every " + every.String() +
		": a rewrite of those events would go unnoticed. Check that emar serve writes checkpoints (--audit-checkpoints) and that --audit-checkpoints and --audit-pubkey name them here"}
}

// printKeyNotice tells the operator where the key is and what to keep.
func printKeyNotice(w io.Writer, path, dir string, made bool) {
	if made {
		fmt.Fprintf(w, "audit signing key made at %s (mode 0600; public key in %s.pub): keep a copy of the public key away from this host\n", path, path)
	}
	fmt.Fprintf(w, "audit checkpoints are signed into %s\n", dir)
}
