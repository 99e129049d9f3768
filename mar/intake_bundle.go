package mar

import "context"

// IntakeItem is one entry of a FHIR transaction: a patient event or an
// order.
type IntakeItem struct {
	Patient *ExternalPatient
	Order   *ExternalOrder
	// SubjectOf, when not negative, is the index of an earlier Patient item
	// whose resident the order is for (a Bundle's urn:uuid reference).
	SubjectOf int
}

// IntakeItemResult is what one item did.
type IntakeItemResult struct {
	Resident Resident // the Patient item's resident
	Order    Order    // the Order item's order
	Created  bool
}

// ApplyIntake applies patient events and orders in one transaction, in
// their order: all of them or, on the first error (an *IntakeError naming
// the item), none. An order may name an earlier item's patient (SubjectOf),
// which exists only inside this transaction.
func (s *Service) ApplyIntake(ctx context.Context, by Identity, items []IntakeItem) ([]IntakeItemResult, error) {
	return runWrite(ctx, s, by, func(tx Tx) ([]IntakeItemResult, error) {
		out := make([]IntakeItemResult, 0, len(items))
		for i, it := range items {
			var res IntakeItemResult
			switch {
			case it.Patient != nil:
				r, created, err := s.applyPatientEvent(tx, by, *it.Patient)
				if err != nil {
					return nil, &IntakeError{Index: i, Err: err}
				}
				res = IntakeItemResult{Resident: r, Created: created}
			case it.Order != nil:
				eo := *it.Order
				if it.SubjectOf >= 0 {
					if it.SubjectOf >= i || items[it.SubjectOf].Patient == nil {
						return nil, &IntakeError{Index: i, Err: Invalid("resident_id", "the order names an entry that is not an earlier Patient")}
					}
					eo.ResidentID, eo.MRN, eo.MRNSystem = out[it.SubjectOf].Resident.ID, "", ""
				}
				r, err := s.applyExternalOrder(tx, by, eo)
				if err != nil {
					return nil, &IntakeError{Index: i, Err: err}
				}
				res = IntakeItemResult{Order: r.Order, Created: r.Created}
			default:
				return nil, &IntakeError{Index: i, Err: Invalid("item", "neither a patient nor an order")}
			}
			out = append(out, res)
		}
		return out, nil
	})
}
