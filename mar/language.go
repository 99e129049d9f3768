package mar

import (
	"context"
	"regexp"
)

// The language of the pages is chosen per user, else per unit, else by
// the facility's default; the words themselves live in the web layer
// (package web/i18n). The service only keeps the choices, audited.

var languageTagRe = regexp.MustCompile(`^[a-z]{2,3}$`)

// ValidateLanguage checks a language tag as stored: a lower-case ISO 639
// code ("de") or "" for no choice. supported, when not nil, says whether
// the service speaks it.
func ValidateLanguage(field, tag string, supported func(string) bool) error {
	if tag == "" {
		return nil
	}
	if !languageTagRe.MatchString(tag) {
		return Invalid(field, "%q is not a language code such as \"en\" or \"de\"", tag)
	}
	if supported != nil && !supported(tag) {
		return Invalid(field, "the service has no translation for %q", tag)
	}
	return nil
}

// SetUserLanguage sets an account's language: users set their own, an
// administrator anyone's of the facility. "" goes back to the unit's or
// the facility's language. Audited with the old value.
func (s *Service) SetUserLanguage(ctx context.Context, by Identity, userID, tag string, supported func(string) bool) (User, error) {
	if err := ValidateLanguage("language", tag, supported); err != nil {
		return User{}, err
	}
	if userID != by.User.ID && by.User.Role != RoleAdmin {
		return User{}, Forbidden("only an administrator may set another user's language")
	}
	var out User
	err := s.Store.InTx(ctx, func(tx Tx) error {
		u, err := tx.GetUser(userID)
		if err != nil {
			return err
		}
		if u.FacilityID != by.User.FacilityID || u.PasswordHash == "!" {
			return NotFound("user", userID)
		}
		before := u.Language
		u.Language = tag
		if err := tx.UpdateUser(&u); err != nil {
			return err
		}
		out = u
		return s.audit(tx, by, AuditEntry{Action: "user.language", ObjectType: "user", ObjectID: u.ID,
			Detail: map[string]any{"username": u.Username, "before": before, "after": tag}})
	})
	return out, err
}

// SetUnitLanguage sets a unit's language (administrators). Audited with
// the old value.
func (s *Service) SetUnitLanguage(ctx context.Context, by Identity, unitID, tag string, supported func(string) bool) (Unit, error) {
	if err := ValidateLanguage("language", tag, supported); err != nil {
		return Unit{}, err
	}
	if by.User.Role != RoleAdmin {
		return Unit{}, Forbidden("only an administrator may set a unit's language")
	}
	var out Unit
	err := s.Store.InTx(ctx, func(tx Tx) error {
		u, err := tx.GetUnit(unitID)
		if err != nil {
			return err
		}
		if u.FacilityID != by.User.FacilityID {
			return NotFound("unit", unitID)
		}
		if err := tx.SetUnitLanguage(u.ID, tag); err != nil {
			return err
		}
		before := u.Language
		u.Language = tag
		out = u
		return s.audit(tx, by, AuditEntry{Action: "unit.language", ObjectType: "unit", ObjectID: u.ID,
			Detail: map[string]any{"code": u.Code, "before": before, "after": tag}})
	})
	return out, err
}

// UnitLanguages maps the facility's units to their languages (units with
// none are left out). It is read for every page, so the web layer caches
// it for a few seconds.
func (s *Service) UnitLanguages(ctx context.Context, facilityID string) (map[string]string, error) {
	out := map[string]string{}
	err := s.Store.InTx(ctx, func(tx Tx) error {
		units, err := tx.ListUnits(facilityID)
		if err != nil {
			return err
		}
		for _, u := range units {
			if u.Language != "" {
				out[u.ID] = u.Language
			}
		}
		return nil
	})
	return out, err
}
