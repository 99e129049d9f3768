package web_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/demo"
)

// The network goes down in the middle of a med pass (DevTools' offline
// emulation). The page says so, continuously; scans are checked on the
// device by the WebAssembly build of the server's rules; a wrong pack is
// refused; a high-alert dose is witnessed on the same device; a PRN is
// charted. Meanwhile a colleague charts the same PRN on another device.
// Back online the queue is sent in order: the server holds each dose
// once, with the device's and the sync's times, and the PRN that now
// crosses the colleague's is charted, flagged and alerted, not dropped.
func TestBrowserBedsideOfflineMedPass(t *testing.T) {
	dir := offlineWasm(t)
	ob := newOfflineBed(t, "sqlite", dir, morningOf)
	env := ob.env
	if _, err := env.Svc.Materialize(context.Background()); err != nil {
		t.Fatal(err)
	}
	sheet := demo.BuildSheet(env.Clock.Now())
	abbottSheet := sheet.Residents[0]
	abbott := residentOfBand(ob.bed, abbottSheet.Wristband.Typed)
	metoprolol := abbottSheet.Packs[0]
	if !strings.HasPrefix(metoprolol.Label, "Metoprolol") {
		t.Fatalf("the demo sheet changed: first pack of %s is %q", abbottSheet.Name, metoprolol.Label)
	}
	t0 := env.Clock.Now()
	glargine := ob.product("Insulin glargine")
	gOrder := ob.addOrder(mar.Order{ResidentID: abbott.ID, ProductID: glargine.ID, Ingredient: "insulin glargine", DoseValue: 10, DoseUnit: "units", Route: "subcutaneous", Frequency: "daily at 09:00"})
	ob.dose(gOrder, t0.Add(-5*time.Minute), time.Hour)
	paracetamol := ob.order(abbott, "acetaminophen", true)
	acet := ob.product("Acetaminophen 500")
	metformin := ob.product("Metformin 500")

	// Abbott has a photo on file: the page keeps a copy with the snapshot.
	if r := env.Login(t, "admin").Do("PUT", "/api/v1/residents/"+abbott.ID+"/photo", testPNG(t), map[string]string{"Content-Type": "image/png"}); r.Status != 200 {
		t.Fatalf("photo: %d %s", r.Status, r.Body)
	}

	b := newBrowser(t, env)
	b.viewport(phoneW, phoneH)
	b.signIn("nurse", "/bedside")
	b.typeScan(abbottSheet.Wristband.Typed)
	b.waitText("#resident-name", abbottSheet.Name)
	// Online, the page fetched the unit's snapshot and the checks.
	waitFor(b, func() bool {
		return evalJS[bool](b, `emarOffline.status().then((s) => !!s.expiresAt && typeof window.emarOfflineCheck === 'function')`)
	}, "the offline snapshot and checks")
	waitFor(b, func() bool {
		return evalJS[bool](b, `emarOffline.photo(`+strconv.Quote(abbott.ID)+`).then((p) => !!p)`)
	}, "the resident's photo kept for offline")

	// The network goes.
	setOffline(b, true)

	// The pack: checked on the device.
	b.typeScan(metoprolol.Typed)
	b.waitText("#offline-banner", "OFFLINE since")
	b.waitText("#verdict", "Right medication")
	b.do(
		chromedp.SendKeys(chromedp.ID("vital-heart_rate"), "72"),
		chromedp.SendKeys(chromedp.ID("vital-systolic_bp"), "128"),
		chromedp.Click(chromedp.ID("record")),
	)
	b.waitText("#offline-list", "Charted offline at")

	// A wrong pack: refused on the device, with the reason.
	b.typeScan(ob.pack(metformin))
	b.waitText("#verdict", "STOP")
	if v := b.text("#verdict"); !strings.Contains(v, "not ordered") {
		t.Fatalf("the refusal does not say why: %s", v)
	}

	// A high-alert dose: a witness is required and signs on this device.
	b.typeScan(ob.pack(glargine))
	b.waitText("#document-title", "Insulin glargine")
	b.do(chromedp.WaitVisible(chromedp.ID("witness-username")))
	b.do(chromedp.Click(chromedp.ID("record")))
	b.waitText("#document-error", "witness")
	b.do(
		chromedp.SendKeys(chromedp.ID("witness-username"), "nurse2"),
		chromedp.SendKeys(chromedp.ID("witness-password"), demo.Password),
		chromedp.Click(chromedp.ID("record")),
	)
	waitFor(b, func() bool {
		return evalJS[int](b, `document.querySelectorAll('#offline-list li[data-state="queued"]').length`) == 2
	}, "the witnessed dose queued")

	// A PRN, as needed for pain.
	b.typeScan(ob.pack(acet))
	b.waitText("#document-title", "Acetaminophen")
	b.do(chromedp.SetValue(chromedp.ID("prn-indication"), "pain"), chromedp.Click(chromedp.ID("record")))
	waitFor(b, func() bool {
		return evalJS[int](b, `document.querySelectorAll('#offline-list li[data-state="queued"]').length`) == 3
	}, "the PRN queued")
	b.waitText("#offline-banner", "3 documents waiting")
	// The wristband again, offline: the resident's photo is still on screen
	// (the copy kept with the snapshot), for the nurse to compare.
	b.typeScan(abbottSheet.Wristband.Typed)
	b.waitText("#resident-name", abbottSheet.Name)
	waitFor(b, func() bool {
		return evalJS[bool](b, `(() => { const i = document.querySelector('#resident-photo img'); return !i.hidden && i.src.startsWith('blob:') && i.naturalWidth > 0; })()`)
	}, "the kept photo shown offline")
	b.screenshots("bedside-offline")

	// Meanwhile a colleague charts the same PRN on another device.
	env.Clock.Set(t0.Add(5 * time.Minute))
	colleague := env.Login(t, "nurse2")
	if resp := post(colleague, "/api/v1/administrations", body{"context_id": scanWristband(t, colleague, abbott), "scan": ob.pack(acet), "order_id": paracetamol.ID, "prn_indication": "headache"}); resp.Status != 201 {
		t.Fatalf("the colleague's PRN: %d %s", resp.Status, resp.Body)
	}

	// The network is back: the queue is sent in order.
	env.Clock.Set(t0.Add(10 * time.Minute))
	setOffline(b, false)
	waitFor(b, func() bool {
		return evalJS[int](b, `document.querySelectorAll('#offline-list li[data-state="sent"]').length`) == 3
	}, "the queue sent")
	b.waitText("#offline-list", "FLAGGED")
	if evalJS[bool](b, `!document.getElementById('offline-banner').hidden`) {
		t.Fatalf("the banner stays after reconnecting: %s", b.text("#offline-banner"))
	}
	// Sending again sends nothing twice.
	evalJS[bool](b, `emarOffline.sync().then(() => true)`)

	nurse := env.Login(t, "nurse")
	var admins struct {
		Items []struct {
			ID                   string     `json:"id"`
			ProductName          string     `json:"product_name"`
			Outcome              string     `json:"outcome"`
			PerformedBy          string     `json:"performed_by_name"`
			WitnessName          string     `json:"witness_name"`
			PerformedAt          time.Time  `json:"performed_at"`
			RecordedAt           time.Time  `json:"recorded_at"`
			DeviceTime           *time.Time `json:"device_time"`
			BackDocumented       bool       `json:"back_documented"`
			BackDocumentedReason string     `json:"back_documented_reason"`
			LimitCrossings       []any      `json:"limit_crossings"`
		} `json:"items"`
	}
	nurse.JSON("GET", "/api/v1/residents/"+abbott.ID+"/administrations", nil, &admins)
	count := map[string]int{}
	for _, a := range admins.Items {
		count[a.ProductName]++
		if !strings.Contains(a.BackDocumentedReason, "Charted offline") {
			continue // the colleague's
		}
		if a.DeviceTime == nil || !a.BackDocumented || !a.RecordedAt.Equal(t0.Add(10*time.Minute)) || !a.PerformedAt.Before(t0.Add(5*time.Minute)) {
			t.Errorf("%s: device time %v, back-documented %v, sync (recorded) %v, performed %v", a.ProductName, a.DeviceTime, a.BackDocumented, a.RecordedAt, a.PerformedAt)
		}
		if strings.HasPrefix(a.ProductName, "Insulin") && a.WitnessName == "" {
			t.Errorf("the insulin has no witness: %+v", a)
		}
		if strings.HasPrefix(a.ProductName, "Acetaminophen") && len(a.LimitCrossings) == 0 {
			t.Errorf("the offline PRN is not flagged against the colleague's: %+v", a)
		}
	}
	want := map[string]int{metoprolol.Label: 1, glargine.Name: 1, acet.Name: 2}
	for name, n := range want {
		got := 0
		for p, c := range count {
			if strings.HasPrefix(p, strings.Fields(name)[0]) {
				got += c
			}
		}
		if got != n {
			t.Errorf("%s charted %d times, want %d: %v", name, got, n, count)
		}
	}
	if len(admins.Items) != 4 {
		raw, _ := json.Marshal(admins.Items)
		t.Errorf("%d administrations, want 4: %s", len(admins.Items), raw)
	}
	charge := env.Login(t, "charge")
	var alerts struct {
		Items []struct {
			Kind       string `json:"kind"`
			ResidentID string `json:"resident_id"`
		} `json:"items"`
	}
	charge.JSON("GET", "/api/v1/alerts?status=all&unit="+abbott.UnitID, nil, &alerts)
	found := false
	for _, a := range alerts.Items {
		found = found || a.Kind == string(mar.AlertLimitCrossed) && a.ResidentID == abbott.ID
	}
	if !found {
		t.Errorf("no limit_crossed alert for %s: %+v", abbott.FamilyName, alerts.Items)
	}
}

// setOffline cuts or restores the tab's network (DevTools' offline
// emulation of every request, and navigator.onLine with its events).
func setOffline(b *browser, offline bool) {
	b.t.Helper()
	if _, err := chromedp.Call(b.ctx, network.Enable, network.EnableParams{}); err != nil {
		b.t.Fatal(err)
	}
	if _, err := chromedp.Call(b.ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		MatchedNetworkConditions: []*network.Conditions{{Offline: offline, DownloadThroughput: -1, UploadThroughput: -1}}}); err != nil {
		b.t.Fatal(err)
	}
	if _, err := chromedp.Call(b.ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: offline, DownloadThroughput: -1, UploadThroughput: -1}); err != nil {
		b.t.Fatal(err)
	}
}
