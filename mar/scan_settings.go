package mar

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/emar-project/emar/scanning"
)

// ScanSettings are a facility's scanner configuration: how its wristbands
// and staff badges are written, and what its scanners send in place of the
// GS1 group separator. The zero value means "the service's default"
// (Config.Scan, itself the built-in formats unless a flag says otherwise).
type ScanSettings struct {
	Wristbands    []IDFormatSpec `json:"wristbands"`
	Badges        []IDFormatSpec `json:"badges"`
	GSSubstitutes []string       `json:"gs_substitutes"`
}

// IDFormatSpec is one wristband or badge format as configured (see
// scanning.IDFormat for what each field means).
type IDFormatSpec struct {
	Name        string            `json:"name"`
	Prefix      string            `json:"prefix,omitempty"`
	Pattern     string            `json:"pattern,omitempty"`
	AI          string            `json:"ai,omitempty"`
	Fields      []string          `json:"fields,omitempty"`
	Dates       map[string]string `json:"dates,omitempty"`
	Symbologies []string          `json:"symbologies,omitempty"`
	// Example is a scan the format must read; it is checked when the
	// settings are saved and printed on the barcode sheet.
	Example string `json:"example,omitempty"`
}

// BuiltinScanSettings are the formats the scanning package ships with.
func BuiltinScanSettings() ScanSettings {
	spec := func(fs []scanning.IDFormat) []IDFormatSpec {
		out := make([]IDFormatSpec, len(fs))
		for i, f := range fs {
			out[i] = IDFormatSpec{Name: f.Name, Prefix: f.Prefix, Pattern: f.Pattern, AI: f.AI, Fields: f.Fields, Dates: f.Dates, Symbologies: f.Symbologies}
		}
		return out
	}
	return ScanSettings{Wristbands: spec(scanning.DefaultWristbands()), Badges: spec(scanning.DefaultBadges())}
}

// IsZero reports whether nothing is configured.
func (s ScanSettings) IsZero() bool {
	return len(s.Wristbands) == 0 && len(s.Badges) == 0 && len(s.GSSubstitutes) == 0
}

// compiledScan is validated settings, ready to parse with.
type compiledScan struct {
	settings   ScanSettings
	wristbands []scanning.IDFormat
	badges     []scanning.IDFormat
}

// CompileScanSettings validates s and compiles its formats. Errors name the
// field ("wristbands[1].pattern") and the reason.
func CompileScanSettings(s ScanSettings) (compiledScan, error) {
	c := compiledScan{settings: s}
	if len(s.Wristbands) == 0 {
		return c, Invalid("wristbands", "at least one wristband format is needed")
	}
	if len(s.Badges) == 0 {
		return c, Invalid("badges", "at least one badge format is needed")
	}
	var err error
	if c.wristbands, err = compileFormats("wristbands", s.Wristbands); err != nil {
		return c, err
	}
	if c.badges, err = compileFormats("badges", s.Badges); err != nil {
		return c, err
	}
	for i, sub := range s.GSSubstitutes {
		field := fmt.Sprintf("gs_substitutes[%d]", i)
		if sub == "" {
			return c, Invalid(field, "an empty substitute would match everywhere")
		}
		if strings.ContainsAny(sub, "0123456789") || strings.IndexFunc(sub, func(r rune) bool { return r >= 'A' && r <= 'Z' }) >= 0 {
			// GS1 element strings are digits and upper-case letters: a
			// substitute made of them would cut real data apart.
			return c, Invalid(field, "%q can occur inside GS1 data (digits, capital letters); choose characters outside it, such as ~ or <GS>", sub)
		}
		if strings.Contains(sub, "<") && !strings.Contains(sub, ">") {
			return c, Invalid(field, "%q opens < but does not close it", sub)
		}
	}
	// Each format's example must read as that format, with these settings.
	for _, set := range []struct {
		name string
		kind scanning.Kind
		fs   []IDFormatSpec
	}{{"wristbands", scanning.KindWristband, s.Wristbands}, {"badges", scanning.KindBadge, s.Badges}} {
		for i, f := range set.fs {
			if f.Example == "" {
				continue
			}
			o := c.ParseOptions(time.Time{})
			o.Expect = set.kind
			code, err := scanning.Parse(f.Example, o)
			field := fmt.Sprintf("%s[%d].example", set.name, i)
			if err != nil {
				return c, Invalid(field, "the example %q does not read: %v", f.Example, err)
			}
			if code.Kind != set.kind || code.Format != f.Name {
				return c, Invalid(field, "the example %q reads as %s format %q, not as this format; put the more specific format first", f.Example, code.Kind, code.Format)
			}
		}
	}
	return c, nil
}

func compileFormats(field string, specs []IDFormatSpec) ([]scanning.IDFormat, error) {
	out := make([]scanning.IDFormat, len(specs))
	seen := map[string]bool{}
	for i, sp := range specs {
		f, err := scanning.NewIDFormat(scanning.IDFormat{Name: sp.Name, Prefix: sp.Prefix, Pattern: sp.Pattern, AI: sp.AI, Fields: sp.Fields, Dates: sp.Dates, Symbologies: sp.Symbologies})
		if err != nil {
			var pe *scanning.ParseError
			msg := err.Error()
			if errors.As(err, &pe) {
				msg = pe.Reason
			}
			return nil, Invalid(fmt.Sprintf("%s[%d]", field, i), "%s", msg)
		}
		if seen[sp.Name] {
			return nil, Invalid(fmt.Sprintf("%s[%d].name", field, i), "format name %q is used twice", sp.Name)
		}
		seen[sp.Name] = true
		out[i] = f
	}
	return out, nil
}

// ParseOptions are the scanning options of these settings; now is the
// reference for two-digit GS1 years.
func (c compiledScan) ParseOptions(now time.Time) scanning.ParseOptions {
	o := scanning.DefaultParseOptions()
	o.Now = now
	o.Wristbands = c.wristbands
	o.Badges = c.badges
	o.GSSubstitutes = append(o.GSSubstitutes[:len(o.GSSubstitutes):len(o.GSSubstitutes)], c.settings.GSSubstitutes...)
	return o
}

// scanCacheFor is how long a replica keeps a facility's settings before
// reading them again: a change saved on another replica reaches every
// bedside within this time.
const scanCacheFor = 10 * time.Second

// scanCache holds each facility's compiled settings for scanCacheFor.
type scanCache struct {
	mu   sync.Mutex
	byID map[string]cachedScan
}

type cachedScan struct {
	c  compiledScan
	at time.Time
}

func (c *scanCache) get(facilityID string, now time.Time) (compiledScan, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byID[facilityID]
	if !ok || now.Sub(e.at) >= scanCacheFor || now.Before(e.at) {
		return compiledScan{}, false
	}
	return e.c, true
}

func (c *scanCache) put(facilityID string, v compiledScan, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byID == nil {
		c.byID = map[string]cachedScan{}
	}
	c.byID[facilityID] = cachedScan{c: v, at: now}
}

func (c *scanCache) forget(facilityID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.byID, facilityID)
}

// defaultScan is the service-wide default: Config.Scan, or the built-in
// formats.
func (s *Service) defaultScan() (compiledScan, error) {
	if s.Config.Scan.IsZero() {
		return CompileScanSettings(BuiltinScanSettings())
	}
	return CompileScanSettings(s.Config.Scan)
}

// ScanOptions are the parse options for scans made in facilityID (the
// service default when facilityID is empty or has saved nothing).
func (s *Service) ScanOptions(ctx context.Context, facilityID string) (scanning.ParseOptions, error) {
	c, err := s.facilityScan(ctx, facilityID)
	if err != nil {
		return scanning.ParseOptions{}, err
	}
	return c.ParseOptions(s.Clock.Now()), nil
}

func (s *Service) facilityScan(ctx context.Context, facilityID string) (compiledScan, error) {
	if facilityID == "" {
		return s.defaultScan()
	}
	now := time.Now() // the cache's age on the machine's clock, not the record's
	if c, ok := s.scans.get(facilityID, now); ok {
		return c, nil
	}
	var raw string
	if err := s.Store.InTx(ctx, func(tx Tx) error {
		var err error
		raw, err = tx.FacilityScanSettings(facilityID)
		return err
	}); err != nil {
		return compiledScan{}, fmt.Errorf("scan settings of facility %s: %w", facilityID, err)
	}
	var c compiledScan
	if raw == "" {
		var err error
		if c, err = s.defaultScan(); err != nil {
			return compiledScan{}, err
		}
	} else {
		var set ScanSettings
		if err := json.Unmarshal([]byte(raw), &set); err != nil {
			return compiledScan{}, fmt.Errorf("scan settings of facility %s: %w", facilityID, err)
		}
		var err error
		if c, err = CompileScanSettings(set); err != nil {
			return compiledScan{}, fmt.Errorf("scan settings of facility %s no longer compile: %w", facilityID, err)
		}
	}
	s.scans.put(facilityID, c, now)
	return c, nil
}

// ScanSettingsOf returns the facility's settings in effect and whether
// they are the facility's own (false: the service default).
func (s *Service) ScanSettingsOf(ctx context.Context, by Identity) (ScanSettings, bool, error) {
	return s.FacilityScanSettings(ctx, by.User.FacilityID)
}

// FacilityScanSettings returns a facility's settings in effect and whether
// they are its own; with facilityID "" the only facility's (or, with none
// or several, the service default). Reading them needs no sign-in: they are
// what the site's barcodes look like, printed on its barcode sheet.
func (s *Service) FacilityScanSettings(ctx context.Context, facilityID string) (ScanSettings, bool, error) {
	var raw string
	err := s.Store.InTx(ctx, func(tx Tx) error {
		if facilityID == "" {
			facs, err := tx.ListFacilities()
			if err != nil || len(facs) != 1 {
				return err
			}
			facilityID = facs[0].ID
		}
		var err error
		raw, err = tx.FacilityScanSettings(facilityID)
		return err
	})
	if err != nil {
		return ScanSettings{}, false, err
	}
	if raw == "" {
		c, err := s.defaultScan()
		return c.settings, false, err
	}
	var set ScanSettings
	if err := json.Unmarshal([]byte(raw), &set); err != nil {
		return ScanSettings{}, true, fmt.Errorf("scan settings: %w", err)
	}
	return set, true, nil
}

// SetScanSettings validates and saves the caller's facility's scanner
// configuration (administrators only); the zero value goes back to the
// service default. The change is audited with the old and new settings.
func (s *Service) SetScanSettings(ctx context.Context, by Identity, set ScanSettings) error {
	if by.User.Role != RoleAdmin {
		return Forbidden("only an administrator changes how wristbands and badges are read")
	}
	raw := ""
	if !set.IsZero() {
		if _, err := CompileScanSettings(set); err != nil {
			return err
		}
		b, err := json.Marshal(set)
		if err != nil {
			return fmt.Errorf("scan settings: %w", err)
		}
		raw = string(b)
	}
	err := s.Store.InTx(ctx, func(tx Tx) error {
		old, err := tx.FacilityScanSettings(by.User.FacilityID)
		if err != nil {
			return err
		}
		if err := tx.SetFacilityScanSettings(by.User.FacilityID, raw); err != nil {
			return err
		}
		return s.audit(tx, by, AuditEntry{Action: "facility.scan_settings", ObjectType: "facility", ObjectID: by.User.FacilityID,
			Detail: map[string]json.RawMessage{"old": rawOrNull(old), "new": rawOrNull(raw)}})
	})
	if err != nil {
		return err
	}
	s.scans.forget(by.User.FacilityID)
	return nil
}

func rawOrNull(s string) json.RawMessage {
	if s == "" {
		return json.RawMessage("null")
	}
	return json.RawMessage(s)
}

// BadgeScanOptions are the options for reading a badge before anyone is
// signed in: every facility's badge formats, so that a badge of any of
// them reads (the badge value then names the person).
func (s *Service) BadgeScanOptions(ctx context.Context) (scanning.ParseOptions, error) {
	var facs []Facility
	if err := s.Store.InTx(ctx, func(tx Tx) error {
		var err error
		facs, err = tx.ListFacilities()
		return err
	}); err != nil {
		return scanning.ParseOptions{}, fmt.Errorf("facilities: %w", err)
	}
	o, err := s.ScanOptions(ctx, "")
	if err != nil {
		return o, err
	}
	badges := map[string]bool{}
	var all []scanning.IDFormat
	var subs []string
	add := func(c scanning.ParseOptions) {
		for _, f := range c.Badges {
			key := f.Name + "\x00" + f.Prefix + "\x00" + f.Pattern + "\x00" + f.AI
			if !badges[key] {
				badges[key] = true
				all = append(all, f)
			}
		}
		for _, g := range c.GSSubstitutes {
			if !containsString(subs, g) {
				subs = append(subs, g)
			}
		}
	}
	for _, f := range facs {
		fo, err := s.ScanOptions(ctx, f.ID)
		if err != nil {
			return o, err
		}
		add(fo)
	}
	if len(facs) == 0 {
		add(o)
	}
	o.Badges, o.GSSubstitutes = all, subs
	return o, nil
}

func containsString(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
