package store

import (
	"strings"
	"time"

	"github.com/emar-project/emar/mar"
)

type apiClientRow struct {
	ID         string
	FacilityID string
	UserID     string
	Name       string
	SecretHash string
	Scopes     string
	Active     bool
	CreatedAt  time.Time
	DisabledAt *time.Time
}

func (apiClientRow) TableName() string { return "api_clients" }

type apiTokenRow struct {
	TokenHash string `gorm:"primaryKey"`
	ClientID  string
	Scopes    string
	IssuedAt  time.Time
	ExpiresAt time.Time
}

func (apiTokenRow) TableName() string { return "api_client_tokens" }

func (t *tx) apiClient(r apiClientRow) (mar.APIClient, error) {
	units, err := t.userUnits(r.UserID)
	if err != nil {
		return mar.APIClient{}, err
	}
	return mar.APIClient{ID: r.ID, FacilityID: r.FacilityID, UserID: r.UserID, Name: r.Name, SecretHash: r.SecretHash,
		Scopes: strings.Fields(r.Scopes), UnitIDs: units, Active: r.Active, CreatedAt: r.CreatedAt.UTC(), DisabledAt: utcPtr(r.DisabledAt)}, nil
}

func (t *tx) CreateAPIClient(c *mar.APIClient) error {
	return t.db.Create(&apiClientRow{ID: c.ID, FacilityID: c.FacilityID, UserID: c.UserID, Name: c.Name, SecretHash: c.SecretHash,
		Scopes: strings.Join(c.Scopes, " "), Active: c.Active, CreatedAt: c.CreatedAt.UTC()}).Error
}

func (t *tx) GetAPIClient(id string) (mar.APIClient, error) {
	if !mar.ValidID(id) {
		return mar.APIClient{}, mar.NotFound("api client", id)
	}
	var r apiClientRow
	if err := t.db.Take(&r, "id = ?", id).Error; err != nil {
		return mar.APIClient{}, notFound(err, "api client", id)
	}
	return t.apiClient(r)
}

func (t *tx) ListAPIClients(facilityID string) ([]mar.APIClient, error) {
	var rows []apiClientRow
	if err := t.db.Where("facility_id = ?", facilityID).Order("created_at, id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]mar.APIClient, 0, len(rows))
	for _, r := range rows {
		c, err := t.apiClient(r)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func (t *tx) DisableAPIClient(id string, at time.Time) error {
	return t.db.Model(&apiClientRow{}).Where("id = ? AND active", id).
		Updates(map[string]any{"active": false, "disabled_at": at.UTC()}).Error
}

func (t *tx) CreateAPIToken(tk *mar.APIToken) error {
	return t.db.Create(&apiTokenRow{TokenHash: tk.TokenHash, ClientID: tk.ClientID, Scopes: strings.Join(tk.Scopes, " "),
		IssuedAt: tk.IssuedAt.UTC(), ExpiresAt: tk.ExpiresAt.UTC()}).Error
}

func (t *tx) GetAPIToken(hash string) (mar.APIToken, error) {
	var r apiTokenRow
	if err := t.db.Take(&r, "token_hash = ?", hash).Error; err != nil {
		return mar.APIToken{}, notFound(err, "access token", "")
	}
	return mar.APIToken{TokenHash: r.TokenHash, ClientID: r.ClientID, Scopes: strings.Fields(r.Scopes),
		IssuedAt: r.IssuedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC()}, nil
}

func (t *tx) DeleteAPITokens(clientID string) (int64, error) {
	res := t.db.Where("client_id = ?", clientID).Delete(&apiTokenRow{})
	return res.RowsAffected, res.Error
}

func (t *tx) DeleteExpiredAPITokens(clientID string, at time.Time) error {
	return t.db.Where("client_id = ? AND expires_at <= ?", clientID, at.UTC()).Delete(&apiTokenRow{}).Error
}
