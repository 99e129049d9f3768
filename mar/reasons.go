package mar

// Reason codes are the stable, machine-readable half of every bedside
// refusal, warning and documented outcome; the other half is a message in
// plain words for the nurse. They live here, in one place, so the API, the
// documentation and the tests agree.
const (
	// Right patient.
	ReasonWrongPatient       = "wrong_patient"
	ReasonContextExpired     = "context_expired"
	ReasonResidentDischarged = "resident_discharged"
	ReasonResidentNotFound   = "resident_not_found"
	ReasonNotAWristband      = "not_a_wristband"
	// ReasonPatientKeyed warns that the resident was selected by hand, not
	// by a wristband scan (counted for compliance like a keyed pack).
	ReasonPatientKeyed = "patient_keyed"
	// ReasonIdentifierMismatch refuses a selection by hand whose confirmed
	// identifiers differ from the record.
	ReasonIdentifierMismatch = "identifier_mismatch"
	// ReasonLabelOtherResident refuses a pack whose patient-specific label
	// (its GS1 serial) belongs to a dispense for another resident.
	ReasonLabelOtherResident = "labelled_for_another_resident"

	// Right drug.
	ReasonBarcodeUnreadable = "barcode_unreadable"
	ReasonNotAMedication    = "not_a_medication"
	ReasonProductUnknown    = "product_unknown"
	ReasonWrongDrug         = "wrong_drug"
	ReasonNoMatchingOrder   = "no_matching_order"
	ReasonKeyedEntry        = "keyed_entry"

	// Right dose and route.
	ReasonWrongDose   = "wrong_dose"
	ReasonPartialDose = "partial_dose"
	ReasonWrongRoute  = "wrong_route"
	// ReasonDoseFormNotDivisible: the quantity is a fraction of a unit the
	// product's form does not allow (half a capsule, part of a patch).
	ReasonDoseFormNotDivisible = "dose_form_not_divisible"
	// ReasonMustNotCrush: the order asks for the product crushed (a
	// feeding-tube route, or "crush" in the instructions) and its form
	// must not be crushed (extended-release, enteric-coated, capsules …).
	ReasonMustNotCrush = "must_not_crush"

	// Right time and duplicates.
	ReasonTooEarly          = "too_early"
	ReasonTooLate           = "too_late"
	ReasonAlreadyDocumented = "already_documented"
	// ReasonIngredientInWindow warns that a back-charted scheduled dose
	// shares its window with another dose of the ingredient.
	ReasonIngredientInWindow = "ingredient_in_window"
	// ReasonLimitCrossed flags a back-charted dose that crosses a limit
	// with doses already on the chart; the charge nurse is alerted.
	ReasonLimitCrossed = "limit_crossed"
	// ReasonScheduledCrossesPRNLimit warns that a scheduled dose crosses
	// a PRN order's interval or maximum with a PRN dose of the ingredient.
	ReasonScheduledCrossesPRNLimit = "scheduled_crosses_prn_limit"
	// ReasonQuantityUnitIncompatible refuses a quantity in a unit the
	// product's strength does not convert (mg of a product in units).
	ReasonQuantityUnitIncompatible = "quantity_unit_incompatible"
	// ReasonWeightRequired and ReasonWeightStale refuse a weight-based
	// dose (mg/kg) with no weight, or only one older than the freshness
	// rule: record a weight.
	ReasonWeightRequired = "weight_required"
	ReasonWeightStale    = "weight_stale"

	// Allergy and pack.
	ReasonAllergy = "allergy"
	// ReasonAllergyCrossSensitivity is a soft stop: a cross-reactive class.
	ReasonAllergyCrossSensitivity = "allergy_cross_sensitivity"
	ReasonExpired                 = "expired"
	ReasonExpiryNotScanned        = "expiry_not_scanned"

	// Order status.
	ReasonOrderPendingVerification = "order_pending_verification"
	ReasonOrderOnHold              = "order_on_hold"
	ReasonOrderDiscontinued        = "order_discontinued"
	ReasonOrderInactive            = "order_inactive"

	// As needed (PRN).
	ReasonPRNIndicationRequired = "prn_indication_required"
	ReasonPRNTooSoon            = "prn_too_soon"
	ReasonPRNMaxDoses           = "prn_max_doses"
	ReasonPRNMaxAmount          = "prn_max_amount"
	ReasonPRNLimitsUnknown      = "prn_limits_unknown"
	ReasonPRNOnlyGiven          = "prn_only_given"

	// High-alert medications.
	ReasonWitnessRequired    = "witness_required"
	ReasonWitnessInvalid     = "witness_invalid"
	ReasonWitnessSamePerson  = "witness_same_person"
	ReasonWitnessRecommended = "witness_recommended"

	// Hold parameters and vital signs.
	ReasonVitalsRequired   = "vitals_required"
	ReasonHoldParameterMet = "hold_parameter_met"

	// Transdermal patches.
	ReasonPatchNotRemoved = "patch_not_removed"
	ReasonSiteRequired    = "site_required"
	ReasonNotAPatch       = "not_a_patch"
	ReasonAlreadyRemoved  = "already_removed"

	// Sliding scales.
	ReasonGlucoseRequired   = "glucose_required"
	ReasonGlucoseStale      = "glucose_stale"
	ReasonGlucoseOutOfScale = "glucose_out_of_scale"
	ReasonScaleDoseMismatch = "scale_dose_mismatch"
	ReasonScaleNoDose       = "scale_no_dose"

	// Documentation.
	ReasonReasonRequired                  = "reason_required"
	ReasonOverrideReasonRequired          = "override_reason_required"
	ReasonClockSkewed                     = "clock_skewed"
	ReasonBackDocumentationReasonRequired = "back_documentation_reason_required"
	ReasonBackDocumentationOutOfRange     = "back_documentation_out_of_range"
	ReasonIdempotencyKeyReused            = "idempotency_key_reused"
	ReasonNotPerformer                    = "not_performer"
	ReasonAlreadyEnteredInError           = "already_entered_in_error"
	ReasonNotPRN                          = "not_prn"
)

// ReasonInfo describes a reason code for the documentation and for clients
// that want to show their own words.
type ReasonInfo struct {
	Code        string
	Right       Right // the check it belongs to, if any
	Hard        bool  // a hard stop: no override is possible
	Overridable bool  // a soft stop: an override with a reason lets it pass
	Description string
}

// Reasons lists every refusal and warning code of the bedside flow.
var Reasons = []ReasonInfo{
	{ReasonWrongPatient, RightPatient, true, false, "the bedside context, dose or order belongs to another resident or another user"},
	{ReasonContextExpired, RightPatient, true, false, "the wristband scan is too old: scan the wristband again"},
	{ReasonResidentDischarged, RightPatient, true, false, "the resident is discharged"},
	{ReasonResidentNotFound, RightPatient, true, false, "no resident carries the scanned wristband"},
	{ReasonNotAWristband, RightPatient, true, false, "the scanned code is not a wristband (for example a medication pack)"},
	{ReasonPatientKeyed, RightPatient, false, false, "warning: the resident was selected by hand with two identifiers, not by a wristband scan (counted for compliance)"},
	{ReasonIdentifierMismatch, RightPatient, true, false, "a selection by hand: a confirmed identifier differs from the resident's record (the field names which)"},
	{ReasonLabelOtherResident, RightPatient, true, false, "the pack's patient-specific label (its serial) was dispensed for another resident, even if this resident has an order for the same drug"},
	{ReasonBarcodeUnreadable, RightDrug, true, false, "the barcode text could not be parsed"},
	{ReasonNotAMedication, RightDrug, true, false, "the scanned code is not a medication barcode (for example a wristband)"},
	{ReasonProductUnknown, RightDrug, true, false, "no product in the catalogue carries the scanned GTIN or NDC"},
	{ReasonWrongDrug, RightDrug, true, false, "the product is not the ordered drug"},
	{ReasonNoMatchingOrder, RightDrug, true, false, "no order of this resident matches the product; candidates are listed"},
	{ReasonKeyedEntry, RightDrug, false, false, "warning: the product was keyed in, not scanned (counted for compliance)"},
	{ReasonWrongDose, RightDose, true, false, "the amount differs from the ordered dose (more than ordered, or not comparable)"},
	{ReasonPartialDose, RightDose, false, true, "less than the ordered dose"},
	{ReasonWeightRequired, RightDose, true, false, "a weight-based order (mg/kg) and no weight recorded: weigh the resident and record the weight (vital kind weight, kg or lb)"},
	{ReasonWeightStale, RightDose, true, false, "a weight-based order (mg/kg) and the last weight is older than the freshness rule (7 days by default): weigh the resident and record the weight"},
	{ReasonQuantityUnitIncompatible, RightDose, true, false, "the quantity_unit cannot be converted with the product's strength (mg of an insulin in units, capsules of a tablet); give the quantity in the order's unit or the product's unit of use"},
	{ReasonDoseFormNotDivisible, RightDose, true, false, "the quantity is a fraction the product's form does not allow (capsules, ER/EC/ODT tablets, patches, pre-filled syringes and unscored tablets are given whole; scored tablets in halves or quarters); ask pharmacy for the right strength"},
	{ReasonWrongRoute, RightRoute, true, false, "the product or the documented route does not fit the ordered route"},
	{ReasonMustNotCrush, RightRoute, true, false, "the order asks for the product crushed (a feeding-tube route, or crush in the instructions) and its form must not be crushed; ask pharmacy for a liquid or another form"},
	{ReasonTooEarly, RightTime, false, true, "before the administration window opens"},
	{ReasonTooLate, RightTime, false, true, "after the administration window closed (a missed dose given late)"},
	{ReasonAlreadyDocumented, RightDuplicate, true, false, "the dose is already documented; details say by whom and when"},
	{ReasonIngredientInWindow, RightDuplicate, false, false, "warning: a back-charted scheduled dose shares its window with another dose of the ingredient; it is charted, flagged and the charge nurse alerted"},
	{ReasonScheduledCrossesPRNLimit, RightPRN, false, false, "warning: a scheduled dose is within a PRN order's minimum interval of a PRN dose of the same ingredient, or takes the ingredient over a PRN order's maximum; it is charted, flagged and the charge nurse alerted"},
	{ReasonLimitCrossed, "", false, false, "flag: a back-charted dose, or a scheduled dose given across a PRN order's limit, crosses a limit (interval, maximum, window) with doses already on the chart; the charge nurse is alerted"},
	{ReasonAllergy, RightAllergy, true, false, "an ingredient, or its drug class, matches a documented allergy (a penicillin allergy stops amoxicillin)"},
	{ReasonAllergyCrossSensitivity, RightAllergy, false, true, "an ingredient belongs to a class that can cross-react with a documented allergy (penicillin and cephalosporins); override with the prescriber's confirmation"},
	{ReasonExpired, RightExpiry, true, false, "the pack's expiry date (GS1 AI 17) has passed in the unit's time zone"},
	{ReasonExpiryNotScanned, RightExpiry, false, false, "warning: the barcode carries no expiry date; check the pack"},
	{ReasonOrderPendingVerification, RightOrderStatus, true, false, "the order awaits pharmacist verification"},
	{ReasonOrderOnHold, RightOrderStatus, true, false, "the order is on hold"},
	{ReasonOrderDiscontinued, RightOrderStatus, true, false, "the order was discontinued"},
	{ReasonOrderInactive, RightOrderStatus, true, false, "the order is completed, rejected, not started or stopped"},
	{ReasonPRNIndicationRequired, RightPRN, true, false, "an as-needed dose needs the indication it is given for"},
	{ReasonPRNTooSoon, RightPRN, true, false, "the minimum interval since the last dose of the ingredient has not passed"},
	{ReasonPRNMaxDoses, RightPRN, true, false, "the maximum number of doses of the ingredient in the period is reached"},
	{ReasonPRNMaxAmount, RightPRN, true, false, "the maximum amount of the ingredient in the period would be exceeded"},
	{ReasonPRNLimitsUnknown, RightPRN, true, false, "the order's frequency cannot be read, so its as-needed limits are unknown"},
	{ReasonPRNOnlyGiven, RightPRN, true, false, "as-needed doses are documented only when given"},
	{ReasonWitnessRequired, RightHighAlert, true, false, "a high-alert product needs a second user to co-sign"},
	{ReasonWitnessInvalid, RightHighAlert, true, false, "the witness's credentials were not accepted"},
	{ReasonWitnessSamePerson, RightHighAlert, true, false, "the witness must be another person than the one giving the dose"},
	{ReasonWitnessRecommended, RightHighAlert, false, true, "a witness is recommended for this product"},
	{ReasonVitalsRequired, RightHoldParameters, true, false, "the order has hold parameters: enter the vital signs first"},
	{ReasonHoldParameterMet, RightHoldParameters, true, false, "a hold parameter is met: the dose is held, not given"},
	{ReasonPatchNotRemoved, RightPatch, true, false, "the previous patch is not documented as removed"},
	{ReasonSiteRequired, RightPatch, true, false, "the application site is required"},
	{ReasonGlucoseRequired, RightSlidingScale, true, false, "a sliding-scale dose needs a glucose reading"},
	{ReasonGlucoseStale, RightSlidingScale, true, false, "the last glucose reading is too old"},
	{ReasonGlucoseOutOfScale, RightSlidingScale, true, false, "the glucose reading is outside every step of the scale"},
	{ReasonScaleDoseMismatch, RightSlidingScale, true, false, "the amount differs from the dose the scale gives for the reading"},
	{ReasonScaleNoDose, RightSlidingScale, true, false, "the scale gives no dose for the reading"},
	{ReasonReasonRequired, "", true, false, "held, refused and not-given need a reason code from the list"},
	{ReasonOverrideReasonRequired, "", true, false, "an override needs a reason in words"},
	{ReasonClockSkewed, RightTime, false, false, "warning: the device clock differs from the server's; the server's time was used"},
	{ReasonBackDocumentationReasonRequired, RightTime, true, false, "a performed time in the past needs a reason"},
	{ReasonBackDocumentationOutOfRange, RightTime, true, false, "the performed time is in the future or too far in the past"},
	{ReasonIdempotencyKeyReused, "", true, false, "the Idempotency-Key was used before with a different request"},
	{ReasonNotPerformer, "", true, false, "only the performer or a charge nurse may correct an administration"},
	{ReasonAlreadyEnteredInError, "", true, false, "the administration is already marked entered-in-error"},
	{ReasonNotAPatch, RightPatch, true, false, "the administration is not a patch that was applied"},
	{ReasonAlreadyRemoved, RightPatch, true, false, "the patch is already documented as removed"},
	{ReasonNotPRN, RightPRN, true, false, "the administration is not an as-needed dose"},
	{ReasonOfflineSnapshotStale, "", true, false, "offline only: the device's snapshot is past its limit, from the future, edited or missing; nothing is charted offline (docs/offline.md)"},
	{ReasonOfflineUndecidable, "", true, false, "offline only: the snapshot does not hold what the check needs (a resident of another unit, a product not ordered on the unit, a dose or order it does not list); refused, not guessed (docs/offline.md)"},
}

// RecordReasons are the refusals and warnings whose answer is in the
// resident's record: what is ordered, what was given and when. Beside
// them the bedside offers one tap to the resident's MAR.
var RecordReasons = []string{
	ReasonWrongPatient, ReasonWrongDrug, ReasonNoMatchingOrder, ReasonAlreadyDocumented, ReasonIngredientInWindow,
	ReasonScheduledCrossesPRNLimit, ReasonLimitCrossed, ReasonTooEarly, ReasonTooLate,
	ReasonPRNTooSoon, ReasonPRNMaxDoses, ReasonPRNMaxAmount, ReasonPatchNotRemoved,
	ReasonOrderOnHold, ReasonOrderDiscontinued, ReasonOrderInactive, ReasonHoldParameterMet,
}

// ReasonOption is one entry of a pick list.
type ReasonOption struct {
	Code  string
	Label string
}

// DefaultOutcomeReasons are the reasons a nurse picks from when a dose is
// held, refused or not given; facilities replace them in Config.
func DefaultOutcomeReasons() map[Outcome][]ReasonOption {
	return map[Outcome][]ReasonOption{
		OutcomeHeld: {
			{ReasonHoldParameterMet, "Hold parameter met (vital signs)"},
			{"npo", "Nothing by mouth (NPO)"},
			{"clinical_condition", "Clinical condition"},
			{"prescriber_instruction", "Prescriber's instruction"},
			{"resident_away", "Resident away from the unit"},
			{"other", "Other (explain)"},
		},
		OutcomeRefused: {
			{"resident_declined", "Resident declined"},
			{"spat_out", "Spat out"},
			{"vomited", "Vomited"},
			{"other", "Other (explain)"},
		},
		OutcomeNotGiven: {
			{"drug_unavailable", "Medication not available"},
			{"resident_asleep", "Resident asleep"},
			{"resident_away", "Resident away from the unit"},
			{"unable_to_swallow", "Unable to swallow"},
			{"other", "Other (explain)"},
		},
	}
}

// DefaultKeyedReasons are why a product may be keyed in instead of scanned
// (after VistA BCMA's unable-to-scan reasons).
func DefaultKeyedReasons() []ReasonOption {
	return []ReasonOption{
		{"damaged_label", "Damaged label"},
		{"no_barcode", "No barcode on the pack"},
		{"scanner_failure", "Scanner failure"},
		{"dose_discrepancy", "Dose discrepancy"},
		{"unable_to_determine", "Unable to determine"},
		{"other", "Other (explain)"},
	}
}

func hasOption(opts []ReasonOption, code string) bool {
	for _, o := range opts {
		if o.Code == code {
			return true
		}
	}
	return false
}

func optionCodes(opts []ReasonOption) []string {
	out := make([]string, len(opts))
	for i, o := range opts {
		out[i] = o.Code
	}
	return out
}
