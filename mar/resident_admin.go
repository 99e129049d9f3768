package mar

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	_ "image/jpeg" // the photo formats accepted
	_ "image/png"
	"strings"
)

// ResidentEdit is a correction of a resident's demographics and
// identifiers from the residents page; nil fields stay as they are. It is
// made against the version the editor read, so of two concurrent edits one
// wins and the other is told to read again.
type ResidentEdit struct {
	Version                                int64
	FamilyName, GivenName, MiddleName      *string
	BirthDate, Sex                         *string
	MRNSystem, MRN, WristbandID, Room, Bed *string
}

// EditResident applies a ResidentEdit in one transaction with its audit
// event (the old values kept), within the caller's units.
func (s *Service) EditResident(ctx context.Context, by Identity, residentID string, e ResidentEdit) (Resident, error) {
	if e.Version <= 0 {
		return Resident{}, Invalid("version", "send the version of the record you read (its \"version\")")
	}
	return runWrite(ctx, s, by, func(tx Tx) (Resident, error) {
		r, err := tx.GetResident(residentID)
		if err == nil && r.FacilityID != by.User.FacilityID {
			err = NotFound("resident", residentID)
		}
		if err != nil {
			return Resident{}, err
		}
		if err := CanSeeResident(by.User, r); err != nil {
			return Resident{}, err
		}
		if r.Version != e.Version {
			return Resident{}, VersionMismatch("resident", r.ID, e.Version, r.Version)
		}
		before := map[string]any{"family_name": r.FamilyName, "given_name": r.GivenName, "middle_name": r.MiddleName, "birth_date": r.BirthDate,
			"sex": r.Sex, "mrn_system": r.MRNSystem, "mrn": r.MRN, "wristband_id": r.WristbandID, "room": r.Room, "bed": r.Bed}
		set := func(dst *string, v *string) {
			if v != nil {
				*dst = strings.TrimSpace(*v)
			}
		}
		set(&r.FamilyName, e.FamilyName)
		set(&r.GivenName, e.GivenName)
		set(&r.MiddleName, e.MiddleName)
		set(&r.BirthDate, e.BirthDate)
		set(&r.Sex, e.Sex)
		set(&r.Room, e.Room)
		set(&r.Bed, e.Bed)
		oldSystem, oldMRN := r.MRNSystem, r.MRN
		set(&r.MRNSystem, e.MRNSystem)
		set(&r.MRN, e.MRN)
		set(&r.WristbandID, e.WristbandID)
		if r.WristbandID == "" {
			r.WristbandID = r.MRN
		}
		switch r.Sex {
		case "", "male", "female", "other", "unknown":
		default:
			return Resident{}, Invalid("sex", "must be male, female, other or unknown")
		}
		if r.Sex == "" {
			r.Sex = "unknown"
		}
		if err := r.Validate(); err != nil {
			return Resident{}, err
		}
		if r.MRNSystem != oldSystem || r.MRN != oldMRN {
			others, err := tx.ResidentsWithMRN(r.FacilityID, r.MRN)
			if err != nil {
				return Resident{}, err
			}
			for _, o := range others {
				if o.ID != r.ID {
					return Resident{}, &Error{Code: EConflict, Field: "mrn", Reason: "duplicate",
						Message: fmt.Sprintf("MRN %q is already another resident's (%s, %s)", r.MRN, o.DisplayName(), o.MRNSystem)}
				}
			}
		}
		r.ExpectVersion = e.Version
		changed := s.now()
		r.UpdatedAt = &changed
		if err := tx.UpdateResident(&r); err != nil {
			return Resident{}, err
		}
		if r.Version == e.Version {
			r.Version++
		}
		return r, s.audit(tx, by, AuditEntry{Action: "resident.edit", ObjectType: "resident", ObjectID: r.ID, ResidentID: r.ID,
			Detail: map[string]any{"before": before}})
	})
}

// MaxPhotoBytes bounds a resident's photo upload.
const MaxPhotoBytes = 2 << 20

// maxPhotoPixels bounds a photo's decoded size (a small file can claim a
// huge image).
const maxPhotoPixels = 40_000_000

// CheckPhoto decodes an uploaded photo and returns its content type and
// size: only a JPEG or PNG that decodes whole is accepted, whatever the
// upload called itself.
func CheckPhoto(data []byte) (contentType string, width, height int, err error) {
	if len(data) == 0 {
		return "", 0, 0, Invalid("photo", "the upload is empty")
	}
	if len(data) > MaxPhotoBytes {
		return "", 0, 0, &Error{Code: ETooLarge, Field: "photo", Reason: "too_large", Message: fmt.Sprintf("the photo is %d bytes; at most %d (2 MB)", len(data), MaxPhotoBytes)}
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return "", 0, 0, &Error{Code: EInvalid, Field: "photo", Reason: "not_an_image", Message: "is not a JPEG or PNG image"}
	}
	if format != "jpeg" && format != "png" {
		return "", 0, 0, &Error{Code: EInvalid, Field: "photo", Reason: "not_an_image", Message: fmt.Sprintf("is a %s image; send a JPEG or PNG", format)}
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxPhotoPixels {
		return "", 0, 0, &Error{Code: EInvalid, Field: "photo", Reason: "too_many_pixels", Message: fmt.Sprintf("the image is %d×%d pixels; at most 40 megapixels", cfg.Width, cfg.Height)}
	}
	if _, _, err := image.Decode(bytes.NewReader(data)); err != nil {
		return "", 0, 0, &Error{Code: EInvalid, Field: "photo", Reason: "not_an_image", Message: "the image is damaged: " + err.Error()}
	}
	return "image/" + format, cfg.Width, cfg.Height, nil
}

// SetResidentPhoto stores (or replaces) a resident's photo after checking
// it decodes, within the caller's units (audited with the image's hash).
func (s *Service) SetResidentPhoto(ctx context.Context, by Identity, residentID string, data []byte) (ResidentPhoto, error) {
	ct, w, h, err := CheckPhoto(data)
	if err != nil {
		return ResidentPhoto{}, err
	}
	sum := sha256.Sum256(data)
	p := ResidentPhoto{ResidentID: residentID, FacilityID: by.User.FacilityID, ContentType: ct, Data: data, SHA256: hex.EncodeToString(sum[:]),
		Width: w, Height: h, UpdatedAt: s.now(), UpdatedBy: by.User.ID}
	err = s.Store.InTx(ctx, func(tx Tx) error {
		r, err := tx.GetResident(residentID)
		if err == nil && r.FacilityID != by.User.FacilityID {
			err = NotFound("resident", residentID)
		}
		if err != nil {
			return err
		}
		if err := CanSeeResident(by.User, r); err != nil {
			return err
		}
		var old string
		if prev, err := tx.ResidentPhoto(residentID); err == nil {
			old = prev.SHA256
		} else if ErrorCodeOf(err) != ENotFound {
			return err
		}
		if err := tx.SetResidentPhoto(p); err != nil {
			return err
		}
		return s.audit(tx, by, AuditEntry{Action: "resident.photo", ObjectType: "resident", ObjectID: r.ID, ResidentID: r.ID,
			Detail: map[string]any{"sha256": p.SHA256, "before_sha256": old, "content_type": ct, "width": w, "height": h}})
	})
	if err != nil {
		return ResidentPhoto{}, err
	}
	return p, nil
}

// ResidentPhoto returns a resident's photo for someone who may see the
// resident (ENotFound when there is none). Fetching a photo is not
// audited as a record read: it is shown every time the resident is.
func (s *Service) ResidentPhoto(ctx context.Context, by Identity, residentID string) (ResidentPhoto, error) {
	var out ResidentPhoto
	err := s.Store.InTx(ctx, func(tx Tx) error {
		r, err := tx.GetResident(residentID)
		if err == nil && r.FacilityID != by.User.FacilityID {
			err = NotFound("resident", residentID)
		}
		if err != nil {
			return err
		}
		if err := CanSeeResident(by.User, r); err != nil {
			return err
		}
		out, err = tx.ResidentPhoto(residentID)
		return err
	})
	return out, err
}

// ValidatePIN checks a staff badge's PIN as an administrator sets it: 4 to
// 8 digits, not one digit repeated and not a run such as 1234 or 4321
// (the first guesses). A PIN needs a badge: it is only ever typed after one
// is scanned, and wrong PINs count towards the account's lock.
func ValidatePIN(badgeID, pin string) error {
	if strings.TrimSpace(badgeID) == "" {
		return Invalid("pin", "a PIN needs a badge number (badge_id)")
	}
	if len(pin) < 4 || len(pin) > 8 || strings.Trim(pin, "0123456789") != "" {
		return Invalid("pin", "must be 4 to 8 digits")
	}
	same, up, down := true, true, true
	for i := 1; i < len(pin); i++ {
		d := int(pin[i]) - int(pin[i-1])
		same = same && d == 0
		up = up && (d == 1 || d == -9)
		down = down && (d == -1 || d == 9)
	}
	if same || up || down {
		return &Error{Code: EInvalid, Field: "pin", Reason: "common_pin", Message: "is one of the first PINs anyone tries: choose another"}
	}
	return nil
}
