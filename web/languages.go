package web

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/web/i18n"
)

// Languages: every page and every message a nurse reads is translated at
// this edge, by the English words (package i18n). The language of a
// request is the user's own choice, else the language of a unit the user
// works on, else the facility's default (--language), else the browser's
// Accept-Language, else English. The JSON API keeps its stable `code`,
// `reason` and English `message`; a request whose language is not English
// also gets `localized_message`. See docs/languages.md.

const ctxLang = "emar.lang"

// loadLanguages reads the catalogue (the embedded files and the
// facility's directory), checking the facility's files against the texts
// the pages really show, and parses the pages once per language.
func (s *Server) loadLanguages(dir, def string) error {
	known, err := knownTexts()
	if err != nil {
		return err
	}
	cat, err := i18n.Load(dir, func(k string) bool { return known[k] })
	if err != nil {
		return err
	}
	if def != "" && !cat.Has(def) {
		return fmt.Errorf("--language %q: no translation (have %s)", def, strings.Join(cat.Tags(), ", "))
	}
	pages, err := loadLocalizedPages(cat)
	if err != nil {
		return err
	}
	s.cat, s.pagesByLang, s.defaultLang = cat, pages, def
	s.jsDict = map[string]template.JS{}
	for _, tag := range cat.Tags() {
		s.jsDict[tag] = jsDictionary(cat.Locale(tag), known)
	}
	return nil
}

// CheckLanguages loads the catalogue as the server will, so that a
// mistake in the facility's translation files stops the service at start
// with the file and the text named.
func CheckLanguages(dir, def string) error {
	var s Server
	return s.loadLanguages(dir, def)
}

// knownTexts are the English texts of the service: every run of the
// templates, every t() text of the scripts, the reason codes'
// descriptions, the pick lists and the strings the Go code translates
// (goTexts).
func knownTexts() (map[string]bool, error) {
	known := map[string]bool{}
	tmpl, err := TemplateTexts()
	if err != nil {
		return nil, err
	}
	for _, ts := range tmpl {
		for _, t := range ts {
			known[t] = true
		}
	}
	js, err := ScriptTexts()
	if err != nil {
		return nil, err
	}
	for _, ts := range js {
		for _, t := range ts {
			known[t] = true
		}
	}
	for _, t := range ServerTexts() {
		known[t] = true
	}
	return known, nil
}

// TemplateTexts lists the translatable English runs of every template
// file, by file name.
func TemplateTexts() (map[string][]string, error) {
	out := map[string][]string{}
	entries, err := fs.ReadDir(templateFS, "templates")
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		t, err := template.New("").Funcs(templateFuncs).ParseFS(templateFS, "templates/"+e.Name())
		if err != nil {
			return nil, err
		}
		for _, d := range t.Templates() {
			out[e.Name()] = append(out[e.Name()], i18n.Texts(d.Tree)...)
		}
	}
	return out, nil
}

// ScriptTexts lists the t() texts of every script, by file name.
func ScriptTexts() (map[string][]string, error) {
	out := map[string][]string{}
	names, err := fs.Glob(staticFS, "static/*.js")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		src, err := fs.ReadFile(staticFS, n)
		if err != nil {
			return nil, err
		}
		for _, l := range i18n.JSLiterals(string(src)) {
			if l.Translated {
				out[strings.TrimPrefix(n, "static/")] = append(out[strings.TrimPrefix(n, "static/")], l.Text)
			}
		}
	}
	return out, nil
}

// ScriptSource is a script's text, for the completeness test.
func ScriptSource(name string) (string, error) {
	b, err := fs.ReadFile(staticFS, "static/"+name)
	return string(b), err
}

// ServerTexts are the English texts the Go code shows: the reason codes'
// descriptions and rights, the default pick lists, the navigation, the
// roles and the pages' titles and labels written in Go (tr calls).
func ServerTexts() []string {
	var out []string
	for _, r := range mar.Reasons {
		out = append(out, r.Description)
	}
	for _, opts := range mar.DefaultOutcomeReasons() {
		for _, o := range opts {
			out = append(out, o.Label)
		}
	}
	for _, o := range mar.DefaultKeyedReasons() {
		out = append(out, o.Label)
	}
	for _, o := range mar.DefaultConfig().Bedside.EffectivenessTexts {
		out = append(out, o.Label)
	}
	out = append(out, goTexts...)
	for _, w := range doseWords {
		out = append(out, w.Label)
	}
	out = append(out, marPDFWords.texts()...)
	return out
}

// goTexts are the strings the Go code of this package passes through the
// locale (tr): navigation, roles, page titles. The completeness test
// checks that every literal passed to tr is listed here.
var goTexts = []string{
	// navigation
	"Bedside", "Count", "Counts", "Unit board", "Handover", "Reports", "Pharmacy", "Audit trail",
	// roles
	"Nurse", "Charge nurse", "Pharmacist", "Administrator",
	// page titles
	"Sign in", "Home", "Medication administration record", "Barcodes", "Set up", "Second factor",
	"Controlled-drug count", "Shift handover", "Staff", "Units", "Catalogue", "Orders",
	// the catalogue's and the residents' pick lists (page_catalogue.go, page_admin.go)
	"Not high-alert", "High-alert: second check recommended", "High-alert: witness required", "High-alert: pharmacy only",
	"High-alert: a second nurse's check is recommended", "High-alert: a second nurse must witness each dose",
	"As the form implies", "No", "In halves", "In halves or quarters", "Any fraction",
	"Not known", "Female", "Male", "Other",
	// a dose's state words come from the vocabulary (doseWords, added by
	// ServerTexts), the PDF's from marPDFWords
	"(sliding scale)",
}

// tr marks a Go string for translation: it returns it unchanged, and the
// completeness test finds it (and goTexts must list it).
func tr(s string) string { return s }

// lang is the request's language, resolved once per request.
func (s *Server) lang(c *gin.Context) string {
	if v, ok := c.Get(ctxLang); ok {
		return v.(string)
	}
	tag := s.resolveLang(c)
	c.Set(ctxLang, tag)
	return tag
}

func (s *Server) resolveLang(c *gin.Context) string {
	if s.cat == nil {
		return i18n.English
	}
	if id, ok := identity(c); ok {
		if l := id.User.Language; l != "" && s.cat.Has(l) {
			return l
		}
		if l := s.unitsLanguage(c, id.User); l != "" {
			return l
		}
	}
	if s.defaultLang != "" {
		return s.defaultLang
	}
	if l := s.cat.Match(c.GetHeader("Accept-Language")); l != "" {
		return l
	}
	return i18n.English
}

// unitsLanguage is the language of the user's units when they all have
// the same one: a nurse of the Berlin ward reads German, a nurse who
// floats between a German and an English unit gets her own choice or the
// facility's default, never a language picked by the order of her units.
func (s *Server) unitsLanguage(c *gin.Context, u mar.User) string {
	if len(u.UnitIDs) == 0 {
		return ""
	}
	langs := s.unitLanguages(c, u.FacilityID)
	first := langs[u.UnitIDs[0]]
	for _, id := range u.UnitIDs[1:] {
		if langs[id] != first {
			return ""
		}
	}
	if first == "" || !s.cat.Has(first) {
		return ""
	}
	return first
}

// resolveLanguage settles the request's language before its handler
// runs: it may read the units' languages from the database, which must
// not happen later inside a handler's transaction (SQLite has one
// connection; a nested read would wait for it).
func (s *Server) resolveLanguage(c *gin.Context) {
	s.lang(c)
	c.Next()
}

// locale is the request's locale.
func (s *Server) locale(c *gin.Context) *i18n.Locale {
	if s.cat == nil {
		return nil
	}
	return s.cat.Locale(s.lang(c))
}

// unitLangCache keeps each facility's unit languages for a few seconds:
// every page reads them, and a change shows within seconds on every
// replica.
type unitLangCache struct {
	mu      sync.Mutex
	entries map[string]unitLangEntry
}

type unitLangEntry struct {
	at    time.Time
	langs map[string]string
}

const unitLangTTL = 5 * time.Second

func (s *Server) unitLanguages(c *gin.Context, facilityID string) map[string]string {
	s.unitLangs.mu.Lock()
	e, ok := s.unitLangs.entries[facilityID]
	s.unitLangs.mu.Unlock()
	// The cache is timed on the process's own monotonic clock: it only
	// bounds how stale a setting may be.
	if ok && time.Since(e.at) < unitLangTTL {
		return e.langs
	}
	langs, err := s.svc.UnitLanguages(c.Request.Context(), facilityID)
	if err != nil {
		return nil
	}
	s.unitLangs.mu.Lock()
	if s.unitLangs.entries == nil {
		s.unitLangs.entries = map[string]unitLangEntry{}
	}
	s.unitLangs.entries[facilityID] = unitLangEntry{at: time.Now(), langs: langs}
	s.unitLangs.mu.Unlock()
	return langs
}

func (s *Server) forgetUnitLanguages(facilityID string) {
	s.unitLangs.mu.Lock()
	delete(s.unitLangs.entries, facilityID)
	s.unitLangs.mu.Unlock()
}

// jsDictionary is what a page's scripts need of a locale: its formats,
// the translations of the scripts' texts, and each reason code's
// description in the language (English for English).
func jsDictionary(l *i18n.Locale, known map[string]bool) template.JS {
	msgs := map[string]string{}
	if l.Tag != i18n.English {
		js, _ := ScriptTexts()
		for _, ts := range js {
			for _, t := range ts {
				if v, ok := l.Lookup(t); ok {
					msgs[t] = v
				}
			}
		}
	}
	reasons := map[string]string{}
	for _, r := range mar.Reasons {
		reasons[r.Code] = l.T(r.Description)
	}
	b, _ := json.Marshal(map[string]any{"formats": l.JSFormats(), "messages": msgs, "reasons": reasons})
	return template.JS(b)
}

// localizedMessage is an error's message in the request's language: the
// translation of the exact English words when the catalogue has them,
// else the translated description of its reason code; "" for English or
// when neither is known.
func (s *Server) localizedMessage(c *gin.Context, me *mar.Error, msg string) string {
	l := s.locale(c)
	if l == nil || l.Tag == i18n.English {
		return ""
	}
	if v, ok := l.Lookup(msg); ok {
		return v
	}
	for _, r := range mar.Reasons {
		if r.Code == me.Reason {
			if v, ok := l.Lookup(r.Description); ok {
				return capitalize(v)
			}
		}
	}
	return ""
}

// localizeRefusal is a refused verification's body with its message also
// in the request's language.
func (s *Server) localizeRefusal(c *gin.Context, ref *mar.Refusal) errorBody {
	b := refusalBody(ref)
	b.Error.LocalizedMessage = s.localizedMessage(c, ref.Err, ref.Err.Message)
	return b
}

func capitalize(s string) string {
	for i, r := range s {
		return strings.ToUpper(string(r)) + s[i+len(string(r)):]
	}
	return s
}

// languageRoutes set the language of a user or a unit.
func (s *Server) languageRoutes() []Route {
	return []Route{
		{"GET", "/api/v1/languages", anyone, "the languages the pages speak, and the caller's", s.listLanguages},
		{"PUT", "/api/v1/me/language", anyone, "choose your language ({\"language\": \"de\"}; \"\" goes back to the unit's or the facility's; audited)", s.setOwnLanguage},
		{"PUT", "/api/v1/users/:id/language", admins, "set an account's language (audited)", s.setUserLanguage},
		{"PUT", "/api/v1/units/:id/language", admins, "set a unit's language for users who chose none (audited)", s.setUnitLanguage},
	}
}

type languageRequest struct {
	Language *string `json:"language"`
}

func (s *Server) readLanguage(c *gin.Context) (string, bool) {
	var req languageRequest
	if _, err := readJSON(c, &req); err != nil {
		s.respondError(c, err)
		return "", false
	}
	if req.Language == nil {
		s.respondError(c, mar.Invalid("language", "is required (\"\" to clear)"))
		return "", false
	}
	return strings.TrimSpace(*req.Language), true
}

type languageJSON struct {
	Tag  string `json:"tag"`
	Name string `json:"name"`
}

func (s *Server) listLanguages(c *gin.Context) {
	var out []languageJSON
	for _, t := range s.cat.Tags() {
		out = append(out, languageJSON{t, s.cat.Locale(t).Name})
	}
	c.JSON(http.StatusOK, gin.H{"languages": out, "current": s.lang(c), "default": s.defaultLang})
}

func (s *Server) setOwnLanguage(c *gin.Context) {
	tag, ok := s.readLanguage(c)
	if !ok {
		return
	}
	id := mustIdentity(c)
	u, err := s.svc.SetUserLanguage(c.Request.Context(), id, id.User.ID, tag, s.cat.Has)
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, toUserJSON(u))
}

func (s *Server) setUserLanguage(c *gin.Context) {
	tag, ok := s.readLanguage(c)
	if !ok {
		return
	}
	u, err := s.svc.SetUserLanguage(c.Request.Context(), mustIdentity(c), c.Param("id"), tag, s.cat.Has)
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, toUserJSON(u))
}

func (s *Server) setUnitLanguage(c *gin.Context) {
	tag, ok := s.readLanguage(c)
	if !ok {
		return
	}
	id := mustIdentity(c)
	u, err := s.svc.SetUnitLanguage(c.Request.Context(), id, c.Param("id"), tag, s.cat.Has)
	if err != nil {
		s.respondError(c, err)
		return
	}
	s.forgetUnitLanguages(id.User.FacilityID)
	c.JSON(http.StatusOK, toUnitJSON(u))
}

// localeFuncs are the template functions that depend on the language.
func localeFuncs(l *i18n.Locale) template.FuncMap {
	return template.FuncMap{
		"T":        func(s string) string { return l.T(s) },
		"roleName": func(r any) string { return l.T(roleName(mar.Role(fmt.Sprint(r)))) },
		"date":     l.FormatDate,
		"clock":    l.FormatTime,
		"dayTime":  l.FormatDayTime,
		"num":      l.Number,
	}
}
