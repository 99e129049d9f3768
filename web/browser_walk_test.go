package web_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/demo"
	"github.com/emar-project/emar/mar/store/storetest"
	"github.com/emar-project/emar/scanning"
)

// A new facility, from an empty PostgreSQL to a discharge, as its staff
// would do it: the installer creates the first administrator with
// `emar users add` (the real command, built from ./cmd/emar); everything
// after that happens in the browser, on the pages, with no API call by
// hand. The administrator enrols a second factor, adds a unit, two nurses
// (one a charge nurse) and a pharmacist, a product with its package GTIN,
// and admits a resident with a photo and an allergy; the charge nurse
// enters an order; the pharmacist enrols, verifies it and dispenses it with
// a patient-specific label; the nurse scans the resident's wristband and
// the label — read from the label's image by the project's decoder, typed
// as a keyboard-wedge scanner types it — and documents the dose; the
// administrator discharges the resident. The database is read at the end.
func TestBrowserNewFacilityWalkThrough(t *testing.T) {
	storetest.RequirePostgres(t)
	chromiumPath(t) // skip or fail before building anything

	const (
		zone          = "America/Chicago"
		adminUser     = "director"
		adminPassword = "linden court director 2026"
		staffPassword = "linden court staff 2026!"
		mrn           = "40170023"
	)
	// The service's clock: 08:30 on the run's own date in the unit's zone;
	// the unit's BID pass is at 09:00.
	start := todayAt(zone, 8, 30)

	// The installer: an empty database, then the first administrator from
	// the command line, with the password on stdin as a script pipes it.
	dsn := storetest.NewDSN(t, "postgres")
	bin := buildEmar(t)
	cmd := exec.Command(bin, "users", "add", "--db", dsn, "--username", adminUser, "--display-name", "Dana Director",
		"--role", "admin", "--facility", "Linden Court", "--tz", zone)
	cmd.Stdin = strings.NewReader(adminPassword + "\n")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "account director (admin) created") {
		t.Fatalf("emar users add: %v: %s", err, out)
	}
	env := testenv.Start(t, "postgres", testenv.Options{DSN: dsn, NoDemo: true, Now: start})
	var facility mar.Facility
	readTx(t, env, func(tx mar.Tx) error {
		fs, err := tx.ListFacilities()
		if len(fs) != 1 {
			t.Fatalf("facilities after users add: %+v", fs)
		}
		facility = fs[0]
		return err
	})
	if facility.Name != "Linden Court" {
		t.Fatalf("facility: %+v", facility)
	}

	// The administrator signs in and is sent to set up a second factor.
	admin := newBrowser(t, env)
	admin.signInNew(adminUser, adminPassword, "/enrol")
	adminSecret := admin.enrol("walk-enrol")
	admin.do(chromedp.Click(chromedp.CSS(`#enrol-done a[href="/home"]`)))
	admin.waitPath("/home")
	admin.shots("walk-home-admin")

	// A unit with its own zone and BID times.
	admin.do(chromedp.Click(chromedp.CSS(`.top nav a[href="/admin/units"]`)))
	admin.waitPath("/admin/units")
	waitFor(admin, func() bool { return evalJS[bool](admin, `document.getElementById('scan-json').value.includes('{')`) }, "the scanner settings to load")
	admin.do(
		chromedp.SendKeys(chromedp.ID("new-name"), "Birch Wing"),
		chromedp.SendKeys(chromedp.ID("new-code"), "BW"),
		chromedp.SendKeys(chromedp.ID("new-tz"), zone),
		chromedp.SendKeys(chromedp.ID("new-pt-BID"), "09:00, 21:00"),
		chromedp.Click(chromedp.CSS(`#unit-new button[type="submit"]`)),
	)
	admin.waitText("#admin-state", "Unit Birch Wing added.")
	admin.shots("walk-units")
	var unit mar.Unit
	readTx(t, env, func(tx mar.Tx) (err error) {
		unit, err = tx.FindUnitByCode(facility.ID, "BW")
		return err
	})
	if unit.TimeZone != zone || len(unit.PassTimes.Times["BID"]) != 2 {
		t.Fatalf("the unit as stored: %+v", unit)
	}

	// Staff: two nurses (one of them the charge nurse, who enters orders)
	// and a pharmacist, all on the Birch Wing.
	admin.visit("/admin/staff")
	staff := []struct{ name, username, role string }{
		{"Nora Quill", "nquill", "nurse"},
		{"Cora Lind", "clind", "charge_nurse"},
		{"Piet Haas", "phaas", "pharmacist"},
	}
	for _, s := range staff {
		admin.do(
			chromedp.SendKeys(chromedp.ID("nu-display"), s.name),
			chromedp.SendKeys(chromedp.ID("nu-username"), s.username),
			chromedp.SetValue(chromedp.ID("nu-role"), s.role),
			chromedp.Click(chromedp.CSS(`#user-new input[value="`+unit.ID+`"]`)),
			chromedp.SendKeys(chromedp.ID("nu-password"), staffPassword),
			chromedp.Click(chromedp.CSS(`#user-new button[type="submit"]`)),
		)
		admin.waitText("#admin-state", s.name+" can now sign in.")
		admin.waitText("#users", s.name)
		// The form is empty for the next one.
		waitFor(admin, func() bool { return evalJS[string](admin, `document.getElementById('nu-username').value`) == "" }, "the form to be cleared")
	}
	admin.shots("walk-staff")
	users := map[string]mar.User{}
	readTx(t, env, func(tx mar.Tx) error {
		for _, s := range staff {
			u, err := tx.GetUserByUsername(s.username)
			if err != nil {
				return err
			}
			if string(u.Role) != s.role || len(u.UnitIDs) != 1 || u.UnitIDs[0] != unit.ID {
				t.Errorf("%s as stored: %+v", s.username, u)
			}
			users[s.username] = u
		}
		return nil
	})

	// The catalogue: a product with a package GTIN.
	gtin := demo.GTIN("0312345012")
	admin.visit("/catalogue")
	admin.do(
		chromedp.WaitVisible(chromedp.ID("name")),
		chromedp.SendKeys(chromedp.ID("name"), "Amlodipine 5 mg tablet"),
		chromedp.SendKeys(chromedp.ID("form"), "tablet"),
		chromedp.SendKeys(chromedp.ID("routes"), "oral"),
		chromedp.SendKeys(chromedp.ID("in-name-0"), "amlodipine"),
		chromedp.SendKeys(chromedp.ID("in-value-0"), "5"),
		chromedp.SendKeys(chromedp.ID("in-unit-0"), "mg"),
		chromedp.SendKeys(chromedp.ID("gtin"), gtin),
	)
	admin.shots("walk-catalogue")
	admin.do(chromedp.Click(chromedp.CSS(`#product-form button[type="submit"]`)))
	waitFor(admin, func() bool {
		return strings.HasPrefix(evalJS[string](admin, `location.pathname + '|' + document.readyState`), "/catalogue/") &&
			strings.HasSuffix(evalJS[string](admin, `location.pathname + '|' + document.readyState`), "|complete")
	}, "the new product's page")
	admin.waitText("#packages", gtin)
	admin.shots("walk-product")
	var product mar.Product
	readTx(t, env, func(tx mar.Tx) (err error) {
		product, _, err = tx.FindProductByCode(gtin, "")
		return err
	})
	if product.Name != "Amlodipine 5 mg tablet" || len(product.Packages) != 1 || product.Packages[0].GTIN != gtin {
		t.Fatalf("the product as stored: %+v", product)
	}

	// Admission: a resident with a photo and an allergy.
	admin.do(chromedp.Click(chromedp.CSS(`.top nav a[href="/admin/residents"]`)))
	admin.waitPath("/admin/residents")
	// With nobody admitted yet, the admission form is already open.
	if !evalJS[bool](admin, `document.getElementById('admit-box').open`) {
		t.Error("the admission form is closed on a facility with no residents")
		admin.do(chromedp.Click(chromedp.CSS(`#admit-box summary`)))
	}
	admin.shots("walk-residents-empty")
	admin.do(
		chromedp.SendKeys(chromedp.ID("na-family"), "Hollis"),
		chromedp.SendKeys(chromedp.ID("na-given"), "Edith"),
		chromedp.SetValue(chromedp.ID("na-birth"), "1934-03-02"),
		chromedp.SetValue(chromedp.ID("na-sex"), "female"),
		chromedp.SendKeys(chromedp.ID("na-mrn"), mrn),
		chromedp.SetValue(chromedp.ID("na-unit"), unit.ID),
		chromedp.SendKeys(chromedp.ID("na-room"), "12"),
		chromedp.SendKeys(chromedp.ID("na-bed"), "A"),
		chromedp.Click(chromedp.CSS(`#resident-new button[type="submit"]`)),
	)
	admin.waitText("#admin-state", "Edith Hollis admitted.")
	var resident mar.Resident
	readTx(t, env, func(tx mar.Tx) error {
		rs, err := tx.ResidentsWithMRN(facility.ID, mrn)
		if len(rs) == 1 {
			resident = rs[0]
		}
		return err
	})
	if resident.ID == "" || resident.UnitID != unit.ID || resident.Status != mar.Admitted {
		t.Fatalf("the resident was not admitted on the Birch Wing: %+v", resident)
	}
	item := `#residents li[data-resident="` + resident.ID + `"]`
	photo, err := filepath.Abs(filepath.Join("testdata", "resident-photo.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	admin.do(
		chromedp.SetUploadFiles(chromedp.ID("photo-"+resident.ID), []string{photo}),
		chromedp.Click(chromedp.CSS(item+` form[data-action="resident-photo"] button[type="submit"]`)),
	)
	admin.waitText("#admin-state", "Photo saved.")
	waitFor(admin, func() bool {
		return evalJS[bool](admin, `(() => { const i = document.querySelector('`+item+` img.photo'); return !!i && !i.hidden && i.naturalWidth > 0; })()`)
	}, "the photo to show")
	admin.do(chromedp.Click(chromedp.CSS(item + ` button[data-action="allergy-add"]`)))
	admin.do(
		chromedp.SendKeys(chromedp.CSS(item+` .allergy-row input[name="substance"]`), "Penicillin"),
		chromedp.SendKeys(chromedp.CSS(item+` .allergy-row input[name="reaction"]`), "Hives"),
		chromedp.SetValue(chromedp.CSS(item+` .allergy-row select[name="severity"]`), "severe"),
		chromedp.Click(chromedp.CSS(item+` form[data-action="resident-allergies"] button[type="submit"]`)),
	)
	admin.waitText("#admin-state", "Allergies saved (1).")
	admin.waitText(item+" summary", "Allergies: Penicillin")
	admin.shots("walk-residents")

	// The charge nurse enters the order on the order entry page.
	charge := newBrowser(t, env)
	charge.signInNew("clind", staffPassword, "/board")
	charge.shots("walk-board-empty")
	charge.visit("/orders?unit_id=" + unit.ID)
	charge.waitText("#order-residents", "Hollis, Edith")
	charge.do(chromedp.Click(chromedp.CSS(`a[href="/residents/` + resident.ID + `/orders/new"]`)))
	charge.waitPath("/residents/" + resident.ID + "/orders/new")
	charge.setSelect("product_id", product.ID)
	charge.do(
		chromedp.SendKeys(chromedp.ID("dose_value"), "5"),
		chromedp.SendKeys(chromedp.ID("frequency"), "BID"),
		chromedp.SendKeys(chromedp.ID("prescriber"), "Dr Imani Hale"),
	)
	today := start.Format("2006-01-02")
	charge.waitText("#preview-doses", today+" 09:00")
	if got := evalJS[string](charge, `document.getElementById('dose_unit').value + ' ' + document.getElementById('route').value`); got != "mg oral" {
		t.Errorf("dose unit and route from the product: %q, want mg oral", got)
	}
	charge.shots("walk-order-entry")
	charge.do(chromedp.Click(chromedp.CSS(`#order-form button[type="submit"]`)))
	charge.waitPath("/residents/" + resident.ID + "/orders")
	card := evalJS[string](charge, `location.hash`)
	if !strings.HasPrefix(card, "#order-") {
		t.Fatalf("the page after entry does not point at the new order: %q", card)
	}
	charge.waitText(card, "Pending verification")
	charge.shots("walk-resident-orders")
	orderID := strings.TrimPrefix(card, "#order-")

	// The pharmacist: second factor, verification, a labelled dispense.
	ph := newBrowser(t, env)
	ph.signInNew("phaas", staffPassword, "/enrol")
	ph.enrol("walk-enrol-pharmacist")
	ph.visit("/pharmacy")
	ph.waitText("#queue", "Hollis, Edith")
	ph.waitText("#queue", "Allergies:")
	ph.shots("walk-pharmacy-queue")
	ph.do(chromedp.Click(chromedp.CSS(`#queue > li:first-child .button.primary`)))
	waitFor(ph, func() bool { return evalJS[int](ph, `document.querySelectorAll('#queue > li').length`) == 0 }, "the verified order to leave the queue")
	var order mar.Order
	readTx(t, env, func(tx mar.Tx) (err error) {
		order, err = tx.GetOrder(orderID)
		return err
	})
	if order.Status != mar.OrderActive || order.VerifiedBy != users["phaas"].ID || order.ProductID != product.ID {
		t.Fatalf("the order after verification: %+v", order)
	}

	ph.setSelect("dispense-unit", unit.ID)
	waitFor(ph, func() bool {
		return evalJS[bool](ph, `[...document.querySelectorAll('#dispense-resident option')].some((o) => o.value === `+jsString(resident.ID)+`)`)
	}, "the unit's residents")
	ph.setSelect("dispense-resident", resident.ID)
	waitFor(ph, func() bool {
		return evalJS[bool](ph, `[...document.querySelectorAll('#dispense-order option')].some((o) => o.value === `+jsString(order.ID)+`)`)
	}, "the resident's order")
	ph.setSelect("dispense-order", order.ID)
	expiry := start.AddDate(1, 0, 0)
	ph.do(
		chromedp.SendKeys(chromedp.ID("dispense-quantity"), "28"),
		chromedp.SendKeys(chromedp.ID("dispense-lot"), "LC7731"),
		chromedp.SetValue(chromedp.ID("dispense-expiry"), expiry.Format("2006-01-02")),
		chromedp.Click(chromedp.CSS(`#dispense-form button[type="submit"]`)),
	)
	ph.waitText("#label-resident", "Hollis, Edith")
	ph.waitText("#label-product", "Amlodipine")
	ph.waitText("#label-lot", "LC7731")
	waitFor(ph, func() bool { return evalJS[int](ph, `document.getElementById('label-symbol').naturalWidth`) > 0 }, "the DataMatrix image")
	serial := ph.text("#label-serial")
	pdf := evalJS[string](ph, `fetch(document.getElementById('label-pdf').href).then((r) => r.headers.get('content-type') + ' ' + r.status)`)
	if pdf != "application/pdf 200" {
		t.Fatalf("label PDF: %q", pdf)
	}
	ph.do(chromedp.ScrollIntoView(chromedp.ID("label-preview")))
	ph.shots("walk-pharmacy-label")

	// The label's barcode, as the pharmacist's screen shows it, read by the
	// project's decoder: that is the test's scanner.
	b64 := evalJS[string](ph, `fetch(document.getElementById('label-symbol').src).then((r) => r.arrayBuffer()).then((b) => {
		let s = ''; for (const c of new Uint8Array(b)) s += String.fromCharCode(c); return btoa(s); })`)
	png, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatalf("label image: %v", err)
	}
	scan, err := scanning.DecodeBytes(context.Background(), png, scanning.DecodeOptions{Parse: scanning.DefaultParseOptions()})
	if err != nil {
		t.Fatalf("decode the label: %v", err)
	}
	if scan.Format != "DATA_MATRIX" || scan.Symbology != "]d2" || !strings.Contains(scan.Text, "01"+gtin) ||
		!strings.Contains(scan.Text, "21"+serial) || !strings.Contains(scan.Text, "10LC7731") {
		t.Fatalf("the label reads %s %s %q (serial %s)", scan.Format, scan.Symbology, scan.Text, serial)
	}

	// The bedside, at the 09:00 pass: the wristband, the label, the dose.
	env.Clock.Set(todayAt(zone, 9, 2))
	nurse := newBrowser(t, env)
	nurse.viewport(phoneW, phoneH)
	nurse.signInNew("nquill", staffPassword, "/bedside")
	nurse.shots("walk-bedside-ready")
	nurse.viewport(phoneW, phoneH)
	// The band of a resident admitted here carries "MRN" and the number
	// (the facility's default wristband format), printed as Code 128.
	nurse.typeScan("]C0MRN" + mrn)
	nurse.waitText("#resident-name", "Hollis, Edith")
	nurse.waitText("#resident-allergies", "Penicillin")
	waitFor(nurse, func() bool {
		return evalJS[bool](nurse, `[...document.querySelectorAll('#resident-photo img')].some((i) => !i.hidden && i.naturalWidth > 0)`)
	}, "the resident's photo")
	nurse.waitText("#due-list", "Amlodipine")
	nurse.shots("walk-bedside-resident")
	nurse.viewport(phoneW, phoneH)
	nurse.typeScan(scan.Symbology + scan.Text)
	nurse.waitText("#verdict", "Right medication")
	nurse.shots("walk-bedside-verdict")
	nurse.viewport(phoneW, phoneH)
	nurse.do(chromedp.Click(chromedp.ID("record")))
	got := nurse.waitText("#record-list", "Recorded at")
	if !strings.Contains(got, "Amlodipine") || !strings.Contains(got, "Given") {
		t.Fatalf("record list: %q", got)
	}
	nurse.shots("walk-bedside-recorded")
	var given []mar.Administration
	readTx(t, env, func(tx mar.Tx) (err error) {
		given, err = tx.ListAdministrations(mar.AdministrationFilter{ResidentID: resident.ID})
		return err
	})
	if len(given) != 1 {
		t.Fatalf("administrations: %+v", given)
	}
	if a := given[0]; a.Outcome != mar.OutcomeGiven || a.PerformerID != users["nquill"].ID || a.OrderID != order.ID || a.DoseID == "" ||
		a.Serial != serial || a.Lot != "LC7731" || a.GTIN != gtin || a.Keyed || a.PatientKeyedReason != "" {
		t.Fatalf("the administration as stored: %+v", a)
	}

	// The administrator discharges the resident. Half an hour has passed
	// on the service's clock since her last action: she was signed out
	// for inactivity and signs in again, now with her authenticator's code.
	admin.visit("/admin/residents")
	admin.waitText("body", "signed out after 15 minutes without activity")
	admin.signInTOTP(adminUser, adminPassword, adminSecret, "/home")
	admin.visit("/admin/residents")
	admin.do(chromedp.Click(chromedp.CSS(item + ` summary`)))
	admin.do(chromedp.Click(chromedp.CSS(item + ` button[data-action="resident-discharge"]`)))
	admin.waitText(item+` button[data-action="resident-discharge"]`, "Press again to confirm")
	admin.do(chromedp.Click(chromedp.CSS(item + ` button[data-action="resident-discharge"]`)))
	admin.waitText("#admin-state", "Edith Hollis discharged.")
	admin.visit("/admin/residents?status=discharged")
	admin.waitText("#residents", "Hollis, Edith")
	admin.shots("walk-residents-discharged")

	var after mar.Resident
	var pic mar.ResidentPhoto
	readTx(t, env, func(tx mar.Tx) (err error) {
		if after, err = tx.GetResident(resident.ID); err != nil {
			return err
		}
		pic, err = tx.ResidentPhoto(resident.ID)
		return err
	})
	if after.Status != mar.Discharged || len(after.Allergies) != 1 || after.Allergies[0].Substance != "Penicillin" ||
		after.Allergies[0].Severity != "severe" || after.Allergies[0].Reaction != "Hives" || pic.ContentType != "image/jpeg" {
		t.Errorf("the resident at the end: %+v photo %q", after, pic.ContentType)
	}
	// The bedside no longer opens the discharged resident's band.
	nurse.do(chromedp.Click(chromedp.ID("done")))
	nurse.typeScan("]C0MRN" + mrn)
	nurse.waitText("#verdict", "Hollis, Edith is discharged")
	if strings.Contains(nurse.text("#resident-name"), "Hollis") {
		t.Error("the bedside opened a discharged resident")
	}
	nurse.shots("walk-bedside-discharged")
}

// signInNew signs in with a password on the sign-in page (an account with
// no demo second factor) and waits for the page it lands on.
func (b *browser) signInNew(username, password, landsOn string) {
	b.t.Helper()
	b.visit("/")
	b.do(
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), username),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS(`#password-form button[type="submit"]`)),
	)
	b.waitPath(landsOn)
}

// enrol sets up the second factor on /enrol with a code computed, as an
// authenticator app would, from the key the page shows.
func (b *browser) enrol(shot string) (secret string) {
	b.t.Helper()
	secret = b.waitNonEmpty("#enrol-secret")
	waitFor(b, func() bool { return evalJS[int](b, `document.getElementById('enrol-qr').naturalWidth`) > 0 }, "the QR code")
	b.shots(shot)
	code, err := mar.TOTPCode(secret, b.env.Clock.Now())
	if err != nil {
		b.t.Fatalf("TOTP from the key %q: %v", secret, err)
	}
	b.do(
		chromedp.SendKeys(chromedp.ID("enrol-code"), code),
		chromedp.Click(chromedp.CSS(`#enrol-form button[type="submit"]`)),
	)
	waitFor(b, func() bool { return evalJS[bool](b, `!document.getElementById('enrol-done').hidden`) }, "the second factor to be on: "+b.text("#enrol-error"))
	if n := evalJS[int](b, `document.querySelectorAll('#enrol-codes li').length`); n == 0 {
		b.t.Errorf("no recovery codes shown")
	}
	b.shots(shot + "-done")
	return secret
}

// signInTOTP signs in with the password and the authenticator's code for
// the service's time.
func (b *browser) signInTOTP(username, password, secret, landsOn string) {
	b.t.Helper()
	code, err := mar.TOTPCode(secret, b.env.Clock.Now())
	if err != nil {
		b.t.Fatal(err)
	}
	b.visit("/")
	b.do(
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), username),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS(`#password-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("totp")),
		chromedp.SendKeys(chromedp.ID("totp"), code),
		chromedp.Click(chromedp.CSS(`#password-form button[type="submit"]`)),
	)
	b.waitPath(landsOn)
}

// waitNonEmpty waits until the element shows some text and returns it.
func (b *browser) waitNonEmpty(sel string) string {
	b.t.Helper()
	var s string
	waitFor(b, func() bool {
		s = strings.TrimSpace(evalJS[string](b, `(() => { const e = document.querySelector(`+jsString(sel)+`); return e ? e.textContent : ''; })()`))
		return s != ""
	}, sel+" to show")
	return s
}

func readTx(t *testing.T, env *testenv.Env, fn func(tx mar.Tx) error) {
	t.Helper()
	if err := env.Store.InTx(context.Background(), fn); err != nil {
		t.Fatalf("read the database: %v", err)
	}
}

// buildEmar builds the emar command into the test's temporary directory:
// the installer's first step runs the real binary.
func buildEmar(t *testing.T) string {
	t.Helper()
	// go test puts its own toolchain first on the test's PATH.
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("no go tool to build the emar command: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "emar")
	cmd := exec.Command(goTool, "build", "-o", bin, "github.com/emar-project/emar/cmd/emar")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	begun := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("build emar: %v: %s", err, stderr.String())
	}
	t.Logf("built the emar command in %s", time.Since(begun).Round(time.Second))
	return bin
}
