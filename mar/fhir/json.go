package fhir

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"

	fm "github.com/samply/golang-fhir-models/fhir-models/fhir"

	"github.com/emar-project/emar/mar"
)

// Identifier systems and extension URLs of this service.
const (
	base          = "https://emar-project.github.io/fhir"
	SystemMRN     = mar.DefaultMRNSystem
	SystemBand    = base + "/sid/wristband"
	SystemPlacer  = base + "/sid/placer-order"
	SystemFiller  = base + "/sid/filler-order"
	SystemProduct = base + "/sid/product"
	SystemAction  = base + "/CodeSystem/audit-action"
	SystemReason  = base + "/CodeSystem/administration-reason"
	SystemUnit    = base + "/sid/unit"

	ExtUnit         = base + "/StructureDefinition/unit"
	ExtRecordedTime = base + "/StructureDefinition/recorded-time"
	ExtDeviceTime   = base + "/StructureDefinition/device-time"
	ExtNeedsReview  = base + "/StructureDefinition/needs-review"
	ExtKeyedEntry   = base + "/StructureDefinition/keyed-entry"

	SystemNDC    = "http://hl7.org/fhir/sid/ndc"
	SystemRxNorm = "http://www.nlm.nih.gov/research/umls/rxnorm"
	SystemGTIN   = "https://www.gs1.org/gtin"
	SystemSNOMED = "http://snomed.info/sct"
	SystemUCUM   = "http://unitsofmeasure.org"
	SystemV2MR   = "http://terminology.hl7.org/CodeSystem/v2-0203"
)

// ContentType is the FHIR JSON media type.
const ContentType = "application/fhir+json; charset=utf-8"

// Marshal writes a resource as FHIR JSON without the empty values the
// generated structs would otherwise emit ("" and {} are invalid in FHIR).
// extra adds top-level elements the structs lack, such as contained.
func Marshal(v any, extra map[string]any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return nil, err
	}
	m, _ := prune(tree).(map[string]any)
	for k, v := range extra {
		if pv := prune(v); pv != nil {
			m[k] = pv
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// prune drops empty strings, objects and arrays, recursively.
func prune(v any) any {
	switch x := v.(type) {
	case string:
		if x == "" {
			return nil
		}
		return x
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			if pe := prune(e); pe != nil {
				out[k] = pe
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case []any:
		var out []any
		for _, e := range x {
			if pe := prune(e); pe != nil {
				out = append(out, pe)
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case json.RawMessage:
		var t any
		dec := json.NewDecoder(bytes.NewReader(x))
		dec.UseNumber()
		if dec.Decode(&t) != nil {
			return nil
		}
		return prune(t)
	}
	return v
}

func str(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func num(f float64) *json.Number {
	n := json.Number(strconv.FormatFloat(f, 'f', -1, 64))
	return &n
}

// meta is Resource.meta: the version (from 1) and when it was made.
func meta(version int64, last time.Time) *fm.Meta {
	if version < 1 {
		version = 1
	}
	m := &fm.Meta{VersionId: str(strconv.FormatInt(version, 10))}
	if !last.IsZero() {
		m.LastUpdated = str(instant(last))
	}
	return m
}

// contentMeta is the meta of a resource the record keeps no version
// counter for (a catalogue product, a user): its versionId is a digest of
// its content, so it changes exactly when the resource does.
func contentMeta(v any) *fm.Meta {
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(b)
	return &fm.Meta{VersionId: str("c" + hex.EncodeToString(sum[:8]))}
}

func instant(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func dateTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// refused builds the *mar.Error for an element the service cannot take.
func refused(expr, format string, args ...any) *mar.Error {
	e := mar.Invalid(expr, format, args...)
	e.Reason = "not-supported"
	return e
}

// invalid builds the *mar.Error for an element that breaks the standard.
func invalid(expr, format string, args ...any) *mar.Error {
	e := mar.Invalid(expr, format, args...)
	e.Reason = "invalid"
	return e
}
