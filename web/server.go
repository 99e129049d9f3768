// Package web is the service's HTTP face: the JSON API under /api/v1, the
// FHIR R4 endpoints under /fhir and the server-rendered pages. It is the
// only package that imports gin. Every route, with the roles allowed to
// call it, is listed in routes.go.
package web

import (
	"context"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/web/i18n"
)

// Readiness reports whether the database is usable.
type Readiness interface {
	Ready(ctx context.Context) error
}

// AuditVerifier checks the audit chain.
type AuditVerifier interface {
	VerifyAudit(ctx context.Context) (int64, *mar.ChainBreak, error)
}

// Deps are what the web layer is built on.
type Deps struct {
	Service *mar.Service
	Ready   Readiness
	Auditor AuditVerifier
	Log     *slog.Logger
	// TrustedProxies lists proxy addresses whose X-Forwarded-For is
	// believed; empty means the peer address is the client.
	TrustedProxies []string
	// SecureCookies marks session cookies Secure (behind TLS).
	SecureCookies bool
	// Demo says the demo data set is loaded: the sign-in page explains the
	// demo accounts and the demo barcode sheet is served.
	Demo bool
	// Alerts tunes the live alert stream.
	Alerts AlertStreamConfig
	// RequestTimeout bounds each request's work, database calls included,
	// so a stalled database costs a client a 503 rather than a hung
	// request (0: DefaultRequestTimeout). ReportTimeout is the bound of the
	// routes that read the whole trail or history (0: DefaultReportTimeout).
	RequestTimeout, ReportTimeout time.Duration
	// Version is the build's version, reported by /healthz.
	Version string
	// Offline configures the offline bedside (snapshot key and lifetime,
	// the WebAssembly build's folder).
	Offline OfflineConfig
	// Translations is a directory of the facility's translation files
	// (<tag>.toml) that extend or override the embedded ones; Language is
	// the facility's default language ("" : the browser's
	// Accept-Language, else English). See docs/languages.md.
	Translations, Language string
}

// Server holds the handlers' dependencies.
type Server struct {
	svc     *mar.Service
	ready   Readiness
	log     *slog.Logger
	metrics *metrics
	secure  bool
	demo    bool
	pages   *pageSet
	// i18n: the catalogue, the pages per language, the facility default.
	cat         *i18n.Catalogue
	pagesByLang map[string]*pageSet
	defaultLang string
	jsDict      map[string]template.JS
	unitLangs   unitLangCache
	auditor     AuditVerifier
	alerts      AlertStreamConfig
	engine      *gin.Engine
	// loginLimit bounds sign-in attempts per client address.
	loginLimit *signInLimit
	// decoder bounds concurrent barcode image decoding.
	decoder *decoder
	// requestTimeout and reportTimeout bound handlers' work.
	requestTimeout, reportTimeout time.Duration
	version                       string
	offline                       OfflineConfig
}

func init() { gin.SetMode(gin.ReleaseMode) }

// New builds the HTTP handler.
func New(d Deps) (*Server, error) {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	s := &Server{svc: d.Service, ready: d.Ready, log: d.Log, metrics: newMetrics(), secure: d.SecureCookies, auditor: d.Auditor,
		loginLimit: newSignInLimit(d.Service, 30, time.Minute), alerts: d.Alerts.withDefaults(), decoder: newDecoder(),
		requestTimeout: orDefault(d.RequestTimeout, DefaultRequestTimeout), reportTimeout: orDefault(d.ReportTimeout, DefaultReportTimeout)}
	e := gin.New()
	e.HandleMethodNotAllowed = true
	e.ContextWithFallback = true
	if err := e.SetTrustedProxies(d.TrustedProxies); err != nil {
		return nil, err
	}
	e.Use(withRequestID(), s.recoverJSON(), s.logRequests(), securityHeaders(), s.deadline())
	e.NoRoute(func(c *gin.Context) {
		s.respondError(c, mar.Errorf(mar.ENotFound, "no such route: %s", c.Request.URL.Path))
	})
	e.NoMethod(func(c *gin.Context) {
		c.AbortWithStatusJSON(http.StatusMethodNotAllowed, errorBody{Error: errorDetail{Code: "method_not_allowed", Message: c.Request.Method + " is not allowed here"}})
	})
	s.demo = d.Demo
	s.version = d.Version
	offlineCfg, err := d.Offline.withDefaults()
	if err != nil {
		return nil, err
	}
	s.offline = offlineCfg
	pages, err := loadPages()
	if err != nil {
		return nil, err
	}
	s.pages = pages
	if err := s.loadLanguages(d.Translations, d.Language); err != nil {
		return nil, err
	}
	for _, r := range s.routes() {
		handlers := []gin.HandlerFunc{}
		if strings.HasPrefix(r.Path, "/fhir/") {
			handlers = append(handlers, s.fhirFormat())
		}
		if r.Roles != nil {
			handlers = append(handlers, s.requireRoles(r.Roles))
			if !strings.HasPrefix(r.Path, "/fhir") {
				handlers = append(handlers, s.resolveLanguage)
			}
		}
		handlers = append(handlers, r.Handler)
		e.Handle(r.Method, r.Path, handlers...)
	}
	s.engine = e
	return s, nil
}

// MetricsHandler serves the metrics without signing in, for a listener
// of its own (emar serve --metrics-addr) that only the monitoring network
// reaches; on the service's own address /metrics needs an admin session.
func (s *Server) MetricsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		s.metrics.write(w)
	})
}

// Handler returns the root handler, wrapped in cross-origin protection
// for every state-changing request that carries cookies.
func (s *Server) Handler() http.Handler {
	cop := http.NewCrossOriginProtection()
	return cop.Handler(s.engine)
}
