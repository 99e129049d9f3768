// Command emar is the eMAR service: one binary with subcommands to serve
// the API and pages, migrate the schema, load demo data, decode barcodes,
// import HL7/FHIR files and verify the audit trail.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	// The binary carries the time-zone database: schedules must not depend
	// on what the host has installed.
	_ "time/tzdata"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr))
}

// exitError carries an exit status through run's callers.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func usageError(format string, args ...any) error {
	return &exitError{code: 2, msg: fmt.Sprintf(format, args...)}
}
