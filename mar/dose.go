package mar

import "time"

// DoseStatus is the state of one scheduled dose.
type DoseStatus string

const (
	DoseScheduled DoseStatus = "scheduled" // open: waiting to be given
	DoseGiven     DoseStatus = "given"
	DoseHeld      DoseStatus = "held"
	DoseRefused   DoseStatus = "refused"
	DoseNotGiven  DoseStatus = "not_given"
	DoseMissed    DoseStatus = "missed"    // window closed without documentation
	DoseSuspended DoseStatus = "suspended" // order on hold; comes back on resume
	DoseCancelled DoseStatus = "cancelled" // order discontinued or changed
)

// Documented reports whether a nurse has charted the dose.
func (s DoseStatus) Documented() bool {
	switch s {
	case DoseGiven, DoseHeld, DoseRefused, DoseNotGiven:
		return true
	}
	return false
}

// ScheduledDose is one expected administration of an order.
type ScheduledDose struct {
	ID           string
	FacilityID   string
	OrderID      string
	ResidentID   string
	UnitID       string
	DueAt        time.Time
	WindowStart  time.Time
	WindowEnd    time.Time
	Status       DoseStatus
	Step         int    // taper step
	StepDose     string // taper step dose text
	DocumentedBy string
	DocumentedAt *time.Time
	AdminID      string // the administration that documented it
}
