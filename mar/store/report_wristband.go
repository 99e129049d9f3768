package store

import "github.com/emar-project/emar/mar"

// ReportWristbandScans reads the administrations recorded in the period
// (entered-in-error ones left out) with their unit, performer and how the
// resident was identified.
func (t *tx) ReportWristbandScans(f mar.DoseReportFilter) ([]mar.WristbandScanRow, error) {
	q := `SELECT ad.id AS administration_id, u.code AS unit_code, ad.performer_id, COALESCE(us.display_name, '') AS nurse_name,
		ad.scanned_wrist, ad.patient_keyed_reason
		FROM administrations ad JOIN units u ON u.id = ad.unit_id LEFT JOIN users us ON us.id = ad.performer_id
		WHERE ad.facility_id = ? AND ad.recorded_at >= ? AND ad.recorded_at < ? AND ad.entered_in_error = false`
	args := []any{f.FacilityID, f.From.UTC(), f.To.UTC()}
	if len(f.UnitIDs) > 0 {
		q += ` AND ad.unit_id IN ?`
		args = append(args, f.UnitIDs)
	}
	var rows []struct {
		AdministrationID   string
		UnitCode           string
		PerformerID        string
		NurseName          string
		ScannedWrist       string
		PatientKeyedReason string
	}
	if err := t.db.Raw(q+` ORDER BY ad.recorded_at, ad.id`, args...).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]mar.WristbandScanRow, len(rows))
	for i, r := range rows {
		out[i] = mar.WristbandScanRow{AdministrationID: r.AdministrationID, UnitCode: r.UnitCode, PerformerID: r.PerformerID,
			NurseName: r.NurseName, Scanned: r.ScannedWrist != "", ManualReason: r.PatientKeyedReason}
	}
	return out, nil
}
