package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/emar-project/emar/mar"
)

// stdin is where passwords are read from: a prompt without echo on a
// terminal, else the first line (so scripts pipe it in). Never a flag:
// a command line is visible to every user of the host and kept in
// shell histories.
var stdin io.Reader = os.Stdin

func cmdUsers(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return usageError("usage: emar users add --username U --role ROLE [flags] (the password is read from a prompt or stdin)")
	}
	f := newFlags("users add", getenv, stderr)
	dsn := f.db()
	username := f.FlagSet.String("username", "", "login name")
	role := f.FlagSet.String("role", "", "nurse, charge_nurse, pharmacist or admin")
	name := f.FlagSet.String("display-name", "", "name shown to others (default: the username)")
	units := f.FlagSet.String("units", "", "comma-separated unit codes the account works on (nurses and charge nurses)")
	facility := f.FlagSet.String("facility", "", "facility name; created when the database holds none")
	tz := f.FlagSet.String("tz", "UTC", "time zone of a facility being created")
	migrate := f.Bool("migrate", true, "apply pending migrations first")
	if err := f.parse(args[1:]); err != nil {
		return err
	}
	if *username == "" || *role == "" {
		return usageError("--username and --role are required")
	}
	r, err := mar.ParseRole(*role)
	if err != nil {
		return usageError("--role must be one of nurse, charge_nurse, pharmacist, admin")
	}
	password, err := readPassword(stdin, stderr)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, *dsn, *migrate, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	defer st.Close()
	svc := mar.NewService(st, nil)
	in := mar.NewAccount{Username: *username, DisplayName: *name, Role: r, Password: password, Facility: *facility, TimeZone: *tz}
	for _, u := range strings.Split(*units, ",") {
		if u = strings.TrimSpace(u); u != "" {
			in.UnitCodes = append(in.UnitCodes, u)
		}
	}
	u, err := svc.AddAccount(ctx, mar.OperatorIdentity("emar users add"), in)
	if err != nil {
		if e, ok := mar.AsError(err); ok && e.Field != "" {
			return &exitError{code: 1, msg: fmt.Sprintf("%s: %s", e.Field, e.Message)}
		}
		return err
	}
	fmt.Fprintf(stdout, "account %s (%s) created\n", u.Username, u.Role)
	return nil
}

// readPassword prompts twice without echo on a terminal; otherwise it
// reads the first line of in.
func readPassword(in io.Reader, prompt io.Writer) (string, error) {
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(prompt, "Password: ")
		p1, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompt)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		fmt.Fprint(prompt, "Again: ")
		p2, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompt)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		if string(p1) != string(p2) {
			return "", &exitError{code: 1, msg: "the passwords differ"}
		}
		return string(p1), nil
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", &exitError{code: 1, msg: "no password on stdin (pipe it in, or run from a terminal to be prompted)"}
	}
	return line, nil
}
