package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/emar-project/emar/alerts"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/demo"
	"github.com/emar-project/emar/web"
)

func cmdServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newFlags("serve", getenv, stderr)
	dsn := f.db()
	addr := f.String("addr", "localhost:8080", "address to listen on")
	loadDemo := f.Bool("demo", false, "load the demo data set when the database is empty")
	demoHistory := f.Duration("demo-history", demo.DefaultHistory, "with --demo: how much charted history (given, late, held, refused, as-needed, missed) the demo writes before now; 0 for none")
	migrate := f.Bool("migrate", true, "apply pending migrations at start")
	logFormat := f.String("log-format", "text", "log format: text or json")
	logLevel := f.String("log-level", "info", "log level: debug, info, warn, error")
	proxies := f.String("trusted-proxies", "", "comma-separated proxy addresses whose X-Forwarded-For is trusted")
	secure := f.Bool("secure-cookies", false, "mark session cookies Secure (set when served over HTTPS)")
	materializeEvery := f.Duration("materialize-interval", 5*time.Minute, "how often scheduled doses are extended to the horizon")
	requestTimeout := f.Duration("request-timeout", web.DefaultRequestTimeout, "bound on one request's work, database calls included; past it the client gets 503 and may retry")
	reportTimeout := f.Duration("report-timeout", web.DefaultReportTimeout, "bound on audit verification, audit reports and dose reports")
	audit := addAuditFlags(f)
	metricsAddr := f.String("metrics-addr", "", "separate address serving /metrics without signing in (e.g. localhost:9090); on --addr it needs an admin session")
	alertOpts := addAlertFlags(f)
	pharm := addPharmacyFlags(f)
	weightMaxAge := f.Duration("weight-max-age", mar.DefaultWeightMaxAge, "how old a resident's weight may be for a weight-based (mg/kg) dose; older is refused until a weight is recorded")
	translations := f.String("translations", "", "directory of the facility's translation files (de.toml, …) that extend or override the built-in words (see docs/languages.md); checked at start")
	language := f.String("language", "", "the facility's default language for users and units that chose none (en, de); empty: the browser's Accept-Language, else English")
	scanConfig := f.String("scan-config", "", "JSON file with the default wristband and badge formats and GS substitutes of facilities that saved none (see docs/scanning.md); checked at start")
	wasmDir := f.String("wasm-dir", "bin/wasm", "folder of the offline bedside's WebAssembly build (emar.wasm, wasm_exec.js; make build writes bin/wasm)")
	offlineLifetime := f.Duration("offline-lifetime", mar.DefaultSnapshotLifetime, "how long a bedside's offline snapshot may be charted against (default: a med pass)")
	offlineKey := f.String("offline-key", "", "file with the Ed25519 key (as written by emar audit keygen) that signs offline snapshots; replicas behind one address need the same; empty: a key per process")
	if err := f.parse(args); err != nil {
		return err
	}
	offlineCfg := web.OfflineConfig{WasmDir: *wasmDir, Lifetime: *offlineLifetime}
	if *offlineKey != "" {
		k, err := readSigningKey(*offlineKey)
		if err != nil {
			return fmt.Errorf("--offline-key: %w", err)
		}
		offlineCfg.Key = k
	}
	if *offlineLifetime <= 0 {
		return fmt.Errorf("--offline-lifetime must be positive, not %s", *offlineLifetime)
	}
	if err := web.CheckLanguages(*translations, *language); err != nil {
		return err
	}
	scanDefault, err := readScanConfig(*scanConfig)
	if err != nil {
		return err
	}
	if *weightMaxAge <= 0 {
		return fmt.Errorf("--weight-max-age must be positive, not %s", *weightMaxAge)
	}
	log := newLogger(stderr, *logFormat, *logLevel)
	st, err := openStore(ctx, *dsn, *migrate, log)
	if err != nil {
		return err
	}
	defer st.Close()
	// Checkpoints are on unless turned off: the key is made at first start.
	var checkpoint func(context.Context) error
	if keyPath, dir := audit.resolve(*dsn); dir != "off" {
		key, made, err := signingKey(keyPath)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("audit checkpoint folder: %w", err)
		}
		printKeyNotice(stdout, keyPath, dir, made)
		checkpoint = func(ctx context.Context) error {
			_, err := st.WriteCheckpoint(ctx, dir, key, time.Now())
			return err
		}
	}
	svc := mar.NewService(st, log)
	svc.Config.Scan = scanDefault
	svc.Config.Bedside.WeightMaxAge = *weightMaxAge
	if err := pharm.apply(svc); err != nil {
		return err
	}
	alertCfg, err := alertOpts.config(svc)
	if err != nil {
		return err
	}
	hub := alerts.NewHub()
	if *loadDemo {
		if err := loadDemoData(ctx, svc, *demoHistory, stdout); err != nil && !errors.Is(err, demo.ErrNotEmpty) {
			return err
		}
	}
	if checkpoint != nil {
		if err := checkpoint(ctx); err != nil {
			return fmt.Errorf("audit checkpoint: %w", err)
		}
	}
	if res, err := svc.Materialize(ctx); err != nil {
		return fmt.Errorf("materialise scheduled doses: %w", err)
	} else {
		log.Info("scheduled doses materialised", "orders", res.Orders, "doses", res.Doses)
	}
	var trusted []string
	if *proxies != "" {
		trusted = strings.Split(*proxies, ",")
	}
	srv, err := web.New(web.Deps{Service: svc, Ready: st, Auditor: st, Log: log, TrustedProxies: trusted, SecureCookies: *secure,
		RequestTimeout: *requestTimeout, ReportTimeout: *reportTimeout,
		Alerts: web.AlertStreamConfig{Hub: hub}, Demo: *loadDemo, Version: buildVersion(), Offline: offlineCfg,
		Translations: *translations, Language: *language})
	if err != nil {
		return fmt.Errorf("build web server: %w", err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	hs := newHTTPServer(ctx, srv.Handler(), 10*time.Second)
	if *metricsAddr != "" {
		mln, err := net.Listen("tcp", *metricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("listen on %s for metrics: %w", *metricsAddr, err)
		}
		ms := newHTTPServer(ctx, srv.MetricsHandler(), 10*time.Second)
		go ms.Serve(mln)
		defer ms.Close()
		fmt.Fprintf(stdout, "metrics on http://%s/metrics\n", mln.Addr())
	}
	log.Info("emar serving", "url", "http://"+ln.Addr().String(), "db", string(st.Dialect()))
	fmt.Fprintf(stdout, "emar is ready on http://%s\n", ln.Addr())
	if *alertOpts.enabled {
		runner, err := alerts.NewRunner(svc, alertCfg, hub, log)
		if err != nil {
			return err
		}
		if err := runner.Every(*materializeEvery, "materialize", func(ctx context.Context) error {
			_, err := svc.Materialize(ctx)
			return err
		}); err != nil {
			return err
		}
		if checkpoint != nil {
			if err := runner.Every(*audit.every, "audit-checkpoint", checkpoint); err != nil {
				return err
			}
		}
		runner.Start()
		defer func() {
			stopCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			if err := runner.Stop(stopCtx); err != nil {
				log.Warn("alert runner did not stop in time", "err", err)
			}
		}()
	}
	stopPharm, err := pharm.start(ctx, svc, log, stdout)
	if err != nil {
		return err
	}
	defer stopPharm()
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	hub.Close() // ends the live alert streams, which Shutdown would wait for
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return hs.Shutdown(shutdownCtx)
}

func loadDemoData(ctx context.Context, svc *mar.Service, history time.Duration, stdout io.Writer) error {
	sum, hist, err := demo.LoadWith(ctx, svc, demo.Options{History: history})
	if errors.Is(err, demo.ErrNotEmpty) {
		fmt.Fprintln(stdout, "Demo data: the database already holds records; nothing loaded.")
		printAccounts(stdout)
		return err
	}
	if err != nil {
		return fmt.Errorf("load demo data: %w", err)
	}
	fmt.Fprintf(stdout, "Demo data loaded: %s, %d units, %d residents, %d products, %d orders.\n",
		sum.Facility.Name, len(sum.Units), sum.Residents, sum.Products, sum.Orders)
	if history > 0 {
		fmt.Fprintf(stdout, "Demo history: %d days charted in %s: %d given (%d late), %d held, %d refused, %d as-needed with effectiveness, %d missed (alerts acknowledged).\n",
			int(history.Hours()/24), hist.Took.Round(100*time.Millisecond), hist.Given, hist.Late, hist.Held, hist.Refused, hist.PRN, hist.Missed)
	}
	printAccounts(stdout)
	return nil
}

func printAccounts(w io.Writer) {
	fmt.Fprintf(w, "Demo accounts (password %q for each; at the bedside also the badge with PIN %s):\n", demo.Password, demo.PIN)
	for _, a := range demo.Accounts {
		fmt.Fprintf(w, "  %-11s %-13s badge %s  %s\n", a.Username, a.Role, a.Badge, a.Description)
		if a.TOTPSecret != "" {
			fmt.Fprintf(w, "  %-11s second factor: add key %s to an authenticator app (TOTP, 6 digits, 30 s)\n", "", a.TOTPSecret)
		}
	}
}

func cmdMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newFlags("migrate", getenv, stderr)
	dsn := f.db()
	if err := f.parse(args); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := openStore(ctx, *dsn, false, log)
	if err != nil {
		return err
	}
	defer st.Close()
	applied, err := st.Migrate(ctx)
	for _, a := range applied {
		fmt.Fprintln(stdout, "applied", a)
	}
	if err != nil {
		return err
	}
	cur, _, err := st.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "schema at version %d\n", cur)
	return nil
}

func cmdDemo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newFlags("demo", getenv, stderr)
	dsn := f.db()
	history := f.Duration("demo-history", demo.DefaultHistory, "how much charted history (given, late, held, refused, as-needed, missed) the demo writes before now; 0 for none")
	if err := f.parse(args); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := openStore(ctx, *dsn, true, log)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := mar.NewService(st, log)
	if err := loadDemoData(ctx, svc, *history, stdout); err != nil {
		if errors.Is(err, demo.ErrNotEmpty) {
			return &exitError{code: 1, msg: demo.ErrNotEmpty.Message}
		}
		return err
	}
	return nil
}

// newHTTPServer bounds what a slow or hostile client can hold: headers
// must arrive within headerTimeout and a body within a minute.
func newHTTPServer(ctx context.Context, h http.Handler, headerTimeout time.Duration) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: headerTimeout,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      0, // the alert stream is long-lived; handlers bound their own work
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
}
