package web

import (
	"time"

	"github.com/emar-project/emar/mar"
)

// JSON shapes of the API. Domain types carry no tags; these do.

type userJSON struct {
	ID          string   `json:"id"`
	Username    string   `json:"username"`
	DisplayName string   `json:"display_name"`
	Role        string   `json:"role"`
	UnitIDs     []string `json:"unit_ids"`
	Active      bool     `json:"active"`
	Language    string   `json:"language,omitempty"`
}

func toUserJSON(u mar.User) userJSON {
	units := u.UnitIDs
	if units == nil {
		units = []string{}
	}
	return userJSON{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Role: string(u.Role), UnitIDs: units, Active: u.Active, Language: u.Language}
}

type unitJSON struct {
	ID       string `json:"id"`
	Code     string `json:"code"`
	Name     string `json:"name"`
	TimeZone string `json:"time_zone"`
	// PassTimes are the unit's own med-pass times ("BID": "08:00, 20:00");
	// an abbreviation absent has the facility's.
	PassTimes map[string]string `json:"pass_times"`
	Windows   unitWindowsJSON   `json:"windows"`
	Language  string            `json:"language,omitempty"`
}

// unitWindowsJSON are a unit's ISMP window half-widths in minutes; 0 is
// the facility's.
type unitWindowsJSON struct {
	TimeCritical int `json:"time_critical_minutes"`
	Frequent     int `json:"frequent_minutes"`
	Daily        int `json:"daily_minutes"`
}

func toUnitJSON(u mar.Unit) unitJSON {
	return unitJSON{ID: u.ID, Code: u.Code, Name: u.Name, TimeZone: u.TimeZone, Language: u.Language, PassTimes: mar.UnitPassTimesText(u.PassTimes),
		Windows: unitWindowsJSON{int(u.Windows.TimeCritical / time.Minute), int(u.Windows.Frequent / time.Minute), int(u.Windows.Daily / time.Minute)}}
}

type allergyJSON struct {
	Substance string `json:"substance"`
	Reaction  string `json:"reaction,omitempty"`
	Severity  string `json:"severity,omitempty"`
}

type residentJSON struct {
	ID          string        `json:"id"`
	MRNSystem   string        `json:"mrn_system"`
	MRN         string        `json:"mrn"`
	WristbandID string        `json:"wristband_id"`
	FamilyName  string        `json:"family_name"`
	GivenName   string        `json:"given_name"`
	DisplayName string        `json:"display_name"`
	BirthDate   string        `json:"birth_date"`
	Sex         string        `json:"sex"`
	UnitID      string        `json:"unit_id"`
	Room        string        `json:"room"`
	Bed         string        `json:"bed"`
	Status      string        `json:"status"`
	AdmittedAt  time.Time     `json:"admitted_at"`
	Allergies   []allergyJSON `json:"allergies"`
	Version     int64         `json:"version"` // send it back with a PATCH
}

func toResidentJSON(r mar.Resident) residentJSON {
	al := make([]allergyJSON, len(r.Allergies))
	for i, a := range r.Allergies {
		al[i] = allergyJSON{Substance: a.Substance, Reaction: a.Reaction, Severity: a.Severity}
	}
	return residentJSON{ID: r.ID, MRNSystem: r.MRNSystem, MRN: r.MRN, WristbandID: r.WristbandID, FamilyName: r.FamilyName, GivenName: r.GivenName,
		DisplayName: r.DisplayName(), BirthDate: r.BirthDate, Sex: r.Sex, UnitID: r.UnitID, Room: r.Room, Bed: r.Bed,
		Status: string(r.Status), AdmittedAt: r.AdmittedAt, Allergies: al, Version: r.Version}
}

type ingredientJSON struct {
	Name          string  `json:"name"`
	StrengthValue float64 `json:"strength_value"`
	StrengthUnit  string  `json:"strength_unit"`
}

type packageJSON struct {
	GTIN        string  `json:"gtin"`
	NDC         string  `json:"ndc,omitempty"`
	Description string  `json:"description,omitempty"`
	Quantity    float64 `json:"quantity"`
}

type productJSON struct {
	ID            string           `json:"id"`
	Name          string           `json:"name"`
	Form          string           `json:"form"`
	Routes        []string         `json:"routes"`
	Ingredients   []ingredientJSON `json:"ingredients"`
	HighAlert     string           `json:"high_alert"`
	Controlled    string           `json:"controlled,omitempty"`
	TimeCritical  bool             `json:"time_critical"`
	Psychotropic  bool             `json:"psychotropic"`
	Antipsychotic bool             `json:"antipsychotic"`
	// Splitting (none, half, quarter, any) and Crushable: as stated, or
	// left out to infer them from the form; answers carry the rule in
	// force, with DoseFormInferred when the catalogue did not state it.
	Splitting        string        `json:"splitting,omitempty"`
	Crushable        *bool         `json:"crushable,omitempty"`
	DoseFormInferred bool          `json:"dose_form_inferred,omitempty"`
	Packages         []packageJSON `json:"packages"`
	// DrugClasses are derived from the ingredients (answers only);
	// Version counts the product's changes (answers only).
	DrugClasses []string `json:"drug_classes,omitempty"`
	Version     int64    `json:"version,omitempty"`
}

func toProductJSON(p mar.Product) productJSON {
	out := productJSON{ID: p.ID, Name: p.Name, Form: p.Form, Routes: p.Routes, HighAlert: string(p.HighAlert),
		Controlled: p.Controlled, TimeCritical: p.TimeCritical, Psychotropic: p.Psychotropic, Antipsychotic: p.Antipsychotic,
		Ingredients: []ingredientJSON{}, Packages: []packageJSON{}, DrugClasses: p.DrugClasses(), Version: p.Version}
	crush := p.MayCrush()
	out.Splitting, out.Crushable = string(p.SplitRule()), &crush
	out.DoseFormInferred = p.Splitting == "" || p.Crushable == nil
	if out.Routes == nil {
		out.Routes = []string{}
	}
	for _, in := range p.Ingredients {
		out.Ingredients = append(out.Ingredients, ingredientJSON{in.Name, in.StrengthValue, in.StrengthUnit})
	}
	for _, pk := range p.Packages {
		out.Packages = append(out.Packages, packageJSON{pk.GTIN, pk.NDC, pk.Description, pk.Quantity})
	}
	return out
}

func (p productJSON) domain() mar.Product {
	out := mar.Product{Name: p.Name, Form: p.Form, Routes: p.Routes, HighAlert: mar.HighAlert(p.HighAlert),
		Controlled: p.Controlled, TimeCritical: p.TimeCritical, Psychotropic: p.Psychotropic, Antipsychotic: p.Antipsychotic,
		Splitting: mar.Splitting(p.Splitting), Crushable: p.Crushable}
	for _, in := range p.Ingredients {
		out.Ingredients = append(out.Ingredients, mar.Ingredient{Name: in.Name, StrengthValue: in.StrengthValue, StrengthUnit: in.StrengthUnit})
	}
	for _, pk := range p.Packages {
		out.Packages = append(out.Packages, mar.Package{GTIN: pk.GTIN, NDC: pk.NDC, Description: pk.Description, Quantity: pk.Quantity})
	}
	return out
}

// list wraps collections so the API can add paging fields later without
// breaking clients.
type list[T any] struct {
	Items []T `json:"items"`
}

func listOf[T any](items []T) list[T] {
	if items == nil {
		items = []T{}
	}
	return list[T]{Items: items}
}
