// Package pgctl controls the throwaway PostgreSQL server that
// scripts/with-postgres.sh starts, through the EMAR_TEST_PG_* variables it
// exports: stop it hard, start it again with the same options, freeze and
// thaw it. The fault tests and the benchmark use it; nothing in the service
// does.
package pgctl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Server is one PostgreSQL cluster on this machine.
type Server struct {
	Bin    string // directory of pg_ctl, postgres, pgbench
	Data   string // the data directory
	Port   int
	Socket string // the unix socket directory
	DSN    string // superuser URL on 127.0.0.1
}

// FromEnv reads the server that scripts/with-postgres.sh started.
func FromEnv() (*Server, error) {
	s := &Server{Bin: os.Getenv("EMAR_TEST_PG_BIN"), Data: os.Getenv("EMAR_TEST_PG_DATA"),
		Socket: os.Getenv("EMAR_TEST_PG_SOCKET"), DSN: os.Getenv("EMAR_TEST_PG_DSN")}
	port, err := strconv.Atoi(os.Getenv("EMAR_TEST_PG_PORT"))
	if s.Bin == "" || s.Data == "" || s.DSN == "" || err != nil {
		return nil, errors.New("pgctl: EMAR_TEST_PG_BIN, _DATA, _PORT and _DSN must be set (run under scripts/with-postgres.sh)")
	}
	s.Port = port
	return s, nil
}

// command runs a PostgreSQL program as the postgres user when we are
// root, since the server refuses to run as root.
func (s *Server) command(ctx context.Context, prog string, args ...string) *exec.Cmd {
	path := filepath.Join(s.Bin, prog)
	if os.Getuid() == 0 {
		return exec.CommandContext(ctx, "runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	}
	return exec.CommandContext(ctx, path, args...)
}

func (s *Server) run(ctx context.Context, prog string, args ...string) error {
	cmd := s.command(ctx, prog, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %v: %s", prog, strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	}
	return nil
}

// StopImmediate stops the server the way a crash would: no checkpoint,
// every backend killed; recovery replays the WAL at the next start.
func (s *Server) StopImmediate(ctx context.Context) error {
	return s.run(ctx, "pg_ctl", "-D", s.Data, "-m", "immediate", "-w", "-t", "60", "stop")
}

// Start starts a stopped server with the options it last ran with
// (postmaster.opts) and waits until it accepts connections.
func (s *Server) Start(ctx context.Context) error {
	opts, err := os.ReadFile(filepath.Join(s.Data, "postmaster.opts"))
	if err != nil {
		return fmt.Errorf("pgctl: read postmaster.opts: %w", err)
	}
	args := quotedArgs(string(opts))
	if len(args) < 1 {
		return fmt.Errorf("pgctl: postmaster.opts is empty")
	}
	// Drop the program and its -D: pg_ctl passes its own.
	args = args[1:]
	for i := 0; i+1 < len(args); i++ {
		if args[i] == "-D" {
			args = append(args[:i], args[i+2:]...)
			break
		}
	}
	var o strings.Builder
	for _, a := range args {
		o.WriteString(" '" + strings.ReplaceAll(a, "'", `'\''`) + "'")
	}
	logFile := filepath.Join(filepath.Dir(s.Data), "server.log")
	return s.run(ctx, "pg_ctl", "-D", s.Data, "-l", logFile, "-w", "-t", "120", "-o", o.String(), "start")
}

// quotedArgs splits postmaster.opts: each argument is in double quotes.
func quotedArgs(line string) []string {
	var out []string
	line = strings.TrimSpace(line)
	for line != "" {
		if line[0] == '"' {
			end := strings.IndexByte(line[1:], '"')
			if end < 0 {
				out = append(out, line[1:])
				break
			}
			out = append(out, line[1:1+end])
			line = strings.TrimSpace(line[end+2:])
			continue
		}
		f, rest, _ := strings.Cut(line, " ")
		out = append(out, f)
		line = strings.TrimSpace(rest)
	}
	return out
}

// PostmasterPID reads the running postmaster's process id.
func (s *Server) PostmasterPID() (int, error) {
	data, err := os.ReadFile(filepath.Join(s.Data, "postmaster.pid"))
	if err != nil {
		return 0, fmt.Errorf("pgctl: server not running? %w", err)
	}
	line, _, _ := strings.Cut(string(data), "\n")
	return strconv.Atoi(strings.TrimSpace(line))
}

// processes returns the postmaster and its children (the backends and
// auxiliary processes).
func (s *Server) processes() ([]int, error) {
	pm, err := s.PostmasterPID()
	if err != nil {
		return nil, err
	}
	pids := []int{pm}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid …; comm may hold spaces, so cut after ')'.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(stat[i+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(pm) {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// Pause freezes the postmaster and every backend with SIGSTOP: the server
// keeps its sockets open but answers nothing, like a stalled disk or a
// hung VM. It returns the frozen process ids for Resume.
func (s *Server) Pause() ([]int, error) {
	pids, err := s.processes()
	if err != nil {
		return nil, err
	}
	var stopped []int
	for _, pid := range pids {
		if err := syscall.Kill(pid, syscall.SIGSTOP); err == nil {
			stopped = append(stopped, pid)
		}
	}
	return stopped, nil
}

// Resume thaws the processes Pause froze.
func (s *Server) Resume(pids []int) error {
	var errs []error
	for _, pid := range pids {
		if err := syscall.Kill(pid, syscall.SIGCONT); err != nil && !errors.Is(err, syscall.ESRCH) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Pg runs a PostgreSQL client program (psql, pgbench, createdb) against
// this server over TCP on loopback, as the postgres superuser, and
// returns its combined output.
func (s *Server) Pg(ctx context.Context, prog string, args ...string) (string, error) {
	full := append([]string{"-h", "127.0.0.1", "-p", strconv.Itoa(s.Port), "-U", "postgres"}, args...)
	cmd := exec.CommandContext(ctx, filepath.Join(s.Bin, prog), full...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil {
		return out.String(), fmt.Errorf("%s: %v: %s", prog, err, strings.TrimSpace(out.String()))
	}
	return out.String(), nil
}

// DatabaseDSN is the DSN of another database on the same server.
func (s *Server) DatabaseDSN(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.Port, name)
}

// WaitStopped waits until no postmaster.pid remains, bounded by d.
func (s *Server) WaitStopped(d time.Duration) error {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(filepath.Join(s.Data, "postmaster.pid")); errors.Is(err, os.ErrNotExist) {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("pgctl: server still running after %s", d)
}

// NewCluster creates and starts a private PostgreSQL cluster in dir (which
// must exist and be empty) on a free loopback port, with the binaries in
// bin and extra server options (e.g. "-c", "fsync=on"). Tests that stop or
// freeze the server use their own cluster, so tests running beside them
// on the shared server are not disturbed. Stop it with StopImmediate.
func NewCluster(ctx context.Context, bin, dir string, opts ...string) (*Server, error) {
	if os.Getuid() == 0 {
		if err := os.Chmod(dir, 0o755); err != nil {
			return nil, err
		}
		if err := exec.CommandContext(ctx, "chown", "postgres", dir).Run(); err != nil {
			return nil, fmt.Errorf("pgctl: chown %s: %w", dir, err)
		}
	}
	s := &Server{Bin: bin, Data: filepath.Join(dir, "data"), Socket: dir}
	if err := s.run(ctx, "initdb", "-D", s.Data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"); err != nil {
		return nil, err
	}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		s.Port = port
		o := fmt.Sprintf("-k %s -p %d -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100", dir, port)
		for _, x := range opts {
			o += " " + x
		}
		lastErr = s.run(ctx, "pg_ctl", "-D", s.Data, "-l", filepath.Join(dir, "server.log"), "-w", "-t", "60", "-o", o, "start")
		if lastErr == nil {
			s.DSN = s.DatabaseDSN("postgres")
			return s, nil
		}
	}
	return nil, lastErr
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// DefaultBin finds the newest installed PostgreSQL's binaries, preferring
// EMAR_TEST_PG_BIN.
func DefaultBin() (string, error) {
	if b := os.Getenv("EMAR_TEST_PG_BIN"); b != "" {
		return b, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	if len(dirs) == 0 {
		return "", errors.New("pgctl: no PostgreSQL binaries (set EMAR_TEST_PG_BIN or install postgresql)")
	}
	best := dirs[0]
	for _, d := range dirs[1:] {
		if versionOf(d) > versionOf(best) {
			best = d
		}
	}
	return best, nil
}

func versionOf(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}
