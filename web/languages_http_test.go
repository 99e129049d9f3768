package web_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/demo"
	"github.com/emar-project/emar/mar/store/storetest"
	"github.com/emar-project/emar/web"
	"github.com/emar-project/emar/web/i18n"
)

// webSignIn signs a browser client in with a web (cookie) session and
// returns the CSRF token of its home page.
func webSignIn(t *testing.T, env *testenv.Env, username string) (*browserClient, string) {
	t.Helper()
	b := newBrowserClient(t, env)
	body, _ := json.Marshal(map[string]string{"username": username, "password": demo.Password, "kind": "web", "totp": demo.TOTPCode(username, env.Clock.Now())})
	if resp, out := b.do("POST", "/api/v1/auth/login", string(body), nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("sign in %s: %d %s", username, resp.StatusCode, out)
	}
	_, page := b.do("GET", "/bedside", "", htmlAccept) // nurses' home
	m := csrfMeta.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token on the home page of %s", username)
	}
	return b, m[1]
}

func pageLang(page string) string {
	i := strings.Index(page, `<html lang="`)
	if i < 0 {
		return ""
	}
	rest := page[i+len(`<html lang="`):]
	return rest[:strings.IndexByte(rest, '"')]
}

// The language of the pages: the user's own choice, else the language
// all the user's units share, else the browser's, else English.
func TestPageLanguageIsChosenPerUserUnitAndBrowser(t *testing.T) {
	env := testenv.Start(t, "sqlite", testenv.Options{})
	pflege, pflegeCSRF := webSignIn(t, env, "pflege") // Berlin ward only: German
	nurse, nurseCSRF := webSignIn(t, env, "nurse")    // both units: no unit language

	bedside := func(b *browserClient, accept string) string {
		t.Helper()
		h := map[string]string{"Accept": htmlAccept["Accept"]}
		if accept != "" {
			h["Accept-Language"] = accept
		}
		resp, page := b.do("GET", "/bedside", "", h)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /bedside: %d", resp.StatusCode)
		}
		return page
	}
	setOwn := func(b *browserClient, csrf, lang string) {
		t.Helper()
		resp, out := b.do("PUT", "/api/v1/me/language", `{"language":"`+lang+`"}`, map[string]string{"X-CSRF-Token": csrf})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("PUT /api/v1/me/language %q: %d %s", lang, resp.StatusCode, out)
		}
	}

	steps := []struct {
		name    string
		do      func()
		client  *browserClient
		accept  string
		want    string
		words   []string // on the page
		notWord []string
	}{
		{"a Berlin nurse reads her unit's German", nil, pflege, "en-US,en;q=0.9", "de",
			[]string{"Armband scannen", "Abmelden", "Verabreicht", "Pausiert", "Vom Bewohner abgelehnt", "Nicht verabreicht", `aria-label="Mit der Kamera ein Foto des Barcodes aufnehmen"`, "0 – kein Schmerz", "Pflegefachkraft"},
			[]string{">Scan a wristband<", "Sign out"}},
		{"a nurse of both units reads English", nil, nurse, "", "en", []string{"Scan a wristband", "Sign out", "Refused by the resident"}, []string{"Armband"}},
		{"… or her browser's German", nil, nurse, "de-DE,de;q=0.9,en;q=0.5", "de", []string{"Armband scannen"}, nil},
		{"her own choice wins over the browser", func() { setOwn(nurse, nurseCSRF, "de") }, nurse, "en-US", "de", []string{"Armband scannen"}, nil},
		{"and over the unit's", func() { setOwn(pflege, pflegeCSRF, "en") }, pflege, "de-DE", "en", []string{"Scan a wristband"}, nil},
		{"clearing it goes back to the unit's", func() { setOwn(pflege, pflegeCSRF, "") }, pflege, "en-US", "de", []string{"Armband scannen"}, nil},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if s.do != nil {
				s.do()
			}
			page := bedside(s.client, s.accept)
			if got := pageLang(page); got != s.want {
				t.Fatalf("html lang %q, want %q", got, s.want)
			}
			for _, w := range s.words {
				if !strings.Contains(page, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, w := range s.notWord {
				if strings.Contains(page, w) {
					t.Errorf("page still shows %q", w)
				}
			}
			// The scripts' dictionary travels with the page, in a data
			// attribute (the CSP allows no inline script).
			if s.want == "de" && !strings.Contains(page, `data-i18n="`) {
				t.Error("no data-i18n dictionary on a German page")
			}
		})
	}
}

// noFormatDE is the German of the refusal of a scan in no wristband format.
const noFormatDE = "Das Armband konnte nicht gelesen werden: der Scan entspricht keinem Armbandformat dieser Einrichtung. Scannen Sie erneut oder prüfen Sie das Armband."

// A refusal keeps its code, reason and English message for API clients;
// a German user also gets it in German. Pick lists come in the language.
func TestRefusalsAndPickListsInTheUsersLanguage(t *testing.T) {
	env := testenv.Start(t, "sqlite", testenv.Options{})
	pflege, nurse := env.Login(t, "pflege"), env.Login(t, "nurse")
	type errBody struct {
		Error struct {
			Code             string  `json:"code"`
			Reason           string  `json:"reason"`
			Message          string  `json:"message"`
			LocalizedMessage *string `json:"localized_message"`
		} `json:"error"`
	}
	tests := []struct {
		name     string
		client   *testenv.Client
		header   map[string]string
		wantText string // the localized message; "" means none is sent
	}{
		{"German unit", pflege, nil, noFormatDE},
		{"English user", nurse, nil, ""},
		{"English user whose client asks for German", nurse, map[string]string{"Accept-Language": "de"}, noFormatDE},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := map[string]string{"Idempotency-Key": newKey()}
			for k, v := range tc.header {
				h[k] = v
			}
			resp := tc.client.Do("POST", "/api/v1/bedside/wristband", body{"scan": "NO-SUCH-BAND-4711"}, h)
			var e errBody
			if err := json.Unmarshal(resp.Body, &e); err != nil {
				t.Fatal(err)
			}
			if resp.Status/100 != 4 || e.Error.Reason == "" || e.Error.Message == "" {
				t.Fatalf("wristband of nobody: %d %s", resp.Status, resp.Body)
			}
			if strings.ContainsAny(e.Error.Message, "äöüß") {
				t.Errorf("message %q is not the English one", e.Error.Message)
			}
			switch {
			case tc.wantText == "" && e.Error.LocalizedMessage != nil:
				t.Errorf("English answer carries localized_message %q", *e.Error.LocalizedMessage)
			case tc.wantText != "" && (e.Error.LocalizedMessage == nil || *e.Error.LocalizedMessage != tc.wantText):
				t.Errorf("localized_message %v, want %q (reason %s)", e.Error.LocalizedMessage, tc.wantText, e.Error.Reason)
			}
		})
	}

	var reasons struct {
		Outcomes map[string][]struct{ Code, Label string } `json:"outcomes"`
	}
	label := func(c *testenv.Client, code string) string {
		t.Helper()
		if st := c.JSON("GET", "/api/v1/bedside/reasons", nil, &reasons); st != http.StatusOK {
			t.Fatalf("reasons: %d", st)
		}
		for _, o := range reasons.Outcomes["refused"] {
			if o.Code == code {
				return o.Label
			}
		}
		return ""
	}
	if got := label(pflege, "resident_declined"); got != "Bewohner lehnt ab" {
		t.Errorf("German pick list: %q", got)
	}
	if got := label(nurse, "resident_declined"); got != "Resident declined" {
		t.Errorf("English pick list: %q", got)
	}
}

// Setting languages: validated, scoped to administrators for others'
// accounts and units, audited, and a unit's language reaches its nurses.
// On both engines (migration 00025).
func TestSettingLanguages(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) { testSettingLanguages(t, engine) })
	}
}

func testSettingLanguages(t *testing.T, engine string) {
	env := testenv.Start(t, engine, testenv.Options{})
	admin, nurse := env.Login(t, "admin"), env.Login(t, "nurse")
	var me struct {
		ID       string `json:"id"`
		Language string `json:"language"`
	}
	if st := nurse.JSON("GET", "/api/v1/me", nil, &me); st != http.StatusOK || me.Language != "" {
		t.Fatalf("me: %d %+v", st, me)
	}
	var maple mar.Unit
	for _, u := range env.Demo.Units {
		if u.Code == "MAPLE" {
			maple = u
		}
	}
	bad := []struct {
		name   string
		client *testenv.Client
		path   string
		body   string
		status int
		field  string
	}{
		{"no language field", nurse, "/api/v1/me/language", `{}`, http.StatusBadRequest, "language"},
		{"not a language code", nurse, "/api/v1/me/language", `{"language":"Deutsch"}`, http.StatusBadRequest, "language"},
		{"a language without translation", nurse, "/api/v1/me/language", `{"language":"fr"}`, http.StatusBadRequest, "language"},
		{"an unknown field", nurse, "/api/v1/me/language", `{"language":"de","user_id":"x"}`, http.StatusBadRequest, ""},
		{"a nurse setting another's", nurse, "/api/v1/users/" + me.ID + "/language", `{"language":"de"}`, http.StatusForbidden, ""},
		{"a nurse setting a unit's", nurse, "/api/v1/units/" + maple.ID + "/language", `{"language":"de"}`, http.StatusForbidden, ""},
		{"an unknown unit", admin, "/api/v1/units/" + mar.NewID() + "/language", `{"language":"de"}`, http.StatusNotFound, ""},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			resp := tc.client.Do("PUT", tc.path, tc.body, nil)
			if resp.Status != tc.status {
				t.Fatalf("%d %s, want %d", resp.Status, resp.Body, tc.status)
			}
			if tc.field != "" && resp.Err(t).Error.Field != tc.field {
				t.Errorf("field %q, want %q", resp.Err(t).Error.Field, tc.field)
			}
		})
	}

	// The administrator sets the nurse's language; then the Maple unit's.
	var u struct {
		Language string `json:"language"`
	}
	if st := admin.JSON("PUT", "/api/v1/users/"+me.ID+"/language", body{"language": "de"}, &u); st != http.StatusOK || u.Language != "de" {
		t.Fatalf("admin sets the nurse's language: %d %+v", st, u)
	}
	if st := nurse.JSON("GET", "/api/v1/me", nil, &me); st != http.StatusOK || me.Language != "de" {
		t.Fatalf("me after: %d %+v", st, me)
	}
	resp := nurse.Do("POST", "/api/v1/bedside/wristband", body{"scan": "NO-SUCH-BAND-4711"}, map[string]string{"Idempotency-Key": newKey()})
	if !strings.Contains(string(resp.Body), `"localized_message":"Das Armband`) {
		t.Errorf("after the admin's change, no German message: %s", resp.Body)
	}
	if st := admin.JSON("PUT", "/api/v1/users/"+me.ID+"/language", body{"language": ""}, nil); st != http.StatusOK {
		t.Fatalf("admin clears the nurse's language: %d", st)
	}
	var after struct {
		Language *string `json:"language"`
	}
	if st := nurse.JSON("GET", "/api/v1/me", nil, &after); st != http.StatusOK || after.Language != nil {
		t.Fatalf("me after clearing: %d %v", st, after.Language)
	}
	// Both of the nurse's units German: she reads German without a choice of her own.
	var unit struct {
		Language string `json:"language"`
	}
	if st := admin.JSON("PUT", "/api/v1/units/"+maple.ID+"/language", body{"language": "de"}, &unit); st != http.StatusOK || unit.Language != "de" {
		t.Fatalf("unit language: %d %+v", st, unit)
	}
	resp = nurse.Do("POST", "/api/v1/bedside/wristband", body{"scan": "NO-SUCH-BAND-4711"}, map[string]string{"Idempotency-Key": newKey()})
	if !strings.Contains(string(resp.Body), `"localized_message":"Das Armband`) {
		t.Errorf("with both units German, no German message: %s", resp.Body)
	}

	// Every change is in the audit trail with its old value.
	var actions []string
	if err := env.Store.InTx(t.Context(), func(tx mar.Tx) error {
		evs, err := tx.ListAudit(mar.AuditFilter{})
		for _, e := range evs {
			if strings.HasSuffix(e.Action, ".language") {
				actions = append(actions, e.Action+" "+e.Detail)
			}
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(actions) != 3 || !strings.Contains(strings.Join(actions, "\n"), `"before":"de"`) {
		t.Errorf("audit: %q", actions)
	}
}

// A facility's translation files extend and override the built-in words;
// a mistake in them stops the service at start, naming file and text.
func TestFacilityTranslationFiles(t *testing.T) {
	write := func(t *testing.T, files map[string]string) string {
		dir := t.TempDir()
		for name, text := range files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	good := write(t, map[string]string{
		"de.toml": "[messages]\n\"Scan a wristband\" = \"Bitte Armband scannen\"\n",
		"fr.toml": "[locale]\nname = \"Français\"\ndate = \"02/01/2006\"\ntime = \"15:04\"\ndecimal = \",\"\n[messages]\n\"Scan a wristband\" = \"Scanner le bracelet\"\n",
	})
	if err := web.CheckLanguages(good, "fr"); err != nil {
		t.Fatalf("good files: %v", err)
	}
	cat, err := i18n.Load(good, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := cat.Locale("de").T("Scan a wristband"); got != "Bitte Armband scannen" {
		t.Errorf("override: %q", got)
	}
	if got := cat.Locale("de").T("Sign out"); got != "Abmelden" {
		t.Errorf("the built-in words stay: %q", got)
	}
	if !cat.Has("fr") || cat.Locale("fr").T("Scan a wristband") != "Scanner le bracelet" || cat.Match("fr-CA, en;q=0.5") != "fr" {
		t.Errorf("a new language: %v", cat.Tags())
	}

	bad := []struct {
		name  string
		files map[string]string
		lang  string
		want  string
	}{
		{"a text the service does not show", map[string]string{"de.toml": "[messages]\n\"Scan a wristbnad\" = \"Armband\"\n"}, "", `"Scan a wristbnad" is no text of the service`},
		{"a dropped placeholder", map[string]string{"de.toml": "[messages]\n\"Due {time}\" = \"Fällig\"\n"}, "", "placeholders"},
		{"markup", map[string]string{"de.toml": "[messages]\n\"Sign out\" = \"<b>Abmelden</b>\"\n"}, "", "markup"},
		{"an unknown setting", map[string]string{"de.toml": "[locale]\ndate_format = \"02.01.2006\"\n"}, "", "unknown setting"},
		{"a file name that is no language", map[string]string{"german.toml": "[messages]\n"}, "", "language tag"},
		{"weekday names miscounted", map[string]string{"de.toml": "[locale]\nweekdays = [\"Mo\"]\n"}, "", "needs 7 names"},
		{"broken TOML", map[string]string{"de.toml": "[messages\n"}, "", "de.toml"},
		{"a default language without translation", nil, "fr", `--language "fr"`},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			dir := ""
			if tc.files != nil {
				dir = write(t, tc.files)
			}
			err := web.CheckLanguages(dir, tc.lang)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
	if err := web.CheckLanguages(filepath.Join(t.TempDir(), "missing"), ""); err == nil {
		t.Error("a missing directory is accepted")
	}
}

// German dates and numbers: 06.12.2026, 14:30, a decimal comma.
func TestLocaleFormats(t *testing.T) {
	cat, err := i18n.Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 6, 14, 30, 0, 0, time.UTC) // a Sunday
	de, en := cat.Locale("de"), cat.Locale("en")
	tests := []struct {
		name, got, want string
	}{
		{"de date", de.FormatDate(at), "06.12.2026"},
		{"de time", de.FormatTime(at), "14:30"},
		{"de date and time", de.FormatDateTime(at), "06.12.2026 14:30"},
		{"de day and time", de.FormatDayTime(at), "So 06.12. 14:30"},
		{"de long date", de.FormatLongDate(at), "Sonntag, 6. Dezember 2026"},
		{"de month", de.FormatMonth(at.AddDate(0, -9, 0)), "März 2026"},
		{"de day and month", de.FormatDayMonth(at), "6. Dez."},
		{"de number", de.Number(2.5), "2,5"},
		{"de whole number", de.Number(2), "2"},
		{"en long date", en.FormatLongDate(at), "Sunday 6 December 2026"},
		{"en number", en.Number(0.25), "0.25"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}
