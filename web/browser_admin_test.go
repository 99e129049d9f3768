package web_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/emar-project/emar/mar"
)

// An administrator sets up a facility on the pages alone: a unit with its
// med-pass times, a nurse on it, and a resident admitted with a photo and
// an allergy, edited and discharged; the charge nurse records a weight.
// Every step goes through the forms, some of them by keyboard only.
func TestBrowserAdministrationPages(t *testing.T) {
	env := startWard(t, morningOf)
	b := newBrowser(t, env)
	b.signIn("admin", "/home")

	// Units: the nav leads there; a unit is added with its own BID times.
	b.do(chromedp.Click(chromedp.CSS(`.top nav a[href="/admin/units"]`)))
	b.waitPath("/admin/units")
	b.waitText("#scan-settings", "") // the page is up
	waitFor(b, func() bool { return evalJS[bool](b, `document.getElementById('scan-json').value.includes('{')`) }, "the scanner settings to load")
	b.do(
		chromedp.SendKeys(chromedp.ID("new-name"), "Rose Wing"),
		chromedp.SendKeys(chromedp.ID("new-code"), "RW"),
		chromedp.SendKeys(chromedp.ID("new-tz"), "America/Chicago"),
		chromedp.SendKeys(chromedp.ID("new-pt-BID"), "08:00, 20:00"),
		chromedp.SendKeys(chromedp.ID("new-w-da"), "90"),
		chromedp.Click(chromedp.CSS(`#unit-new button[type="submit"]`)),
	)
	b.waitText("#admin-state", "Unit Rose Wing added.")
	// A bad zone is refused, naming the field, without leaving the page.
	b.do(
		chromedp.SendKeys(chromedp.ID("new-name"), "Mars Wing"),
		chromedp.SendKeys(chromedp.ID("new-code"), "MW"),
		chromedp.SendKeys(chromedp.ID("new-tz"), "Mars/Base"),
		chromedp.Click(chromedp.CSS(`#unit-new button[type="submit"]`)),
	)
	b.waitText("#unit-new .form-state", "unknown time zone")
	if id := evalJS[string](b, `document.activeElement.id`); id != "new-tz" {
		t.Errorf("after a refused zone the focus is on %q, want the zone field", id)
	}
	b.visit("/admin/units")
	b.do(chromedp.Click(chromedp.CSS(`#units li:last-child summary`)))
	b.screenshots("admin-units")
	var rose mar.Unit
	if err := env.Store.InTx(context.Background(), func(tx mar.Tx) error {
		var err error
		rose, err = tx.FindUnitByCode(env.Demo.Facility.ID, "RW")
		return err
	}); err != nil {
		t.Fatalf("the unit was not stored: %v", err)
	}
	if len(rose.PassTimes.Times["BID"]) != 2 || rose.TimeZone != "America/Chicago" {
		t.Errorf("stored unit: %+v", rose)
	}

	// Staff: a nurse on the new unit, submitted with Enter from the
	// password field.
	b.visit("/admin/staff")
	b.do(
		chromedp.SendKeys(chromedp.ID("nu-display"), "Rita Rose"),
		chromedp.SendKeys(chromedp.ID("nu-username"), "rita"),
		chromedp.SetValue(chromedp.ID("nu-role"), "nurse"),
		chromedp.SendKeys(chromedp.ID("nu-badge"), "EMP09002"),
		chromedp.SendKeys(chromedp.ID("nu-pin"), "40718"),
		chromedp.Click(chromedp.CSS(`#user-new input[value="`+rose.ID+`"]`)),
		chromedp.SendKeys(chromedp.ID("nu-password"), "rose wing nurse 2024\r"),
	)
	b.waitText("#admin-state", "Rita Rose can now sign in.")
	b.waitText("#users", "Rita Rose")
	b.screenshots("admin-staff")
	var rita mar.User
	if err := env.Store.InTx(context.Background(), func(tx mar.Tx) error {
		var err error
		rita, err = tx.GetUserByUsername("rita")
		return err
	}); err != nil || rita.Role != mar.RoleNurse || len(rita.UnitIDs) != 1 || rita.UnitIDs[0] != rose.ID || rita.BadgeID != "EMP09002" || rita.PINHash == "" {
		t.Fatalf("the nurse was not stored as entered: %+v %v", rita, err)
	}

	// Residents: admit on the new unit.
	b.do(chromedp.Click(chromedp.CSS(`.top nav a[href="/admin/residents"]`)))
	b.waitPath("/admin/residents")
	b.do(
		chromedp.Click(chromedp.CSS(`#admit-box summary`)),
		chromedp.SendKeys(chromedp.ID("na-family"), "Birch"),
		chromedp.SendKeys(chromedp.ID("na-given"), "Hazel"),
		chromedp.SetValue(chromedp.ID("na-birth"), "1936-07-14"),
		chromedp.SetValue(chromedp.ID("na-sex"), "female"),
		chromedp.SendKeys(chromedp.ID("na-mrn"), "RW-0001"),
		chromedp.SetValue(chromedp.ID("na-unit"), rose.ID),
		chromedp.SendKeys(chromedp.ID("na-room"), "1"),
		chromedp.SendKeys(chromedp.ID("na-bed"), "A"),
		chromedp.Click(chromedp.CSS(`#resident-new button[type="submit"]`)),
	)
	b.waitText("#admin-state", "Hazel Birch admitted.")
	var hazel mar.Resident
	if err := env.Store.InTx(context.Background(), func(tx mar.Tx) error {
		rs, err := tx.ResidentsWithMRN(env.Demo.Facility.ID, "RW-0001")
		if len(rs) == 1 {
			hazel = rs[0]
		}
		return err
	}); err != nil || hazel.ID == "" || hazel.UnitID != rose.ID {
		t.Fatalf("the resident was not admitted on the Rose Wing: %+v %v", hazel, err)
	}
	item := `#residents li[data-resident="` + hazel.ID + `"]`
	if !evalJS[bool](b, `document.querySelector('`+item+` details').open`) {
		t.Error("the admitted resident's entry is not open")
	}

	// Photo.
	photo := filepath.Join(t.TempDir(), "hazel.png")
	if err := os.WriteFile(photo, testPNG(t), 0o644); err != nil {
		t.Fatal(err)
	}
	b.do(
		chromedp.SetUploadFiles(chromedp.ID("photo-"+hazel.ID), []string{photo}),
		chromedp.Click(chromedp.CSS(item+` form[data-action="resident-photo"] button[type="submit"]`)),
	)
	b.waitText("#admin-state", "Photo saved.")
	waitFor(b, func() bool {
		return evalJS[bool](b, `(() => { const i = document.querySelector('`+item+` img.photo'); return !!i && !i.hidden && i.naturalWidth === 48; })()`)
	}, "the photo to show")

	// Allergy, added by keyboard: the new row's substance has the focus.
	b.do(chromedp.Click(chromedp.CSS(item + ` button[data-action="allergy-add"]`)))
	if f := evalJS[string](b, `document.activeElement.name`); f != "substance" {
		t.Errorf("after adding an allergy row the focus is on %q", f)
	}
	b.do(
		chromedp.KeyEvent("Penicillin\tHives and wheeze"),
		chromedp.SetValue(chromedp.CSS(item+` .allergy-row select[name="severity"]`), "severe"),
		chromedp.Click(chromedp.CSS(item+` form[data-action="resident-allergies"] button[type="submit"]`)),
	)
	b.waitText("#admin-state", "Allergies saved (1).")
	b.waitText(item+" summary", "Allergies: Penicillin")

	// Edit: a new room; the version read is sent back.
	b.do(
		chromedp.SetValue(chromedp.ID("rm-"+hazel.ID), "2"),
		chromedp.Click(chromedp.CSS(item+` form[data-action="resident-edit"] button[type="submit"]`)),
	)
	b.waitText("#admin-state", "Saved Hazel Birch's details.")
	b.waitText(item+" summary", "room 2")
	b.screenshots("admin-residents")

	// The charge nurse records her weight on the same page.
	cb := newBrowser(t, env)
	cb.signIn("charge", "/board")
	cb.visit("/admin/residents")
	cb.waitText("#residents", "Quinn")
	first := `#residents > li:first-child`
	cb.do(
		chromedp.Click(chromedp.CSS(first+` summary`)),
		chromedp.SendKeys(chromedp.CSS(first+` input[name="value"]`), "61.5"),
		chromedp.Click(chromedp.CSS(first+` form[data-action="resident-weight"] button[type="submit"]`)),
	)
	cb.waitText("#admin-state", "Weight recorded.")
	cb.screenshots("admin-residents-charge")

	// Discharge: the button asks for a second press.
	b.visit("/admin/residents")
	b.do(chromedp.Click(chromedp.CSS(item + ` summary`)))
	b.do(chromedp.Click(chromedp.CSS(item + ` button[data-action="resident-discharge"]`)))
	b.waitText(item+` button[data-action="resident-discharge"]`, "Press again to confirm")
	b.do(chromedp.Click(chromedp.CSS(item + ` button[data-action="resident-discharge"]`)))
	b.waitText("#admin-state", "Hazel Birch discharged.")
	b.visit("/admin/residents?status=discharged")
	b.waitText("#residents", "Birch, Hazel")

	var got mar.Resident
	var pic mar.ResidentPhoto
	if err := env.Store.InTx(context.Background(), func(tx mar.Tx) error {
		var err error
		if got, err = tx.GetResident(hazel.ID); err != nil {
			return err
		}
		pic, err = tx.ResidentPhoto(hazel.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got.Status != mar.Discharged || got.Room != "2" || len(got.Allergies) != 1 || got.Allergies[0].Substance != "Penicillin" ||
		got.Allergies[0].Severity != "severe" || got.Allergies[0].Reaction != "Hives and wheeze" || pic.ContentType != "image/png" {
		t.Errorf("stored: %+v photo %s", got, pic.ContentType)
	}
}
