package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/emar-project/emar/mar/store"
)

const usage = `emar — electronic Medication Administration Record

Usage:
  emar serve   [flags]        run the service (API, FHIR, pages, alert sweeper)
  emar migrate [flags]        apply pending schema migrations
  emar users add --username U --role ROLE [flags]
                              create an account (the first administrator too); the
                              password is read from a prompt or stdin, never a flag
  emar demo    [flags]        load the demo data set into an empty database
  emar import hl7|fhir [flags] FILE...
                              apply HL7 v2 messages (RDE^O11, RDS^O13, ADT) or FHIR Patients and
                              MedicationRequests (resources or Bundles) from files
  emar audit verify [flags]   verify the hash-chained audit trail (and signed checkpoints)
  emar audit checkpoint       sign the trail's tree head into a directory outside the database
  emar audit keygen --out F   make the Ed25519 key that signs checkpoints
  emar barcodes --out DIR     write the demo barcode sheet as PNG files
  emar decode [--json] FILE...  read barcodes from images (GS as \u001d in JSON)
  emar version                print the version (also emar --version)
  emar schedule [--json] --tz ZONE --from RFC3339 --days N "FREQUENCY"
                              show how an order's frequency expands

Run "emar COMMAND -h" for a command's flags. Every flag can also be set
through an EMAR_* environment variable (e.g. --db is EMAR_DB).
`

// run is main without globals, so tests drive the real binary's logic.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	err := dispatch(ctx, args[1:], getenv, stdout, stderr)
	if err == nil {
		return 0
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintln(stderr, "emar:", ee.msg)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "emar:", err)
	return 1
}

func dispatch(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return &exitError{code: 2}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return cmdServe(ctx, rest, getenv, stdout, stderr)
	case "migrate":
		return cmdMigrate(ctx, rest, getenv, stdout, stderr)
	case "demo":
		return cmdDemo(ctx, rest, getenv, stdout, stderr)
	case "decode":
		return cmdDecode(ctx, rest, getenv, stdout, stderr)
	case "schedule":
		return cmdSchedule(ctx, rest, getenv, stdout, stderr)
	case "barcodes":
		return cmdBarcodes(ctx, rest, getenv, stdout, stderr)
	case "audit":
		return cmdAudit(ctx, rest, getenv, stdout, stderr)
	case "import":
		return cmdImport(ctx, rest, getenv, stdout, stderr)
	case "users":
		return cmdUsers(ctx, rest, getenv, stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "emar", buildVersion())
		return nil
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return usageError("unknown command %q; run emar help", cmd)
}

// flags is a FlagSet whose defaults come from EMAR_* variables.
type flags struct {
	*flag.FlagSet
	getenv func(string) string
}

func newFlags(name string, getenv func(string) string, stderr io.Writer) *flags {
	fs := flag.NewFlagSet("emar "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return &flags{FlagSet: fs, getenv: getenv}
}

func envName(flagName string) string {
	return "EMAR_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func (f *flags) String(name, def, help string) *string {
	if v := f.getenv(envName(name)); v != "" {
		def = v
	}
	return f.FlagSet.String(name, def, help+" ("+envName(name)+")")
}

func (f *flags) Bool(name string, def bool, help string) *bool {
	if v := f.getenv(envName(name)); v != "" {
		def = v == "1" || strings.EqualFold(v, "true") || strings.EqualFold(v, "yes")
	}
	return f.FlagSet.Bool(name, def, help+" ("+envName(name)+")")
}

func (f *flags) Int(name string, def int, help string) *int {
	if v := f.getenv(envName(name)); v != "" {
		fmt.Sscan(v, &def)
	}
	return f.FlagSet.Int(name, def, help+" ("+envName(name)+")")
}

func (f *flags) Duration(name string, def time.Duration, help string) *time.Duration {
	if v := f.getenv(envName(name)); v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			def = d
		}
	}
	return f.FlagSet.Duration(name, def, help+" ("+envName(name)+")")
}

func (f *flags) parse(args []string) error {
	if err := f.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &exitError{code: 2}
	}
	if f.NArg() > 0 {
		return usageError("unexpected argument %q", f.Arg(0))
	}
	return nil
}

func (f *flags) db() *string {
	return f.String("db", store.DefaultDSN, "database: sqlite:PATH (embedded) or postgres://user@host/db")
}

func newLogger(w io.Writer, format, level string) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lv}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openExisting connects to a database that must already exist.
func openExisting(ctx context.Context, dsn string) (*store.Store, error) {
	return store.OpenExisting(ctx, dsn, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// openStore connects and, when migrate is set, brings the schema up to date.
func openStore(ctx context.Context, dsn string, migrate bool, log *slog.Logger) (*store.Store, error) {
	st, err := store.Open(ctx, dsn, log)
	if err != nil {
		return nil, err
	}
	if migrate {
		applied, err := st.Migrate(ctx)
		if err != nil {
			st.Close()
			return nil, err
		}
		for _, a := range applied {
			log.Info("migration applied", "file", a)
		}
	}
	return st, nil
}
