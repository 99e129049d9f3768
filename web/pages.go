package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/web/i18n"
)

// The pages are server-rendered from html/template files with a little
// plain JavaScript; everything is embedded, so the binary serves them with
// no build step and nothing from a CDN. The CSP allows no inline script or
// style: every script and stylesheet is a file under /static/.

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

const ctxSession = "emar.session"

// pageSet holds one template set per page: the layout, the shared
// partials (files whose name starts with "_") and the page itself.
type pageSet struct {
	pages map[string]*template.Template
}

// loadLocalizedPages parses the templates once per language of the
// catalogue and translates each set's English text (see package i18n).
func loadLocalizedPages(cat *i18n.Catalogue) (map[string]*pageSet, error) {
	out := map[string]*pageSet{}
	for _, tag := range cat.Tags() {
		ps, err := loadPages()
		if err != nil {
			return nil, err
		}
		l := cat.Locale(tag)
		for _, t := range ps.pages {
			t.Funcs(localeFuncs(l))
		}
		if tag != i18n.English {
			for _, t := range ps.pages {
				for _, d := range t.Templates() {
					i18n.TranslateTree(d.Tree, func(en string) string { return l.T(en) })
				}
			}
		}
		out[tag] = ps
	}
	return out, nil
}

func loadPages() (*pageSet, error) {
	entries, err := fs.ReadDir(templateFS, "templates")
	if err != nil {
		return nil, err
	}
	base := template.New("").Funcs(templateFuncs)
	var pageFiles []string
	for _, e := range entries {
		name := e.Name()
		if name == "layout.html" || strings.HasPrefix(name, "_") {
			if _, err := base.ParseFS(templateFS, "templates/"+name); err != nil {
				return nil, fmt.Errorf("template %s: %w", name, err)
			}
			continue
		}
		pageFiles = append(pageFiles, name)
	}
	ps := &pageSet{pages: map[string]*template.Template{}}
	for _, name := range pageFiles {
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := t.ParseFS(templateFS, "templates/"+name); err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		ps.pages[strings.TrimSuffix(name, ".html")] = t
	}
	return ps, nil
}

var templateFuncs = template.FuncMap{
	// roleName takes a mar.Role or a role name (the demo accounts carry
	// theirs as text).
	"roleName":  func(r any) string { return roleName(mar.Role(fmt.Sprint(r))) },
	"initials":  initials,
	"join":      strings.Join,
	"add":       func(a, b int) int { return a + b },
	"chartBarH": func() int { return chartBarH },
	// The one vocabulary of dose states (vocabulary.go).
	"stateLabel":     stateLabel,
	"stateMeaning":   stateMeaning,
	"doseStatesJSON": doseStatesJSON,
	// Replaced per language (localeFuncs); these are English's.
	"T":       func(s string) string { return s },
	"date":    func(t time.Time) string { return t.Format("2 Jan 2006") },
	"clock":   func(t time.Time) string { return t.Format("15:04") },
	"dayTime": func(t time.Time) string { return t.Format("Mon 2 Jan 15:04") },
	"num":     func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) },
}

func roleName(r mar.Role) string {
	switch r {
	case mar.RoleNurse:
		return "Nurse"
	case mar.RoleChargeNurse:
		return "Charge nurse"
	case mar.RolePharmacist:
		return "Pharmacist"
	case mar.RoleAdmin:
		return "Administrator"
	}
	return string(r)
}

// initials are what a paper MAR shows in a cell: "Nora Nurse" is NN.
func initials(name string) string {
	var b strings.Builder
	for _, w := range strings.Fields(name) {
		for _, r := range w {
			b.WriteRune(r)
			break
		}
	}
	return strings.ToUpper(b.String())
}

// page is what every page template receives.
type page struct {
	Title       string
	Section     string // the navigation entry to mark current
	User        *mar.User
	CSRF        string
	IdleSeconds int
	Demo        bool
	Scripts     []string
	BodyClass   string
	Data        any
	// Lang is the page's language; I18N the dictionary its scripts read
	// (see languages.go); L the locale, for Go code that builds Data.
	Lang string
	I18N template.JS
	L    *i18n.Locale
}

// navItem is one entry of the header's navigation.
type navItem struct {
	Section, Label, Href string
}

// Nav lists the pages the signed-in user's role may open.
func (p page) Nav() []navItem {
	if p.User == nil {
		return nil
	}
	var out []navItem
	switch p.User.Role {
	case mar.RoleNurse:
		out = []navItem{{"bedside", tr("Bedside"), "/bedside"}, {"counts", tr("Count"), "/counts"}}
	case mar.RoleChargeNurse:
		out = []navItem{{"board", "Unit board", "/board"}, {"handover", "Handover", "/handover"}, {"counts", "Count", "/counts"}, {"bedside", "Bedside", "/bedside"}, {"reports", "Reports", "/reports"}, {"residents", "Residents", "/admin/residents"}}
	case mar.RolePharmacist:
		out = []navItem{{"pharmacy", "Pharmacy", "/pharmacy"}, {"counts", "Counts", "/counts"}}
	case mar.RoleAdmin:
		out = []navItem{{"reports", "Reports", "/reports"}, {"audit", "Audit trail", "/audit"}, {"staff", "Staff", "/admin/staff"}, {"units", "Units", "/admin/units"}, {"residents", "Residents", "/admin/residents"}}
	}
	out = append(out, adminNav(p.User.Role)...)
	for i := range out {
		out[i].Label = p.L.T(out[i].Label)
	}
	return out
}

// newPage starts the data of a page for the signed-in caller.
func (s *Server) newPage(c *gin.Context, title, section string, scripts ...string) page {
	l := s.locale(c)
	p := page{Title: l.T(title), Section: section, Demo: s.demo, Scripts: append([]string{"common.js"}, scripts...),
		Lang: l.Tag, I18N: s.jsDict[l.Tag], L: l}
	if id, ok := identity(c); ok {
		u := id.User
		p.User = &u
		p.IdleSeconds = int(s.svc.Config.IdleTimeout / time.Second)
	}
	if v, ok := c.Get(ctxSession); ok {
		p.CSRF = v.(mar.Session).CSRFToken
	}
	return p
}

// render writes a page, or a fragment when name is "page#template".
func (s *Server) render(c *gin.Context, status int, name string, p page) {
	file, tmpl := name, "layout"
	if i := strings.IndexByte(name, '#'); i >= 0 {
		file, tmpl = name[:i], name[i+1:]
	}
	ps := s.pages
	if byLang, ok := s.pagesByLang[p.Lang]; ok {
		ps = byLang
	}
	t, ok := ps.pages[file]
	if !ok {
		s.respondError(c, mar.Errorf(mar.EInternal, "no page template %q", file))
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, tmpl, p); err != nil {
		s.log.ErrorContext(c.Request.Context(), "render page", "page", name, "err", err, "request_id", requestID(c))
		c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("The page could not be shown; the request id is "+requestID(c)+".\n"))
		return
	}
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// wantsPage reports whether a request is a browser navigation to a page,
// which is answered with HTML (or a redirect to sign in) rather than JSON.
func wantsPage(c *gin.Context) bool {
	p := c.Request.URL.Path
	if c.Request.Method != http.MethodGet || strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/fhir") {
		return false
	}
	return strings.Contains(c.GetHeader("Accept"), "text/html")
}

// respondPageError answers a failed page request: to the sign-in page when
// no one is signed in, otherwise a short HTML explanation.
func (s *Server) respondPageError(c *gin.Context, status int, me *mar.Error, msg string) {
	if status == http.StatusUnauthorized {
		q := url.Values{"next": {c.Request.URL.RequestURI()}}
		if me.Reason != "" && me.Reason != "no_credentials" {
			q.Set("reason", me.Reason)
		}
		c.Redirect(http.StatusSeeOther, "/?"+q.Encode())
		c.Abort()
		return
	}
	p := s.newPage(c, http.StatusText(status), "")
	p.Data = struct {
		Status  int
		Message string
	}{status, msg}
	s.render(c, status, "error", p)
	c.Abort()
}

// static serves the embedded files under /static/.
func (s *Server) static(c *gin.Context) {
	name := path.Clean(strings.TrimPrefix(c.Param("file"), "/"))
	data, err := fs.ReadFile(staticFS, "static/"+name)
	if err != nil || name == "." {
		s.respondError(c, mar.Errorf(mar.ENotFound, "no such file: %s", name))
		return
	}
	ctype := "application/octet-stream"
	switch path.Ext(name) {
	case ".js":
		ctype = "text/javascript; charset=utf-8"
	case ".css":
		ctype = "text/css; charset=utf-8"
	case ".svg":
		ctype = "image/svg+xml"
	case ".png":
		ctype = "image/png"
	}
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, ctype, data)
}
