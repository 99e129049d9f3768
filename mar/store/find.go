package store

import "gorm.io/gorm"

// domainRow is a row struct that converts to its domain type.
type domainRow[D any] interface{ domain() D }

// findAll runs q and converts every row to its domain type.
func findAll[R domainRow[D], D any](q *gorm.DB) ([]D, error) {
	var rows []R
	if err := q.Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]D, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}
