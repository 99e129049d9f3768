package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store"
)

func cmdAudit(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError("usage: emar audit verify|checkpoint|keygen [flags]")
	}
	switch args[0] {
	case "verify":
		return cmdAuditVerify(ctx, args[1:], getenv, stdout, stderr)
	case "checkpoint":
		return cmdAuditCheckpoint(ctx, args[1:], getenv, stdout, stderr)
	case "keygen":
		return cmdAuditKeygen(args[1:], getenv, stdout, stderr)
	}
	return usageError("unknown audit command %q: verify, checkpoint or keygen", args[0])
}

const keyHeader = "emar audit signing key (Ed25519 seed, base64)\n"

func cmdAuditKeygen(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newFlags("audit keygen", getenv, stderr)
	out := f.String("out", "", "file to write the private key to (kept by the operator, outside the database)")
	force := f.FlagSet.Bool("force", false, "replace an existing key file (checkpoints it signed then need its public key to verify)")
	if err := f.parse(args); err != nil {
		return err
	}
	if *out == "" {
		return usageError("--out is required")
	}
	pub, err := writeSigningKey(*out, *force)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "private key written to %s\npublic key: %s\n", *out, base64.StdEncoding.EncodeToString(pub))
	return nil
}

// writeSigningKey makes a key and writes it to path with mode 0600; an
// existing file is kept unless force is set.
func writeSigningKey(path string, force bool) (ed25519.PublicKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	data := keyHeader + base64.StdEncoding.EncodeToString(priv.Seed()) + "\n"
	mode := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		mode = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	fh, err := os.OpenFile(path, mode, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil, &exitError{code: 1, msg: fmt.Sprintf("%s exists: it may be the key that signed your checkpoints; keep it, or pass --force to replace it", path)}
	}
	if err != nil {
		return nil, fmt.Errorf("write key: %w", err)
	}
	if _, err := fh.WriteString(data); err != nil {
		fh.Close()
		return nil, fmt.Errorf("write key: %w", err)
	}
	if err := fh.Chmod(0o600); err != nil {
		fh.Close()
		return nil, fmt.Errorf("write key: %w", err)
	}
	return pub, fh.Close()
}

// readSigningKey loads a key file written by emar audit keygen.
func readSigningKey(path string) (ed25519.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read audit key: %w", err)
	}
	seed, err := base64.StdEncoding.DecodeString(strings.TrimSpace(strings.TrimPrefix(string(data), keyHeader)))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("audit key %s: not a key written by emar audit keygen", path)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

func parsePublicKey(s string) (ed25519.PublicKey, error) {
	if data, err := os.ReadFile(s); err == nil {
		s = string(data)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil || len(raw) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("--audit-pubkey must be the base64 public key printed by emar audit keygen (or a file holding it)")
	}
	return ed25519.PublicKey(raw), nil
}

func cmdAuditCheckpoint(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newFlags("audit checkpoint", getenv, stderr)
	dsn := f.db()
	keyFile := f.String("audit-key", "", "private key file from emar audit keygen")
	dir := f.String("audit-checkpoints", "", "directory outside the database for signed checkpoints")
	if err := f.parse(args); err != nil {
		return err
	}
	if *keyFile == "" || *dir == "" {
		return usageError("--audit-key and --audit-checkpoints are required")
	}
	key, err := readSigningKey(*keyFile)
	if err != nil {
		return err
	}
	st, err := openExisting(ctx, *dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	cps, err := st.WriteCheckpoint(ctx, *dir, key, time.Now())
	if err != nil {
		return err
	}
	if len(cps) == 0 {
		fmt.Fprintln(stdout, "no new audit events since the last checkpoint")
		return nil
	}
	for _, c := range cps {
		fmt.Fprintf(stdout, "checkpoint written: chain %s, %d events, root %s\n", mar.ChainName(c.Chain), c.Size, c.Root)
	}
	return nil
}

func cmdAuditVerify(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newFlags("audit verify", getenv, stderr)
	dsn := f.db()
	audit := addAuditFlags(f)
	pubText := f.String("audit-pubkey", "", "public key (base64, or a file) that signed the checkpoints (default: KEY.pub beside --audit-key)")
	full := f.FlagSet.Bool("full", false, "verify every chain from its first event (default: from each chain's last signed checkpoint; the events before it were verified when it was signed)")
	if err := f.parse(args); err != nil {
		return err
	}
	keyPath, dir := audit.resolve(*dsn)
	var cps []mar.Checkpoint
	if *pubText == "" {
		if _, err := os.Stat(keyPath + ".pub"); err == nil {
			*pubText = keyPath + ".pub"
		}
	}
	// Without a public key no checkpoint can be trusted: the default
	// folder is then taken as holding none, a named one is an error.
	if dir != "off" && (*pubText != "" || *audit.dir != "") {
		pub, err := parsePublicKey(*pubText)
		if err != nil {
			return usageError("%v", err)
		}
		if cps, err = store.ReadCheckpoints(dir, pub); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return &exitError{code: 1, msg: err.Error()}
		}
	}
	st, err := openExisting(ctx, *dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	t0 := time.Now()
	rep, err := st.VerifyAuditReport(ctx, store.AuditVerifyOptions{Checkpoints: cps, Full: *full})
	if err != nil {
		return err
	}
	took := time.Since(t0)
	if rep.Break != nil {
		return &exitError{code: 1, msg: fmt.Sprintf("audit trail NOT intact after %d good events: %s", rep.Events, rep.Break.Error())}
	}
	coverage, err := checkCoverage(rep, len(cps), *audit.every, time.Now())
	if err != nil {
		return err
	}
	mode := "from each chain's last signed checkpoint"
	if *full || len(cps) == 0 {
		mode = "from the first event"
	}
	fmt.Fprintf(stdout, "audit trail intact: %d events verified in %d chains (%s) in %s", rep.Events, len(rep.Chains), mode, took.Round(time.Millisecond))
	if len(cps) > 0 {
		fmt.Fprintf(stdout, " against %d signed checkpoints", len(cps))
	}
	fmt.Fprintf(stdout, "; %s\n", coverage)
	return nil
}
