package web_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/emar-project/emar/internal/testenv"
)

// The administration, catalogue and order pages read in German for a
// German reader: their headings, the pick lists written in Go and the
// page titles, with none of the English left.
func TestAdminCatalogueAndOrderPagesInGerman(t *testing.T) {
	env := testenv.Start(t, "sqlite", testenv.Options{})
	admin, ph := env.Login(t, "admin"), env.Login(t, "pharmacist")
	de := map[string]string{"Accept": htmlAccept["Accept"], "Accept-Language": "de-DE,de;q=0.9"}
	get := func(t *testing.T, c *testenv.Client, path string) string {
		t.Helper()
		r := c.Do("GET", path, nil, de)
		if r.Status != http.StatusOK {
			t.Fatalf("GET %s: %d %.300s", path, r.Status, r.Body)
		}
		page := string(r.Body)
		if got := pageLang(page); got != "de" {
			t.Fatalf("GET %s: html lang %q", path, got)
		}
		return page
	}
	orders := get(t, ph, "/orders")
	m := regexp.MustCompile(`/residents/([0-9a-f-]{36})/orders"`).FindStringSubmatch(orders)
	if m == nil {
		t.Fatalf("no resident on the orders page: %.500s", orders)
	}
	catalogue := get(t, ph, "/catalogue")
	p := regexp.MustCompile(`href="/catalogue/([0-9a-f-]{36})"`).FindStringSubmatch(catalogue)
	if p == nil {
		t.Fatalf("no product on the catalogue page")
	}
	for _, tc := range []struct {
		who     *testenv.Client
		path    string
		words   []string
		english []string
	}{
		{admin, "/admin/staff", []string{"<title>Mitarbeitende", "Mitarbeiter/in hinzufügen", "Erstes Passwort (mindestens 12 Zeichen)", "Pflegefachkraft"}, []string{"Add a staff member", "Reset password"}},
		{admin, "/admin/units", []string{"<title>Wohnbereiche", "Wohnbereiche der Einrichtung", "Zeitkritisch", "Täglich oder seltener"}, []string{"Units of the facility", "Add unit"}},
		{admin, "/admin/residents", []string{"Bewohner aufnehmen", "Geburtsdatum", "Weiblich", "Divers", "Unbekannt", "Leicht"}, []string{"Admit a resident", ">Female<", ">Other<"}},
		{ph, "/catalogue", []string{"<title>Katalog", "Produkt hinzufügen", "Kein Hochrisiko-Arzneimittel", "Halbierbar", "Betäubungsmittel (BtM)"}, []string{"Add a product", "Not high-alert", "In halves<"}},
		{ph, "/catalogue/" + p[1], []string{"Packungen dieses Produkts", "Einheiten in der Packung", "Änderungen speichern"}, []string{"Packages of this product", "Save the changes"}},
		{ph, "/orders", []string{"<title>Verordnungen", "Neue Verordnung", "Zimmer"}, []string{"New order<"}},
		{ph, "/residents/" + m[1] + "/orders", []string{"Verordnungen –", "Grund der Änderung"}, []string{"Reason for the change", "No orders yet."}},
		{ph, "/residents/" + m[1] + "/orders/new", []string{"Neue Verordnung –", "Applikationsweg", "Häufigkeit", "BID at 09:00, 21:00", "Betäubungsmittel (BtM), Klasse"}, []string{"Choose a route", "Enter the order<"}},
	} {
		t.Run(tc.path, func(t *testing.T) {
			page := get(t, tc.who, tc.path)
			for _, w := range tc.words {
				if !strings.Contains(page, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, w := range tc.english {
				if strings.Contains(page, w) {
					t.Errorf("page still shows the English %q", w)
				}
			}
		})
	}
}
