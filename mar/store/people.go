package store

import (
	"fmt"
	"strings"
	"time"

	"github.com/emar-project/emar/mar"
)

func (t *tx) CreateFacility(f *mar.Facility) error {
	return t.db.Create(&facilityRow{ID: f.ID, Name: f.Name, TimeZone: f.TimeZone}).Error
}

func (t *tx) ListFacilities() ([]mar.Facility, error) {
	var rows []facilityRow
	if err := t.db.Order("name").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]mar.Facility, len(rows))
	for i, r := range rows {
		out[i] = mar.Facility{ID: r.ID, Name: r.Name, TimeZone: r.TimeZone}
	}
	return out, nil
}

func (t *tx) CreateUnit(u *mar.Unit) error {
	row := toUnitRow(*u)
	return t.db.Create(&row).Error
}

func (t *tx) UpdateUnit(u mar.Unit) error {
	row := toUnitRow(u)
	res := t.db.Model(&unitRow{}).Where("id = ? AND facility_id = ?", u.ID, u.FacilityID).Updates(map[string]any{
		"code": row.Code, "name": row.Name, "time_zone": row.TimeZone, "pass_times": row.PassTimes,
		"window_time_critical_min": row.WindowTimeCriticalMin, "window_frequent_min": row.WindowFrequentMin, "window_daily_min": row.WindowDailyMin})
	if res.Error != nil {
		return fmt.Errorf("update unit: %w", res.Error)
	}
	if res.RowsAffected != 1 {
		return mar.NotFound("unit", u.ID)
	}
	return nil
}

// SetUnitLanguage changes a unit's language.
func (t *tx) SetUnitLanguage(unitID, lang string) error {
	res := t.db.Model(&unitRow{}).Where("id = ?", unitID).Update("language", lang)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return mar.NotFound("unit", unitID)
	}
	return nil
}

func (t *tx) GetUnit(id string) (mar.Unit, error) {
	if !mar.ValidID(id) {
		return mar.Unit{}, mar.NotFound("unit", id)
	}
	var r unitRow
	if err := t.db.Take(&r, "id = ?", id).Error; err != nil {
		return mar.Unit{}, notFound(err, "unit", id)
	}
	return r.domain(), nil
}

func (t *tx) ListUnits(facilityID string) ([]mar.Unit, error) {
	var rows []unitRow
	q := t.db.Order("code")
	if facilityID != "" {
		q = q.Where("facility_id = ?", facilityID)
	}
	if err := q.Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]mar.Unit, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

func (t *tx) CreateUser(u *mar.User) error {
	row := userRow{ID: u.ID, FacilityID: u.FacilityID, Username: u.Username, DisplayName: u.DisplayName,
		Role: string(u.Role), PasswordHash: u.PasswordHash, BadgeID: strPtr(u.BadgeID), PINHash: u.PINHash,
		Active: u.Active, Language: u.Language, CreatedAt: u.CreatedAt.UTC()}
	if err := t.db.Create(&row).Error; err != nil {
		if isUnique(err) {
			return &mar.Error{Code: mar.EConflict, Field: "username", Reason: "duplicate", Message: "the username or badge is already taken"}
		}
		return err
	}
	for _, unit := range u.UnitIDs {
		if err := t.db.Create(&userUnitRow{UserID: u.ID, UnitID: unit}).Error; err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) userUnits(id string) ([]string, error) {
	var units []string
	err := t.db.Model(&userUnitRow{}).Where("user_id = ?", id).Order("unit_id").Pluck("unit_id", &units).Error
	return units, err
}

func (t *tx) getUserWhere(what, key string, query string, args ...any) (mar.User, error) {
	var r userRow
	if err := t.db.Where(query, args...).Take(&r).Error; err != nil {
		return mar.User{}, notFound(err, what, key)
	}
	units, err := t.userUnits(r.ID)
	if err != nil {
		return mar.User{}, err
	}
	return r.domain(units), nil
}

func (t *tx) GetUser(id string) (mar.User, error) {
	if !mar.ValidID(id) {
		return mar.User{}, mar.NotFound("user", id)
	}
	return t.getUserWhere("user", id, "id = ?", id)
}

func (t *tx) GetUserByUsername(username string) (mar.User, error) {
	return t.getUserWhere("user", username, "username = ?", username)
}

func (t *tx) GetUserByBadge(badge string) (mar.User, error) {
	if badge == "" {
		return mar.User{}, mar.NotFound("badge", badge)
	}
	return t.getUserWhere("badge", badge, "badge_id = ?", badge)
}

func (t *tx) ListUsers(facilityID string) ([]mar.User, error) {
	var rows []userRow
	if err := t.db.Where("facility_id = ?", facilityID).Order("username").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]mar.User, 0, len(rows))
	for _, r := range rows {
		units, err := t.userUnits(r.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, r.domain(units))
	}
	return out, nil
}

func (t *tx) CreateSession(s *mar.Session) error {
	return t.db.Create(&sessionRow{ID: s.ID, TokenHash: s.TokenHash, UserID: s.UserID, Kind: s.Kind,
		CreatedAt: s.CreatedAt.UTC(), LastSeenAt: s.LastSeenAt.UTC(), ExpiresAt: s.ExpiresAt.UTC(), CSRFToken: s.CSRFToken}).Error
}

func (t *tx) RevokeSession(id string, at time.Time) error {
	return t.db.Model(&sessionRow{}).Where("id = ? AND revoked_at IS NULL", id).Update("revoked_at", at.UTC()).Error
}

func (t *tx) RevokeUserSessions(userID string, at time.Time) (int64, error) {
	res := t.db.Model(&sessionRow{}).Where("user_id = ? AND revoked_at IS NULL", userID).Update("revoked_at", at.UTC())
	return res.RowsAffected, res.Error
}

func (t *tx) CreateResident(r *mar.Resident) error {
	if strings.TrimSpace(r.MRNSystem) == "" {
		return mar.Invalid("mrn_system", "is required: an identifier is a (system, value) pair")
	}
	row := residentToRow(r)
	if err := t.db.Create(&row).Error; err != nil {
		if isUnique(err) {
			return &mar.Error{Code: mar.EConflict, Field: "mrn", Reason: "duplicate", Message: fmt.Sprintf("a resident with MRN %q in system %s already exists", r.MRN, r.MRNSystem)}
		}
		return err
	}
	return t.replaceAllergies(r.ID, r.Allergies)
}

func (t *tx) replaceAllergies(residentID string, allergies []mar.Allergy) error {
	// Allergies are part of the resident's record, not clinical events:
	// replacing the set is how an update is expressed, and the audit event
	// of the update keeps what changed.
	if err := t.db.Where("resident_id = ?", residentID).Delete(&allergyRow{}).Error; err != nil {
		return err
	}
	for _, a := range allergies {
		id := a.ID
		if id == "" {
			id = mar.NewID()
		}
		if err := t.db.Create(&allergyRow{ID: id, ResidentID: residentID, Substance: a.Substance, Reaction: a.Reaction, Severity: a.Severity}).Error; err != nil {
			return err
		}
	}
	return nil
}

// UpdateResident writes the resident and raises its version; with
// r.ExpectVersion set, only if the row is still at that version (see
// UpdateOrder).
func (t *tx) UpdateResident(r *mar.Resident) error {
	row := residentToRow(r)
	q := t.db.Model(&residentRow{}).Where("id = ?", r.ID)
	if r.ExpectVersion != 0 {
		q = q.Where("version = ?", r.ExpectVersion)
	}
	omit := []string{"id", "facility_id"}
	if r.UpdatedAt == nil {
		omit = append(omit, "updated_at") // a writer that does not say when keeps the last change's time
	}
	res := q.Select("*").Omit(omit...).Updates(&row)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		if r.ExpectVersion != 0 {
			var have residentRow
			if err := t.db.Select("version").Take(&have, "id = ?", r.ID).Error; err == nil {
				return mar.VersionMismatch("resident", r.ID, r.ExpectVersion, have.Version)
			}
		}
		return mar.NotFound("resident", r.ID)
	}
	if err := t.db.Exec("UPDATE residents SET version = version + 1 WHERE id = ?", r.ID).Error; err != nil {
		return err
	}
	if r.Version != 0 {
		r.Version++
	}
	r.ExpectVersion = 0
	return t.replaceAllergies(r.ID, r.Allergies)
}

func (t *tx) allergiesOf(ids []string) (map[string][]mar.Allergy, error) {
	out := map[string][]mar.Allergy{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []allergyRow
	if err := t.db.Where("resident_id IN ?", ids).Order("substance").Find(&rows).Error; err != nil {
		return nil, err
	}
	for _, a := range rows {
		out[a.ResidentID] = append(out[a.ResidentID], mar.Allergy{ID: a.ID, ResidentID: a.ResidentID, Substance: a.Substance, Reaction: a.Reaction, Severity: a.Severity})
	}
	return out, nil
}

func (t *tx) withAllergies(rows []residentRow) ([]mar.Resident, error) {
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	all, err := t.allergiesOf(ids)
	if err != nil {
		return nil, err
	}
	out := make([]mar.Resident, len(rows))
	for i, r := range rows {
		out[i] = r.domain(all[r.ID])
	}
	return out, nil
}

func (t *tx) GetResident(id string) (mar.Resident, error) {
	if !mar.ValidID(id) {
		return mar.Resident{}, mar.NotFound("resident", id)
	}
	var r residentRow
	if err := t.db.Take(&r, "id = ?", id).Error; err != nil {
		return mar.Resident{}, notFound(err, "resident", id)
	}
	rs, err := t.withAllergies([]residentRow{r})
	if err != nil {
		return mar.Resident{}, err
	}
	return rs[0], nil
}

// FindResident matches a wristband identifier or an MRN. An admitted
// resident wins over a discharged one with the same identifier; a value
// that names two admitted residents (the same MRN under two identifier
// systems) is refused rather than guessed. Only the facility's residents
// are matched: facilities of a group number their residents on their own.
func (t *tx) FindResident(facilityID, identifier string) (mar.Resident, error) {
	identifier = strings.TrimSpace(identifier)
	var rows []residentRow
	if err := t.db.Where("facility_id = ? AND (wristband_id = ? OR mrn = ?)", facilityID, identifier, identifier).Order("status, admitted_at DESC").Limit(2).Find(&rows).Error; err != nil {
		return mar.Resident{}, err
	}
	if len(rows) == 0 {
		return mar.Resident{}, mar.NotFound("resident with wristband", identifier)
	}
	if len(rows) == 2 && rows[1].Status == string(mar.Admitted) {
		return mar.Resident{}, &mar.Error{Code: mar.ERefused, Reason: mar.ReasonWrongPatient, Field: "scan",
			Message: "This wristband value belongs to more than one admitted resident (the same number under two identifier systems). Do not proceed; print a wristband that carries the identifier system, or ask the charge nurse."}
	}
	rs, err := t.withAllergies(rows[:1])
	if err != nil {
		return mar.Resident{}, err
	}
	return rs[0], nil
}

func (t *tx) ListResidents(f mar.ResidentFilter) ([]mar.Resident, error) {
	q := t.db.Order("family_name, given_name")
	if len(f.IDs) > 0 {
		q = q.Where("id IN ?", f.IDs)
	}
	if f.FacilityID != "" {
		q = q.Where("facility_id = ?", f.FacilityID)
	}
	if len(f.UnitIDs) > 0 {
		q = q.Where("unit_id IN ?", f.UnitIDs)
	}
	if f.Status != "" {
		q = q.Where("status = ?", string(f.Status))
	}
	var rows []residentRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, err
	}
	return t.withAllergies(rows)
}

// CountRows tells whether the database holds any record yet.
func (t *tx) CountRows() (int64, error) {
	var total int64
	for _, m := range []any{&facilityRow{}, &userRow{}, &residentRow{}, &productRow{}} {
		var n int64
		if err := t.db.Model(m).Count(&n).Error; err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

func (t *tx) FacilityScanSettings(facilityID string) (string, error) {
	if !mar.ValidID(facilityID) {
		return "", mar.NotFound("facility", facilityID)
	}
	var row struct{ ScanSettings string }
	res := t.db.Raw("SELECT scan_settings AS scan_settings FROM facilities WHERE id = ?", facilityID).Scan(&row)
	if res.Error != nil {
		return "", res.Error
	}
	if res.RowsAffected == 0 {
		return "", mar.NotFound("facility", facilityID)
	}
	return row.ScanSettings, nil
}

func (t *tx) SetFacilityScanSettings(facilityID, settings string) error {
	res := t.db.Exec("UPDATE facilities SET scan_settings = ? WHERE id = ?", settings, facilityID)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return mar.NotFound("facility", facilityID)
	}
	return nil
}

type residentPhotoRow struct {
	ResidentID  string `gorm:"primaryKey"`
	FacilityID  string
	ContentType string
	Data        []byte
	Sha256      string `gorm:"column:sha256"`
	Width       int
	Height      int
	UpdatedAt   time.Time
	UpdatedBy   string
}

func (residentPhotoRow) TableName() string { return "resident_photos" }

func (t *tx) ResidentPhoto(residentID string) (mar.ResidentPhoto, error) {
	if !mar.ValidID(residentID) {
		return mar.ResidentPhoto{}, mar.NotFound("photo of resident", residentID)
	}
	var r residentPhotoRow
	if err := t.db.Take(&r, "resident_id = ?", residentID).Error; err != nil {
		return mar.ResidentPhoto{}, notFound(err, "photo of resident", residentID)
	}
	return mar.ResidentPhoto{ResidentID: r.ResidentID, FacilityID: r.FacilityID, ContentType: r.ContentType, Data: r.Data, SHA256: r.Sha256,
		Width: r.Width, Height: r.Height, UpdatedAt: r.UpdatedAt.UTC(), UpdatedBy: r.UpdatedBy}, nil
}

func (t *tx) ResidentPhotoHashes(residentIDs []string) (map[string]string, error) {
	out := map[string]string{}
	if len(residentIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		ResidentID string
		Sha256     string
	}
	if err := t.db.Model(&residentPhotoRow{}).Select("resident_id, sha256").Where("resident_id IN ?", residentIDs).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("photo hashes: %w", err)
	}
	for _, r := range rows {
		out[r.ResidentID] = r.Sha256
	}
	return out, nil
}

func (t *tx) SetResidentPhoto(p mar.ResidentPhoto) error {
	row := residentPhotoRow{ResidentID: p.ResidentID, FacilityID: p.FacilityID, ContentType: p.ContentType, Data: p.Data, Sha256: p.SHA256,
		Width: p.Width, Height: p.Height, UpdatedAt: p.UpdatedAt.UTC(), UpdatedBy: p.UpdatedBy}
	res := t.db.Model(&residentPhotoRow{}).Where("resident_id = ?", p.ResidentID).Updates(map[string]any{
		"content_type": row.ContentType, "data": row.Data, "sha256": row.Sha256, "width": row.Width, "height": row.Height,
		"updated_at": row.UpdatedAt, "updated_by": row.UpdatedBy})
	if res.Error != nil {
		return fmt.Errorf("replace resident photo: %w", res.Error)
	}
	if res.RowsAffected == 1 {
		return nil
	}
	if err := t.db.Create(&row).Error; err != nil {
		return fmt.Errorf("store resident photo: %w", err)
	}
	return nil
}
