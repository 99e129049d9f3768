package web_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store/storetest"
)

// A pack scanned by a wedge scanner that drops the group separators: its
// lot ends in digits that also read as AI 94, so the text can be lot
// "LOTRT504944" or lot "LOTRT504" with AI 94 "4". GTIN and expiry are the
// same either way: the dose is given and the lot recorded as uncertain. A
// lot that may end in an expiry date changes what the nurse checks: that
// scan is refused, naming the conflict.
func TestBedsideAcceptsAPackWhoseLotIsUncertain(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBed(t, engine)
			nurse := b.login("nurse")
			now := b.env.Clock.Now()
			r := b.resident("Abbott")
			o := b.order(r, "atorvastatin", false)
			d := b.dose(o, now, time.Hour)
			gtin := b.product("Atorvastatin").Packages[0].GTIN
			expiry := now.AddDate(1, 0, 0)
			noSeparators := "]d201" + gtin + "17" + expiry.Format("060102") + "10LOTRT504944"
			ctx := scanWristband(t, nurse, r)

			// Verify: allowed, the lot shown as uncertain with what else it may be.
			resp := post(nurse, "/api/v1/bedside/verify", body{"context_id": ctx, "dose_id": d.ID, "scan": noSeparators})
			if resp.Status != http.StatusOK {
				t.Fatalf("verify: %d %s", resp.Status, resp.Body)
			}
			v := decode[struct {
				verdict
				LotUncertain bool `json:"lot_uncertain"`
			}](t, resp)
			if !v.Allowed || v.Lot != "LOTRT504944" || !v.LotUncertain || v.Expiry != expiry.Format("2006-01-02") {
				t.Fatalf("verify answer: %s", resp.Body)
			}
			if msg := v.check("expiry").Message; !strings.Contains(msg, "UNCERTAIN") || !strings.Contains(msg, "may also be LOTRT504.") {
				t.Errorf("expiry check does not show the uncertain lot: %q", msg)
			}

			// Document: the administration records the lot as uncertain,
			// and so does the record read back.
			resp = post(nurse, "/api/v1/administrations", body{"context_id": ctx, "dose_id": d.ID, "scan": noSeparators})
			if resp.Status != http.StatusCreated {
				t.Fatalf("document: %d %s", resp.Status, resp.Body)
			}
			type record struct {
				ID           string `json:"id"`
				Lot          string `json:"lot"`
				LotUncertain bool   `json:"lot_uncertain"`
				GTIN         string `json:"gtin"`
			}
			doc := decode[struct {
				Administration record `json:"administration"`
				Message        string `json:"message"`
			}](t, resp)
			if a := doc.Administration; a.Lot != "LOTRT504944" || !a.LotUncertain || a.GTIN != gtin {
				t.Fatalf("administration: %s", resp.Body)
			}
			if !strings.Contains(doc.Message, "Lot LOTRT504944 is recorded as uncertain") {
				t.Errorf("the answer does not show the uncertain lot: %q", doc.Message)
			}
			var list struct {
				Items []record `json:"items"`
			}
			if st := nurse.JSON("GET", "/api/v1/residents/"+r.ID+"/administrations", nil, &list); st != http.StatusOK {
				t.Fatalf("administrations: %d", st)
			}
			i := slices.IndexFunc(list.Items, func(a record) bool { return a.ID == doc.Administration.ID })
			if i < 0 || !list.Items[i].LotUncertain || list.Items[i].Lot != "LOTRT504944" {
				t.Fatalf("stored record %+v lacks the uncertain lot", list)
			}

			// The same pack with its separators (a leading FNC1) is certain.
			d2 := b.dose(o, now.Add(time.Minute), time.Hour)
			withSeparators := "]d2\x1d01" + gtin + "10LOTRT504944\x1d17" + expiry.Format("060102")
			resp = post(nurse, "/api/v1/administrations", body{"context_id": ctx, "dose_id": d2.ID, "scan": withSeparators})
			if resp.Status != http.StatusCreated {
				t.Fatalf("document with separators: %d %s", resp.Status, resp.Body)
			}
			if doc := decode[struct {
				Administration record `json:"administration"`
			}](t, resp); doc.Administration.LotUncertain || doc.Administration.Lot != "LOTRT504944" {
				t.Errorf("with separators: %s", resp.Body)
			}

			// Lot "LOT" + expiry, or lot "LOT17…" and no expiry: refused,
			// naming the expiry and how to rescan; nothing is documented.
			d3 := b.dose(o, now.Add(2*time.Minute), time.Hour)
			expiryInLot := "]d201" + gtin + "10LOT17" + expiry.Format("060102")
			for _, path := range []string{"/api/v1/bedside/verify", "/api/v1/administrations"} {
				resp = post(nurse, path, body{"context_id": ctx, "dose_id": d3.ID, "scan": expiryInLot})
				if resp.Status != http.StatusUnprocessableEntity {
					t.Fatalf("%s with an expiry hidden in the lot: %d %s", path, resp.Status, resp.Body)
				}
				e := decode[refusal](t, resp).Error
				if e.Reason != mar.ReasonBarcodeUnreadable || !strings.Contains(e.Message, "(17) USE BY OR EXPIRY") ||
					!strings.Contains(e.Message, "scan the 2D code") {
					t.Errorf("%s refusal does not name the conflict and the rescan: %s", path, resp.Body)
				}
			}
			if st := b.getDose(d3.ID).Status; st != mar.DoseScheduled {
				t.Errorf("dose after the refused scan: %s", st)
			}

			// The scan endpoint reports the same: uncertain elements, or conflicts.
			var rep struct {
				Code struct {
					Uncertain []struct {
						AI     string   `json:"ai"`
						Values []string `json:"values"`
					} `json:"uncertain"`
				} `json:"code"`
			}
			if st := nurse.JSON("POST", "/api/v1/scans/parse", body{"text": noSeparators}, &rep); st != http.StatusOK ||
				len(rep.Code.Uncertain) != 2 || rep.Code.Uncertain[0].AI != "10" || rep.Code.Uncertain[1].AI != "94" {
				t.Errorf("parse: %d %+v", st, rep)
			}
			resp = nurse.Do("POST", "/api/v1/scans/parse", body{"text": expiryInLot}, nil)
			refused := decode[struct {
				Error struct {
					Details struct {
						Report struct {
							Conflicts []string `json:"conflicts"`
						} `json:"report"`
					} `json:"details"`
				} `json:"error"`
			}](t, resp)
			if resp.Status != http.StatusUnprocessableEntity || !slices.Equal(refused.Error.Details.Report.Conflicts, []string{"17"}) {
				t.Errorf("parse of the conflicting text: %d %s", resp.Status, resp.Body)
			}
		})
	}
}
