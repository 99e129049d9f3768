package web_test

import (
	"html/template"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/emar-project/emar/web"
	"github.com/emar-project/emar/web/i18n"
)

// translatedScripts are the scripts whose every visible word goes through
// t(); a literal in them that reads as words and is not t()'s argument
// fails the completeness test. The other scripts are listed in
// docs/languages.md as still English.
var translatedScripts = []string{"common.js", "bedside.js", "board.js", "signin.js", "offline.js",
	// scripts (merge block tr2)
	"pharmacy.js", "counts.js", "handover.js", "barcodes.js", "enrol.js", "mar.js",
	"admin.js", "catalogue.js", "fields.js", "order_entry.js", "orders.js",
}

// allTexts gathers every English text of the service by where it is used.
func allTexts(t *testing.T) map[string][]string {
	t.Helper()
	where := map[string][]string{}
	tmpl, err := web.TemplateTexts()
	if err != nil {
		t.Fatal(err)
	}
	for f, ts := range tmpl {
		where["templates/"+f] = ts
	}
	js, err := web.ScriptTexts()
	if err != nil {
		t.Fatal(err)
	}
	for f, ts := range js {
		where["static/"+f] = ts
	}
	where["Go (reasons, pick lists, navigation, titles)"] = web.ServerTexts()
	return where
}

func catalogue(t *testing.T) *i18n.Catalogue {
	t.Helper()
	cat, err := i18n.Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// TestEveryVisibleTextIsTranslated is the completeness test: every text
// run of every template, every t() text of the scripts and every string
// the Go code shows has a translation in every language. On failure it
// prints the missing texts as lines to paste into the catalogue.
func TestEveryVisibleTextIsTranslated(t *testing.T) {
	cat := catalogue(t)
	where := allTexts(t)
	for _, tag := range cat.Tags() {
		if tag == i18n.English {
			continue
		}
		if missing := i18n.MissingIn(cat.Locale(tag), where); len(missing) > 0 {
			t.Errorf("%d texts have no %s translation; add them to web/i18n/%s.toml [messages]:\n%s", len(missing), tag, tag, i18n.TOMLLines(missing))
		}
	}
}

// TestScriptsWrapEveryVisibleText: in the translated scripts, a string
// literal that reads as words is t()'s argument (or a code on the allow
// list of non-words).
func TestScriptsWrapEveryVisibleText(t *testing.T) {
	for _, name := range translatedScripts {
		src, err := web.ScriptSource(name)
		if err != nil {
			t.Fatal(err)
		}
		var bad []string
		for _, l := range i18n.JSLiterals(src) {
			if l.Translated {
				if l.Template {
					bad = append(bad, "t() needs a plain string with {placeholders}, not a template literal: line "+itoa(l.Line))
				}
				continue
			}
			if i18n.LooksLikeWords(l.Text) {
				bad = append(bad, name+":"+itoa(l.Line)+": "+l.Text)
			}
		}
		if len(bad) > 0 {
			t.Errorf("visible words not wrapped in t() (write t('English words', {name: value})):\n%s", strings.Join(bad, "\n"))
		}
	}
}

func itoa(i int) string { return strings.TrimSpace(strings.Repeat(" ", 0) + fmtInt(i)) }

func fmtInt(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

// TestCompletenessCatchesNewText proves the checks fail for a text added
// without a translation: in markup, in a read attribute, around an action,
// and in a script.
func TestCompletenessCatchesNewText(t *testing.T) {
	cat := catalogue(t)
	de := cat.Locale("de")
	tmpl := template.Must(template.New("x").Parse(`{{define "main"}}<section><h2>Medications</h2>
<p class="hint">A brand new sentence.</p><button type="button" title="Press to brew tea">{{.N}} cups left</button>
<input placeholder="Type a colour" value="kept as it is">{{if .X}}<span>Only sometimes</span>{{else}}<span>Otherwise</span>{{end}}</section>{{end}}`))
	var texts []string
	for _, d := range tmpl.Templates() {
		texts = append(texts, i18n.Texts(d.Tree)...)
	}
	got := map[string]bool{}
	for _, m := range i18n.MissingIn(de, map[string][]string{"new.html": texts}) {
		got[m.Text] = true
	}
	for _, want := range []string{"A brand new sentence.", "Press to brew tea", "cups left", "Type a colour", "Only sometimes", "Otherwise"} {
		if !got[want] {
			t.Errorf("%q not reported as missing; reported %v", want, got)
		}
	}
	for _, not := range []string{"Medications", "kept as it is", "x", "button"} {
		if got[not] {
			t.Errorf("%q reported as missing", not)
		}
	}

	js := "const a = t('Scan the wristband');\nsay('A new untranslated message.');\nel('span', { class: 'due-meta' }, 'Brand new label');\nconst path = '/api/v1/x';\n"
	var bad, wrapped []string
	for _, l := range i18n.JSLiterals(js) {
		if l.Translated {
			wrapped = append(wrapped, l.Text)
		} else if i18n.LooksLikeWords(l.Text) {
			bad = append(bad, l.Text)
		}
	}
	sort.Strings(bad)
	if strings.Join(bad, "|") != "A new untranslated message.|Brand new label" || strings.Join(wrapped, "|") != "Scan the wristband" {
		t.Errorf("script literals: unwrapped words %q, wrapped %q", bad, wrapped)
	}
}

// TestTranslationPlaceholdersMatch: every translation keeps the English
// text's placeholders, and holds no markup.
func TestTranslationPlaceholdersMatch(t *testing.T) {
	cat := catalogue(t)
	for _, tag := range cat.Tags() {
		for k, v := range cat.Locale(tag).Messages() {
			if err := i18n.CheckMessage(k, v); err != nil {
				t.Errorf("%s: %v", tag, err)
			}
		}
	}
	// And the check itself refuses a dropped or invented placeholder.
	for _, tc := range []struct{ key, value string }{
		{"Due {time}", "Fällig"},
		{"Due {time}", "Fällig {zeit}"},
		{"Given", "<b>Verabreicht</b>"},
	} {
		if i18n.CheckMessage(tc.key, tc.value) == nil {
			t.Errorf("%q → %q accepted", tc.key, tc.value)
		}
	}
}

// TestGoTextsAreListed: every tr("…") literal of the web package is a
// known text (ServerTexts), and every page title given to newPage is
// translated, so the completeness test covers them.
func TestGoTextsAreListed(t *testing.T) {
	known := map[string]bool{}
	for _, s := range web.ServerTexts() {
		known[s] = true
	}
	de := catalogue(t).Locale("de")
	files, _ := filepath.Glob("*.go")
	re := regexp.MustCompile(`\btr\("((?:[^"\\]|\\.)*)"\)`)
	titleRe := regexp.MustCompile(`newPage\(c, "([^"]+)",`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			if !known[m[1]] {
				t.Errorf("%s: tr(%q) is not in goTexts (web/languages.go)", f, m[1])
			}
		}
		for _, m := range titleRe.FindAllStringSubmatch(string(b), -1) {
			if _, ok := de.Lookup(m[1]); !ok {
				t.Errorf("%s: the page title %q has no German translation (add it to goTexts and web/i18n/de.toml)", f, m[1])
			}
		}
	}
}
