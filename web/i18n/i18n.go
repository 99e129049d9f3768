// Package i18n holds the words of the user interface in every language the
// service speaks, and the date and number formats that go with them.
//
// The catalogue is keyed by the English text itself (gettext style): the
// templates and scripts stay readable in English, English needs no
// catalogue of its own, and a string nobody translated falls back to the
// English words rather than to a key such as "bedside.scan.label". Each
// language is one TOML file (de.toml): a [locale] table with its formats
// and a [messages] table mapping English to the language. A facility
// extends or overrides the embedded files with files of the same name in a
// directory of its own (emar serve --translations DIR), checked when the
// service starts.
//
// Placeholders are written {name} in the English text and must appear,
// each one, in every translation.
package i18n

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"golang.org/x/text/language"
)

//go:embed *.toml
var builtin embed.FS

// English is the source language: its words are the catalogue's keys.
const English = "en"

// Locale is one language: its words and its formats.
type Locale struct {
	Tag  string // BCP 47 primary tag: "en", "de"
	Name string // the language's name in itself: "Deutsch"

	// Layouts are Go time layouts; English month and weekday names in
	// them are replaced by the locale's.
	Date     string // 06.12.2026
	Time     string // 14:30
	DateTime string // 06.12.2026 14:30
	DayTime  string // Sa 06.12. 14:30
	LongDate string // Samstag, 6. Dezember 2026
	Month    string // Dezember 2026
	DayMonth string // 6. Dez.
	Decimal  string // the decimal separator: "," in German

	Months        [12]string
	MonthsShort   [12]string
	Weekdays      [7]string // Sunday first, as time.Weekday
	WeekdaysShort [7]string

	messages map[string]string
}

// file is a catalogue file as written.
type file struct {
	Locale struct {
		Name          string   `toml:"name"`
		Date          string   `toml:"date"`
		Time          string   `toml:"time"`
		DateTime      string   `toml:"date_time"`
		DayTime       string   `toml:"day_time"`
		LongDate      string   `toml:"long_date"`
		Month         string   `toml:"month"`
		DayMonth      string   `toml:"day_month"`
		Decimal       string   `toml:"decimal"`
		Months        []string `toml:"months"`
		MonthsShort   []string `toml:"months_short"`
		Weekdays      []string `toml:"weekdays"`
		WeekdaysShort []string `toml:"weekdays_short"`
	} `toml:"locale"`
	Messages map[string]string `toml:"messages"`
}

// Catalogue is every language the service speaks.
type Catalogue struct {
	locales map[string]*Locale
	tags    []string // English first, then sorted
	matcher language.Matcher
}

var (
	englishMonths        = [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	englishMonthsShort   = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
	englishWeekdays      = [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	englishWeekdaysShort = [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
)

// Load reads the embedded catalogues and then, when dir is not empty, the
// facility's files in dir (<tag>.toml): their messages are added to or
// replace the embedded ones, and their formats replace those they set. A
// facility file for a new tag adds a language. known says which English
// texts exist (nil: accept any); a message for any other text, a
// translation that drops or invents a placeholder, or a malformed file is
// an error naming the file and the text.
func Load(dir string, known func(string) bool) (*Catalogue, error) {
	c := &Catalogue{locales: map[string]*Locale{}}
	if err := c.loadFS(builtin, ".", nil); err != nil {
		return nil, fmt.Errorf("embedded translations: %w", err)
	}
	if dir != "" {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("translations: %w", err)
		}
		if err := c.loadFS(os.DirFS(dir), dir, known); err != nil {
			return nil, err
		}
	}
	if _, ok := c.locales[English]; !ok {
		return nil, errors.New("translations: no English locale")
	}
	c.tags = []string{English}
	for tag := range c.locales {
		if tag != English {
			c.tags = append(c.tags, tag)
		}
	}
	sort.Strings(c.tags[1:])
	var tags []language.Tag
	for _, t := range c.tags {
		tags = append(tags, language.Make(t))
	}
	c.matcher = language.NewMatcher(tags)
	return c, nil
}

var tagRe = regexp.MustCompile(`^[a-z]{2,3}$`)

func (c *Catalogue) loadFS(fsys fs.FS, where string, known func(string) bool) error {
	names, err := fs.Glob(fsys, "*.toml")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		path := filepath.Join(where, name)
		tag := strings.TrimSuffix(name, ".toml")
		if !tagRe.MatchString(tag) {
			return fmt.Errorf("translations %s: the file name must be a language tag such as de.toml", path)
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		var f file
		md, err := toml.Decode(string(data), &f)
		if err != nil {
			return fmt.Errorf("translations %s: %w", path, err)
		}
		if und := md.Undecoded(); len(und) > 0 {
			return fmt.Errorf("translations %s: unknown setting %q (the file has [locale] and [messages])", path, und[0].String())
		}
		l := c.locales[tag]
		if l == nil {
			l = &Locale{Tag: tag, messages: map[string]string{}}
			if en := c.locales[English]; en != nil && tag != English {
				*l = *en // formats default to English's until set
				l.Tag, l.Name, l.messages = tag, "", map[string]string{}
			}
			c.locales[tag] = l
		}
		if err := l.apply(f, path); err != nil {
			return err
		}
		keys := make([]string, 0, len(f.Messages))
		for k := range f.Messages {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v := f.Messages[k]
			if known != nil && !known(k) {
				if _, builtin := c.builtinMessage(k); !builtin {
					return fmt.Errorf("translations %s: %q is no text of the service (the key is the English text exactly as shown)", path, k)
				}
			}
			if err := CheckMessage(k, v); err != nil {
				return fmt.Errorf("translations %s: %w", path, err)
			}
			l.messages[k] = v
		}
	}
	return nil
}

func (c *Catalogue) builtinMessage(k string) (string, bool) {
	for _, l := range c.locales {
		if v, ok := l.messages[k]; ok {
			return v, true
		}
	}
	return "", false
}

func (l *Locale) apply(f file, path string) error {
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	lc := f.Locale
	set(&l.Name, lc.Name)
	set(&l.Date, lc.Date)
	set(&l.Time, lc.Time)
	set(&l.DateTime, lc.DateTime)
	set(&l.DayTime, lc.DayTime)
	set(&l.LongDate, lc.LongDate)
	set(&l.Month, lc.Month)
	set(&l.DayMonth, lc.DayMonth)
	set(&l.Decimal, lc.Decimal)
	names := []struct {
		dst  []string
		src  []string
		what string
	}{{l.Months[:], lc.Months, "months"}, {l.MonthsShort[:], lc.MonthsShort, "months_short"}, {l.Weekdays[:], lc.Weekdays, "weekdays"}, {l.WeekdaysShort[:], lc.WeekdaysShort, "weekdays_short"}}
	for _, n := range names {
		if n.src == nil {
			continue
		}
		if len(n.src) != len(n.dst) {
			return fmt.Errorf("translations %s: locale.%s needs %d names, has %d", path, n.what, len(n.dst), len(n.src))
		}
		copy(n.dst, n.src)
	}
	if l.Date == "" || l.Time == "" || l.Decimal == "" {
		return fmt.Errorf("translations %s: locale.date, locale.time and locale.decimal are required", path)
	}
	return nil
}

var placeholderRe = regexp.MustCompile(`\{[a-z_][a-z0-9_]*\}`)

// Placeholders lists the {name} placeholders of a text, sorted.
func Placeholders(s string) []string {
	p := placeholderRe.FindAllString(s, -1)
	sort.Strings(p)
	return p
}

// CheckMessage says what is wrong with a translation of key: every
// placeholder of the English text must appear in it, no other, and it
// must hold no markup (translations are text; the templates own markup).
func CheckMessage(key, value string) error {
	if strings.TrimSpace(value) == "" {
		return fmt.Errorf("%q: the translation is empty", key)
	}
	if strings.ContainsAny(value, "<>") {
		return fmt.Errorf("%q: the translation must not hold markup (< or >)", key)
	}
	if a, b := Placeholders(key), Placeholders(value); strings.Join(a, ",") != strings.Join(b, ",") {
		return fmt.Errorf("%q: the translation has placeholders %v, the English text %v", key, b, a)
	}
	return nil
}

// Tags are the languages, English first.
func (c *Catalogue) Tags() []string { return append([]string(nil), c.tags...) }

// Has reports whether the catalogue speaks tag.
func (c *Catalogue) Has(tag string) bool { _, ok := c.locales[tag]; return ok }

// Locale is the language tag, or English when the catalogue lacks it.
func (c *Catalogue) Locale(tag string) *Locale {
	if l, ok := c.locales[tag]; ok {
		return l
	}
	return c.locales[English]
}

// Match picks the best language for an Accept-Language header, or ""
// when the header names none the catalogue speaks.
func (c *Catalogue) Match(acceptLanguage string) string {
	if strings.TrimSpace(acceptLanguage) == "" {
		return ""
	}
	prefs, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(prefs) == 0 {
		return ""
	}
	_, i, conf := c.matcher.Match(prefs...)
	if conf == language.No {
		return ""
	}
	return c.tags[i]
}

// Messages are a locale's translations (a copy).
func (l *Locale) Messages() map[string]string {
	out := make(map[string]string, len(l.messages))
	for k, v := range l.messages {
		out[k] = v
	}
	return out
}

// Lookup is the translation of the English text, if there is one.
func (l *Locale) Lookup(english string) (string, bool) {
	if l == nil || l.Tag == English {
		return english, true
	}
	v, ok := l.messages[english]
	return v, ok
}

// T translates an English text and fills its placeholders from pairs of
// name and value: T("Due {time}", "time", "14:30"). Text with no
// translation stays English.
func (l *Locale) T(english string, args ...any) string {
	s, ok := l.Lookup(english)
	if !ok {
		s = english // a missing translation stays readable English, never blank
	}
	if len(args) == 0 {
		return s
	}
	pairs := make([]string, 0, len(args))
	for i := 0; i+1 < len(args); i += 2 {
		pairs = append(pairs, "{"+fmt.Sprint(args[i])+"}", fmt.Sprint(args[i+1]))
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// Format shows t with a Go layout, in the locale's month and day names.
func (l *Locale) Format(t time.Time, layout string) string {
	s := t.Format(layout)
	if l == nil || l.Tag == English {
		return s
	}
	// Longest names first, so "Monday" is not read as "Mon" + "day".
	var pairs []string
	if strings.Contains(layout, "January") {
		pairs = append(pairs, englishMonths[t.Month()-1], l.Months[t.Month()-1])
	}
	if strings.Contains(layout, "Monday") {
		pairs = append(pairs, englishWeekdays[t.Weekday()], l.Weekdays[t.Weekday()])
	}
	if strings.Contains(strings.ReplaceAll(layout, "January", ""), "Jan") {
		pairs = append(pairs, englishMonthsShort[t.Month()-1], l.MonthsShort[t.Month()-1])
	}
	if strings.Contains(strings.ReplaceAll(layout, "Monday", ""), "Mon") {
		pairs = append(pairs, englishWeekdaysShort[t.Weekday()], l.WeekdaysShort[t.Weekday()])
	}
	if len(pairs) == 0 {
		return s
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// FormatDate, FormatTime, … show t in the locale's named formats.
func (l *Locale) FormatDate(t time.Time) string     { return l.Format(t, l.Date) }
func (l *Locale) FormatTime(t time.Time) string     { return l.Format(t, l.Time) }
func (l *Locale) FormatDateTime(t time.Time) string { return l.Format(t, l.DateTime) }
func (l *Locale) FormatDayTime(t time.Time) string  { return l.Format(t, l.DayTime) }
func (l *Locale) FormatLongDate(t time.Time) string { return l.Format(t, l.LongDate) }
func (l *Locale) FormatMonth(t time.Time) string    { return l.Format(t, l.Month) }
func (l *Locale) FormatDayMonth(t time.Time) string { return l.Format(t, l.DayMonth) }

// Number shows a quantity with the locale's decimal separator and no
// needless zeros: 2.5 is "2,5" in German, 2 is "2".
func (l *Locale) Number(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if l != nil && l.Decimal != "" && l.Decimal != "." {
		s = strings.Replace(s, ".", l.Decimal, 1)
	}
	return s
}

// JSFormats are the formats the pages' scripts need, as the locale's
// BCP 47 tag for Intl.DateTimeFormat and Intl.NumberFormat.
func (l *Locale) JSFormats() map[string]string {
	intl := l.Tag // Intl's own formats of the language: "de" is 06.12.2026
	if l.Tag == English {
		intl = "en-GB" // 24-hour clock, day before month, as the pages always had
	}
	return map[string]string{"lang": l.Tag, "intl": intl, "decimal": l.Decimal}
}

// Missing is an English text a locale has no translation for, and where
// it is used.
type Missing struct {
	Text  string
	Where []string
}

// MissingIn lists the texts of where (place → texts) that l does not
// translate, sorted, each with the places that use it.
func MissingIn(l *Locale, where map[string][]string) []Missing {
	at := map[string]map[string]bool{}
	for place, texts := range where {
		for _, t := range texts {
			if !HasWords(t) {
				continue
			}
			if _, ok := l.Lookup(t); ok {
				continue
			}
			if at[t] == nil {
				at[t] = map[string]bool{}
			}
			at[t][place] = true
		}
	}
	out := make([]Missing, 0, len(at))
	for t, places := range at {
		m := Missing{Text: t}
		for p := range places {
			m.Where = append(m.Where, p)
		}
		sort.Strings(m.Where)
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Text < out[j].Text })
	return out
}

// TOMLLines shows missing texts as lines to paste into a catalogue's
// [messages], the translation left to write.
func TOMLLines(ms []Missing) string {
	var b strings.Builder
	for _, m := range ms {
		fmt.Fprintf(&b, "%s = \"\" # %s\n", strconv.Quote(m.Text), strings.Join(m.Where, ", "))
	}
	return b.String()
}
