package store

import (
	"time"

	"github.com/emar-project/emar/mar"
)

type controlledCountRow struct {
	ID         string
	FacilityID string
	UnitID     string
	Shift      string
	ShiftDate  string
	OutgoingBy string
	IncomingBy string
	CountedAt  time.Time
	Note       string
}

func (controlledCountRow) TableName() string { return "controlled_counts" }

type controlledCountLineRow struct {
	ID         string
	CountID    string
	FacilityID string
	UnitID     string
	ProductID  string
	Lot        string
	Expected   float64
	Counted    float64
	Status     string
	AlertID    *string
	ResolvedBy *string
	ResolvedAt *time.Time
	Resolution string
}

func (controlledCountLineRow) TableName() string { return "controlled_count_lines" }

func (r controlledCountLineRow) domain() mar.ControlledCountLine {
	l := mar.ControlledCountLine{ID: r.ID, CountID: r.CountID, FacilityID: r.FacilityID, UnitID: r.UnitID, ProductID: r.ProductID, Lot: r.Lot,
		Expected: r.Expected, Counted: r.Counted, Status: r.Status, AlertID: deref(r.AlertID), ResolvedBy: deref(r.ResolvedBy), Resolution: r.Resolution}
	if r.ResolvedAt != nil {
		at := r.ResolvedAt.UTC()
		l.ResolvedAt = &at
	}
	return l
}

// CreateControlledCount stores the count and its lines; the caller's
// transaction makes them one.
func (t *tx) CreateControlledCount(c *mar.ControlledCount) error {
	if err := t.db.Create(&controlledCountRow{ID: c.ID, FacilityID: c.FacilityID, UnitID: c.UnitID, Shift: c.Shift, ShiftDate: c.ShiftDate,
		OutgoingBy: c.OutgoingBy, IncomingBy: c.IncomingBy, CountedAt: c.CountedAt.UTC(), Note: c.Note}).Error; err != nil {
		return err
	}
	if len(c.Lines) == 0 {
		return nil
	}
	rows := make([]controlledCountLineRow, len(c.Lines))
	for i, l := range c.Lines {
		rows[i] = controlledCountLineRow{ID: l.ID, CountID: c.ID, FacilityID: c.FacilityID, UnitID: c.UnitID, ProductID: l.ProductID, Lot: l.Lot,
			Expected: l.Expected, Counted: l.Counted, Status: l.Status, AlertID: strPtr(l.AlertID), Resolution: l.Resolution}
	}
	return t.db.Create(&rows).Error
}

// lineWithCount is a line joined with its count's who and when.
type lineWithCount struct {
	ID         string
	CountID    string
	FacilityID string
	UnitID     string
	ProductID  string
	Lot        string
	Expected   float64
	Counted    float64
	Status     string
	AlertID    *string
	ResolvedBy *string
	ResolvedAt *time.Time
	Resolution string
	CountedAt  time.Time
	OutgoingBy string
	IncomingBy string
}

func (r lineWithCount) domain() mar.ControlledCountLine {
	l := controlledCountLineRow{ID: r.ID, CountID: r.CountID, FacilityID: r.FacilityID, UnitID: r.UnitID, ProductID: r.ProductID, Lot: r.Lot, Expected: r.Expected,
		Counted: r.Counted, Status: r.Status, AlertID: r.AlertID, ResolvedBy: r.ResolvedBy, ResolvedAt: r.ResolvedAt, Resolution: r.Resolution}.domain()
	l.CountedAt, l.OutgoingBy, l.IncomingBy = r.CountedAt.UTC(), r.OutgoingBy, r.IncomingBy
	return l
}

const lineWithCountColumns = "controlled_count_lines.*, controlled_counts.counted_at, controlled_counts.outgoing_by, controlled_counts.incoming_by"

func (t *tx) GetControlledCountLine(id string) (mar.ControlledCountLine, error) {
	if !mar.ValidID(id) {
		return mar.ControlledCountLine{}, mar.NotFound("count line", id)
	}
	var rows []lineWithCount
	if err := t.db.Table("controlled_count_lines").Select(lineWithCountColumns).
		Joins("JOIN controlled_counts ON controlled_counts.id = controlled_count_lines.count_id").
		Where("controlled_count_lines.id = ?", id).Scan(&rows).Error; err != nil {
		return mar.ControlledCountLine{}, err
	}
	if len(rows) == 0 {
		return mar.ControlledCountLine{}, mar.NotFound("count line", id)
	}
	return rows[0].domain(), nil
}

func (t *tx) ListControlledCounts(unitID string, from, to time.Time, limit int) ([]mar.ControlledCount, error) {
	q := t.db.Where("unit_id = ?", unitID).Order("counted_at DESC, id DESC")
	if !from.IsZero() {
		q = q.Where("counted_at >= ?", from.UTC())
	}
	if !to.IsZero() {
		q = q.Where("counted_at < ?", to.UTC())
	}
	if limit > 0 {
		q = q.Limit(limit)
	}
	var rows []controlledCountRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, nil
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	var lines []controlledCountLineRow
	if err := t.db.Where("count_id IN ?", ids).Order("count_id, product_id, lot").Find(&lines).Error; err != nil {
		return nil, err
	}
	byCount := map[string][]mar.ControlledCountLine{}
	for _, l := range lines {
		byCount[l.CountID] = append(byCount[l.CountID], l.domain())
	}
	out := make([]mar.ControlledCount, len(rows))
	for i, r := range rows {
		out[i] = mar.ControlledCount{ID: r.ID, FacilityID: r.FacilityID, UnitID: r.UnitID, Shift: r.Shift, ShiftDate: r.ShiftDate,
			OutgoingBy: r.OutgoingBy, IncomingBy: r.IncomingBy, CountedAt: r.CountedAt.UTC(), Note: r.Note, Lines: byCount[r.ID]}
		for j := range out[i].Lines {
			l := &out[i].Lines[j]
			l.CountedAt, l.OutgoingBy, l.IncomingBy = out[i].CountedAt, r.OutgoingBy, r.IncomingBy
		}
	}
	return out, nil
}

func (t *tx) ListCountDiscrepancies(facilityID string, unitIDs []string, open bool) ([]mar.ControlledCountLine, error) {
	q := t.db.Table("controlled_count_lines").Select(lineWithCountColumns).
		Joins("JOIN controlled_counts ON controlled_counts.id = controlled_count_lines.count_id").
		Where("controlled_count_lines.facility_id = ?", facilityID).
		Order("controlled_counts.counted_at DESC, controlled_count_lines.id")
	if open {
		q = q.Where("controlled_count_lines.status = ?", mar.CountOpen)
	} else {
		q = q.Where("controlled_count_lines.status IN ?", []string{mar.CountOpen, mar.CountResolved})
	}
	if len(unitIDs) > 0 {
		q = q.Where("controlled_count_lines.unit_id IN ?", unitIDs)
	}
	var rows []lineWithCount
	if err := q.Limit(1000).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]mar.ControlledCountLine, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// ResolveCountDiscrepancy moves the line from open to resolved only if it
// is still open: of two people resolving at once, one wins.
func (t *tx) ResolveCountDiscrepancy(id, by string, at time.Time, resolution string) (bool, error) {
	res := t.db.Model(&controlledCountLineRow{}).Where("id = ? AND status = ?", id, mar.CountOpen).
		Updates(map[string]any{"status": mar.CountResolved, "resolved_by": by, "resolved_at": at.UTC(), "resolution": resolution})
	return res.RowsAffected == 1, res.Error
}

type handoverAckRow struct {
	ID             string
	FacilityID     string
	UnitID         string
	Shift          string
	ShiftDate      string
	UserID         string
	AcknowledgedAt time.Time
	Note           string
}

func (handoverAckRow) TableName() string { return "handover_acknowledgements" }

func (t *tx) CreateHandoverAck(a *mar.HandoverAck) error {
	err := t.db.Create(&handoverAckRow{ID: a.ID, FacilityID: a.FacilityID, UnitID: a.UnitID, Shift: a.Shift, ShiftDate: a.ShiftDate,
		UserID: a.UserID, AcknowledgedAt: a.AcknowledgedAt.UTC(), Note: a.Note}).Error
	if err != nil && isUnique(err) {
		return &mar.Error{Code: mar.EConflict, Reason: "already_acknowledged", Message: "you have already acknowledged this handover", Err: err}
	}
	return err
}

func (t *tx) ListHandoverAcks(unitID, shift, shiftDate string) ([]mar.HandoverAck, error) {
	var rows []handoverAckRow
	if err := t.db.Where("unit_id = ? AND shift = ? AND shift_date = ?", unitID, shift, shiftDate).Order("acknowledged_at, id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]mar.HandoverAck, len(rows))
	for i, r := range rows {
		out[i] = mar.HandoverAck{ID: r.ID, FacilityID: r.FacilityID, UnitID: r.UnitID, Shift: r.Shift, ShiftDate: r.ShiftDate,
			UserID: r.UserID, AcknowledgedAt: r.AcknowledgedAt.UTC(), Note: r.Note}
	}
	return out, nil
}
