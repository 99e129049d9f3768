package i18n

import (
	"bytes"
	"html/template"
	"strings"
	"testing"
)

// TranslateTree changes the words a person reads and nothing else: not
// attribute values that are data, not script, not comments, not actions.
func TestTranslateTreeChangesOnlyWords(t *testing.T) {
	words := map[string]string{
		"Scan a wristband": "Armband scannen", "Take a photo": "Foto aufnehmen", "Given": "Verabreicht",
		"checks passed": "Prüfungen bestanden", "Only sometimes": "Nur manchmal", "Otherwise": "Sonst", "Camera": "Kamera",
	}
	src := `{{define "main"}}<!-- Scan a wristband --><label for="scan" title="Take a photo">Scan a wristband</label>
<input type="radio" name="outcome" value="Given" aria-label="Given"> Given
<p>{{.N}} checks passed</p><p class="{{if .X}}Given{{end}}">{{if .X}}Only sometimes{{else}}Otherwise{{end}}</p>
<button type="button" data-x="{{.N}}" title="Camera">Camera</button>{{end}}`
	tmpl := template.Must(template.New("x").Parse(src))
	var texts []string
	for _, d := range tmpl.Templates() {
		texts = append(texts, Texts(d.Tree)...)
		TranslateTree(d.Tree, func(en string) string {
			if v, ok := words[en]; ok {
				return v
			}
			return en
		})
	}
	var out bytes.Buffer
	if err := tmpl.ExecuteTemplate(&out, "main", map[string]any{"N": 3, "X": false}); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		`title="Foto aufnehmen">Armband scannen</label>`,
		`value="Given" aria-label="Verabreicht"> Verabreicht`,
		`<p>3 Prüfungen bestanden</p>`,
		`<p class="">Sonst</p>`,
		`title="Kamera">Kamera</button>`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "Scan a wristband") || strings.Contains(got, "Take a photo") {
		t.Errorf("English left:\n%s", got)
	}
	want := "Take a photo|Scan a wristband|Given|Given|checks passed|Only sometimes|Otherwise|Camera|Camera"
	if strings.Join(texts, "|") != want {
		t.Errorf("texts %q, want %q", strings.Join(texts, "|"), want)
	}
}

func TestScriptsAndStylesAreNotText(t *testing.T) {
	tmpl := template.Must(template.New("x").Parse(`<script src="/static/a.js" defer></script><style>p { content: "Hello there" }</style><p>Read me</p>`))
	if got := strings.Join(Texts(tmpl.Tree), "|"); got != "Read me" {
		t.Errorf("texts %q", got)
	}
}
