package web_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/offline"
	"github.com/emar-project/emar/mar/store/storetest"
	"github.com/emar-project/emar/web"
)

// The offline bedside's WebAssembly build, made once per test binary with
// the repository's own script (as make build makes it).
var wasmBuild struct {
	once sync.Once
	dir  string
	err  error
	out  []byte
}

func offlineWasm(t testing.TB) string {
	t.Helper()
	wasmBuild.once.Do(func() {
		// Under bin/ (ignored by git), rebuilt by every test binary: the
		// build cache makes an unchanged build quick, and nothing piles up.
		wasmBuild.dir, wasmBuild.err = filepath.Abs(filepath.Join("..", "bin", "wasm-test"))
		if wasmBuild.err != nil {
			return
		}
		cmd := exec.Command("../scripts/build-wasm.sh", wasmBuild.dir)
		wasmBuild.out, wasmBuild.err = cmd.CombinedOutput()
	})
	if wasmBuild.err != nil {
		t.Fatalf("build the WebAssembly checks: %v: %s", wasmBuild.err, wasmBuild.out)
	}
	t.Logf("%s", bytes.TrimSpace(wasmBuild.out))
	return wasmBuild.dir
}

// offlineBed is a service whose snapshots the test can open.
type offlineBed struct {
	*bed
	key ed25519.PrivateKey
}

func newOfflineBed(t *testing.T, engine string, wasmDir string, at time.Time) offlineBed {
	_, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	env := testenv.Start(t, engine, testenv.Options{Now: at, Offline: web.OfflineConfig{Key: key, WasmDir: wasmDir}})
	b := &bed{t: t, env: env, residents: map[string]mar.Resident{}, products: map[string]mar.Product{}, units: map[string]mar.Unit{}}
	b.tx(func(tx mar.Tx) error {
		rs, err := tx.ListResidents(mar.ResidentFilter{})
		for _, r := range rs {
			b.residents[r.FamilyName] = r
		}
		if err != nil {
			return err
		}
		ps, err := tx.ListProducts("")
		for _, p := range ps {
			b.products[p.Name] = p
		}
		if err != nil {
			return err
		}
		us, err := tx.ListUnits("")
		for _, u := range us {
			b.units[u.ID] = u
		}
		return err
	})
	return offlineBed{bed: b, key: key}
}

func (ob offlineBed) pub() string {
	return base64.StdEncoding.EncodeToString(ob.key.Public().(ed25519.PublicKey))
}

// snapshot fetches the unit's signed snapshot over HTTP.
func (ob offlineBed) snapshot(c *testenv.Client, unitID string) (offline.Envelope, []byte) {
	ob.t.Helper()
	resp := c.Do("GET", "/api/v1/bedside/snapshot?unit="+unitID, nil, nil)
	if resp.Status != 200 {
		ob.t.Fatalf("snapshot: %d %s", resp.Status, resp.Body)
	}
	var env offline.Envelope
	if err := json.Unmarshal(resp.Body, &env); err != nil {
		ob.t.Fatal(err)
	}
	return env, resp.Body
}

// runWasm checks every request with the WebAssembly build in Node.
func runWasm(t *testing.T, dir string, env offline.Envelope, key string, reqs []any) []offline.Result {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("EMAR_TEST_REQUIRE_NODE") == "1" {
			t.Fatal("node is needed to run the WebAssembly checks")
		}
		t.Skip("node is not installed: the WebAssembly checks are compared in the browser test only")
	}
	cases, err := json.Marshal(map[string]any{"envelope": env, "key": key, "requests": reqs})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "cases.json")
	if err := os.WriteFile(file, cases, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(node, "testdata/offline/check.js", filepath.Join(dir, "wasm_exec.js"), filepath.Join(dir, "emar.wasm"), file).Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("node: %v: %s", err, stderr)
	}
	var res []offline.Result
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("node's answer: %v: %.500s", err, out)
	}
	return res
}

// The same table of verdicts, checked by the Go build of the offline
// checks, by their WebAssembly build (in Node), and, where the snapshot can
// decide, by the server's own verify: all agree case for case.
func TestOfflineVerdictsAgreeGoAndWasm(t *testing.T) {
	dir := offlineWasm(t)
	ob := newOfflineBed(t, "sqlite", dir, bedsideStart)
	b := ob.bed
	nurse := b.login("nurse")
	k := b.resident("Kowalski")
	m := b.resident("Moreau")
	other := b.resident("Lindqvist")
	if k.UnitID != m.UnitID || k.UnitID == other.UnitID {
		t.Fatalf("demo units moved: Kowalski %s, Moreau %s, Lindqvist %s", k.UnitID, m.UnitID, other.UnitID)
	}
	now := b.env.Clock.Now()
	donepezil := b.product("Donepezil 5")
	sertraline := b.product("Sertraline 50")
	ondansetron := b.product("Ondansetron 4")
	glargine := b.product("Insulin glargine")
	nitro := b.product("Nitroglycerin 0.4")
	dOrder := b.addOrder(mar.Order{ResidentID: k.ID, ProductID: donepezil.ID, Ingredient: "donepezil", DoseValue: 5, DoseUnit: "mg", Route: "oral", Frequency: "daily at 10:00"})
	dDose := b.dose(dOrder, now, time.Hour)
	b.addOrder(mar.Order{ResidentID: m.ID, ProductID: sertraline.ID, Ingredient: "sertraline", DoseValue: 50, DoseUnit: "mg", Route: "oral", Frequency: "daily at 09:00"})
	oK := b.addOrder(mar.Order{ResidentID: k.ID, ProductID: ondansetron.ID, Ingredient: "ondansetron", DoseValue: 4, DoseUnit: "mg", Route: "oral", Frequency: "PRN every 8 hours", PRN: true, PRNReason: "nausea"})
	oM := b.addOrder(mar.Order{ResidentID: m.ID, ProductID: ondansetron.ID, Ingredient: "ondansetron", DoseValue: 4, DoseUnit: "mg", Route: "oral", Frequency: "PRN every 8 hours", PRN: true, PRNReason: "nausea"})
	gOrder := b.addOrder(mar.Order{ResidentID: k.ID, ProductID: glargine.ID, Ingredient: "insulin glargine", DoseValue: 10, DoseUnit: "units", Route: "subcutaneous", Frequency: "daily at 10:00"})
	gDose := b.dose(gOrder, now, time.Hour)
	earlyDose := b.dose(dOrder, now.Add(3*time.Hour), time.Hour)
	// One ondansetron given an hour ago: the next is too soon.
	b.env.Clock.Set(now.Add(-time.Hour))
	if resp := post(nurse, "/api/v1/administrations", body{"context_id": scanWristband(t, nurse, k), "scan": b.pack(ondansetron), "order_id": oK.ID, "prn_indication": "nausea"}); resp.Status != 201 {
		t.Fatalf("ondansetron: %d %s", resp.Status, resp.Body)
	}
	b.env.Clock.Set(now)
	// Pharmacy labels a pack of ondansetron for Moreau: on Kowalski, who
	// has the same drug ordered, it is the wrong patient's pack.
	ph := b.login("pharmacist")
	resp := ph.Do("POST", "/api/v1/dispenses", body{"order_id": oM.ID, "quantity": 10, "lot": "OND-77", "expiry": now.AddDate(1, 0, 0).Format(time.DateOnly)}, nil)
	if resp.Status != 201 {
		t.Fatalf("dispense: %d %s", resp.Status, resp.Body)
	}
	moreauLabel, _ := labelScan(t, ph, decode[dispenseAnswer](t, resp))
	serial := moreauLabel[strings.LastIndex(moreauLabel, "21"+mar.LabelSerialPrefix)+2:]
	if !mar.IsLabelSerial(serial) {
		t.Fatalf("label scan %q: no serial of ours at its end", moreauLabel)
	}
	strangeLabel := strings.Replace(moreauLabel, serial, mar.LabelSerialPrefix+"00000000000000", 1)

	env, raw := ob.snapshot(nurse, k.UnitID)
	t.Logf("snapshot of unit %s: %d bytes", b.units[k.UnitID].Name, len(raw))
	snap, err := offline.Open(env, ob.key.Public().(ed25519.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range snap.Products {
		if p.ID == nitro.ID {
			t.Fatalf("nitroglycerin is ordered on the unit: choose another product for the undecidable case")
		}
	}
	for _, u := range snap.Users {
		if u.PasswordHash != "" || u.PINHash != "" {
			t.Fatalf("the snapshot carries %s's credentials", u.Username)
		}
	}
	tampered := env
	tampered.Payload = strings.Replace(env.Payload, `"Kowalski"`, `"Kowalsky"`, 1)
	if tampered.Payload == env.Payload {
		t.Fatal("nothing to tamper with")
	}

	at := now.Add(time.Minute)
	qty := func(v float64) *float64 { return &v }
	type tc struct {
		name       string
		req        offline.Request
		envelope   *offline.Envelope
		allowed    bool
		reason     string // the first failure's reason
		online     bool   // the server's verify must agree
		onlineBody body
	}
	cases := []tc{
		{name: "the right pack for a dose due now passes", req: offline.Request{Now: at, Wristband: wristband(k), Scan: b.pack(donepezil)}, allowed: true, online: true,
			onlineBody: body{"scan": b.pack(donepezil)}},
		{name: "a drug ordered for another resident is refused", req: offline.Request{Now: at, Wristband: wristband(k), Scan: b.pack(sertraline)}, reason: mar.ReasonNoMatchingOrder, online: true,
			onlineBody: body{"scan": b.pack(sertraline)}},
		{name: "a PRN an hour after the last is too soon", req: offline.Request{Now: at, Wristband: wristband(k), Scan: b.pack(ondansetron), OrderID: oK.ID}, reason: mar.ReasonPRNTooSoon, online: true,
			onlineBody: body{"scan": b.pack(ondansetron), "order_id": oK.ID}},
		{name: "a high-alert dose previews with a witness asked for", req: offline.Request{Now: at, Wristband: wristband(k), Scan: b.pack(glargine), DoseID: gDose.ID, Quantity: qty(10), QuantityUnit: "units"}, allowed: true, online: true,
			onlineBody: body{"scan": b.pack(glargine), "dose_id": gDose.ID, "quantity": 10, "quantity_unit": "units"}},
		{name: "a high-alert dose is not documented without a witness", req: offline.Request{Now: at, Wristband: wristband(k), Document: true, Scan: b.pack(glargine), DoseID: gDose.ID, Quantity: qty(10), QuantityUnit: "units"}, reason: mar.ReasonWitnessRequired},
		{name: "a high-alert dose with a second nurse as witness is documented", req: offline.Request{Now: at, Wristband: wristband(k), Document: true, Scan: b.pack(glargine), DoseID: gDose.ID, Quantity: qty(10), QuantityUnit: "units", WitnessUsername: "nurse2"}, allowed: true},
		{name: "the nurse cannot witness their own dose", req: offline.Request{Now: at, Wristband: wristband(k), Document: true, Scan: b.pack(glargine), DoseID: gDose.ID, Quantity: qty(10), QuantityUnit: "units", WitnessUsername: "nurse"}, reason: mar.ReasonWitnessSamePerson},
		{name: "a pharmacist cannot witness", req: offline.Request{Now: at, Wristband: wristband(k), Document: true, Scan: b.pack(glargine), DoseID: gDose.ID, Quantity: qty(10), QuantityUnit: "units", WitnessUsername: "pharmacist"}, reason: mar.ReasonWitnessInvalid},
		{name: "a PRN without its indication is not documented", req: offline.Request{Now: at, Wristband: wristband(m), Document: true, Scan: b.pack(ondansetron), OrderID: oM.ID}, reason: mar.ReasonPRNIndicationRequired},
		{name: "a PRN with its indication is documented", req: offline.Request{Now: at, Wristband: wristband(m), Document: true, Scan: b.pack(ondansetron), OrderID: oM.ID, PRNIndication: "nausea"}, allowed: true},
		{name: "a pack labelled for another resident is the wrong patient's", req: offline.Request{Now: at, Wristband: wristband(k), Scan: moreauLabel, OrderID: oK.ID}, reason: mar.ReasonLabelOtherResident, online: true,
			onlineBody: body{"scan": moreauLabel, "order_id": oK.ID}},
		{name: "a pharmacy label the snapshot does not hold cannot be decided", req: offline.Request{Now: at, Wristband: wristband(m), Scan: strangeLabel, OrderID: oM.ID}, reason: mar.ReasonOfflineUndecidable},
		{name: "a product not in the snapshot cannot be decided", req: offline.Request{Now: at, Wristband: wristband(k), Scan: b.pack(nitro)}, reason: mar.ReasonOfflineUndecidable},
		{name: "a dose not in the snapshot cannot be decided", req: offline.Request{Now: at, Wristband: wristband(k), Scan: b.pack(donepezil), DoseID: mar.NewID()}, reason: mar.ReasonOfflineUndecidable},
		{name: "a resident of another unit cannot be decided", req: offline.Request{Now: at, Wristband: wristband(other), Scan: b.pack(donepezil)}, reason: mar.ReasonOfflineUndecidable},
		{name: "an unreadable wristband is refused", req: offline.Request{Now: at, Wristband: "hello", Scan: b.pack(donepezil)}, reason: mar.ReasonBarcodeUnreadable},
		{name: "a wristband scanned as the medication is refused", req: offline.Request{Now: at, Wristband: wristband(k), Scan: wristband(m)}, reason: mar.ReasonNotAMedication},
		{name: "a snapshot past its limit decides nothing", req: offline.Request{Now: snap.ExpiresAt, Wristband: wristband(k), Scan: b.pack(donepezil)}, reason: mar.ReasonOfflineSnapshotStale},
		{name: "a snapshot from the device's future decides nothing", req: offline.Request{Now: snap.IssuedAt.Add(-time.Hour), Wristband: wristband(k), Scan: b.pack(donepezil)}, reason: mar.ReasonOfflineSnapshotStale},
		{name: "an edited snapshot decides nothing", req: offline.Request{Now: at, Wristband: wristband(k), Scan: b.pack(donepezil)}, envelope: &tampered, reason: mar.ReasonOfflineSnapshotStale},
		{name: "a dose too early is a soft stop", req: offline.Request{Now: at, Wristband: wristband(k), Document: true, Scan: b.pack(donepezil), DoseID: earlyDose.ID}, reason: mar.ReasonTooEarly},
	}
	_ = dDose
	reqs := make([]any, len(cases))
	for i, c := range cases {
		reqs[i] = map[string]any{"request": c.req}
		if c.envelope != nil {
			reqs[i] = map[string]any{"request": c.req, "envelope": c.envelope}
		}
	}
	wasm := runWasm(t, dir, env, ob.pub(), reqs)
	if len(wasm) != len(cases) {
		t.Fatalf("%d answers from the WebAssembly build for %d cases", len(wasm), len(cases))
	}
	b.env.Clock.Set(at)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := env
			if c.envelope != nil {
				e = *c.envelope
			}
			goRes := offline.Check(e, ob.key.Public().(ed25519.PublicKey), c.req)
			gj, _ := json.Marshal(goRes)
			wj, _ := json.Marshal(wasm[i])
			if !bytes.Equal(gj, wj) {
				t.Fatalf("Go and WebAssembly disagree:\nGo:   %s\nwasm: %s", gj, wj)
			}
			if goRes.Allowed != c.allowed || goRes.Reason != c.reason && !(c.allowed && goRes.Reason == "") {
				t.Fatalf("allowed %v reason %q, want %v %q: %s", goRes.Allowed, goRes.Reason, c.allowed, c.reason, gj)
			}
			if !c.online {
				return
			}
			resp := post(nurse, "/api/v1/bedside/verify", c.onlineBody.with("context_id", scanWristband(t, nurse, residentOfBand(b, c.req.Wristband))))
			onlineReason := ""
			if resp.Status == 422 {
				onlineReason = resp.Err(t).Error.Reason
			} else if resp.Status != 200 {
				t.Fatalf("server verify: %d %s", resp.Status, resp.Body)
			}
			if (resp.Status == 200) != goRes.Allowed || onlineReason != goRes.Reason {
				t.Fatalf("the server says %d %q, the device %v %q: %s", resp.Status, onlineReason, goRes.Allowed, goRes.Reason, resp.Body)
			}
		})
	}
}

func residentOfBand(b *bed, band string) mar.Resident {
	for _, r := range b.residents {
		if strings.EqualFold(r.WristbandID, band) {
			return r
		}
	}
	b.t.Fatalf("no resident wears %s", band)
	return mar.Resident{}
}

// The snapshot route: signed by the server's key, expiring after a med
// pass, limited to the units a nurse works on, free of credentials, and
// audited as a read of each resident's record in it.
func TestOfflineSnapshotIsScopedSignedAndAudited(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) { testOfflineSnapshot(t, engine) })
	}
}

func testOfflineSnapshot(t *testing.T, engine string) {
	ob := newOfflineBed(t, engine, "", bedsideStart)
	b := ob.bed
	env := b.env
	unitA, unitB := env.Demo.Units[0], env.Demo.Units[1]
	admin := b.login("admin")
	if st := admin.JSON("POST", "/api/v1/users", map[string]any{"username": "nina", "display_name": "Nina A", "role": "nurse", "password": "correct horse battery", "unit_ids": []string{unitA.ID}}, nil); st != 201 {
		t.Fatalf("create nina: %d", st)
	}
	nina := env.Anonymous(t)
	var login struct {
		Token string `json:"token"`
	}
	if st := nina.JSON("POST", "/api/v1/auth/login", map[string]string{"username": "nina", "password": "correct horse battery"}, &login); st != 200 {
		t.Fatalf("login nina: %d", st)
	}
	nina.Token = login.Token

	t.Run("a nurse gets her unit's snapshot, signed and expiring after a med pass", func(t *testing.T) {
		resp := nina.Do("GET", "/api/v1/bedside/snapshot", nil, nil) // her only unit, by default
		if resp.Status != 200 {
			t.Fatalf("%d %s", resp.Status, resp.Body)
		}
		var e offline.Envelope
		if err := json.Unmarshal(resp.Body, &e); err != nil {
			t.Fatal(err)
		}
		snap, err := offline.Open(e, ob.key.Public().(ed25519.PublicKey))
		if err != nil {
			t.Fatal(err)
		}
		if snap.Unit.ID != unitA.ID || e.UnitID != unitA.ID || !snap.IssuedAt.Equal(env.Clock.Now()) || snap.ExpiresAt.Sub(snap.IssuedAt) != mar.DefaultSnapshotLifetime {
			t.Fatalf("unit %s, issued %v, expires %v", snap.Unit.ID, snap.IssuedAt, snap.ExpiresAt)
		}
		for _, r := range snap.Residents {
			if r.Resident.UnitID != unitA.ID || r.Resident.Status != mar.Admitted {
				t.Errorf("%s of unit %s (%s) in unit %s's snapshot", r.Resident.FamilyName, r.Resident.UnitID, r.Resident.Status, unitA.ID)
			}
		}
		if len(snap.Residents) == 0 {
			t.Fatal("no residents")
		}
		if strings.Contains(e.Payload, "$2") || strings.Contains(e.Payload, "argon") {
			t.Fatal("the snapshot carries a password hash")
		}
		t.Logf("unit %s: %d residents, %d products, %d bytes", unitA.Name, len(snap.Residents), len(snap.Products), len(resp.Body))

		var audit struct {
			Items []struct {
				ResidentID string `json:"resident_id"`
			} `json:"items"`
		}
		admin.JSON("GET", "/api/v1/audit?action=bedside.snapshot", nil, &audit)
		seen := map[string]bool{}
		for _, a := range audit.Items {
			seen[a.ResidentID] = true
		}
		for _, r := range snap.Residents {
			if !seen[r.Resident.ID] {
				t.Errorf("the read of %s's record is not audited", r.Resident.FamilyName)
			}
		}
	})
	t.Run("another unit's snapshot is refused", func(t *testing.T) {
		if resp := nina.Do("GET", "/api/v1/bedside/snapshot?unit="+unitB.ID, nil, nil); resp.Status != 403 {
			t.Fatalf("%d %s", resp.Status, resp.Body)
		}
	})
	t.Run("a nurse on two units names the unit", func(t *testing.T) {
		resp := b.login("nurse").Do("GET", "/api/v1/bedside/snapshot", nil, nil)
		if resp.Status != 400 || resp.Err(t).Error.Field != "unit" {
			t.Fatalf("%d %s", resp.Status, resp.Body)
		}
	})
	t.Run("a malformed or unknown unit is refused", func(t *testing.T) {
		if resp := b.login("nurse").Do("GET", "/api/v1/bedside/snapshot?unit=nope", nil, nil); resp.Status != 400 {
			t.Fatalf("malformed: %d %s", resp.Status, resp.Body)
		}
		if resp := b.login("charge").Do("GET", "/api/v1/bedside/snapshot?unit="+mar.NewID(), nil, nil); resp.Status != 404 && resp.Status != 403 {
			t.Fatalf("unknown: %d %s", resp.Status, resp.Body)
		}
	})
	t.Run("the page works online only when the checks are not built", func(t *testing.T) {
		if resp := nina.Do("GET", "/offline/emar.wasm", nil, nil); resp.Status != 404 {
			t.Fatalf("%d", resp.Status)
		}
	})
}

// A high-alert dose charted offline names a witness whose password the
// server does not accept when it is sent: the dose was given, so it is
// charted without a witness, flagged and alerted; the wrong password counts
// towards the witness's lock. Online, or not back-charted, it is refused.
func TestOfflineReplayWithAnUnverifiedWitness(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			ob := newOfflineBed(t, engine, "", bedsideStart)
			b := ob.bed
			b.env.Svc.Config.LockAfterFailures = 3
			nurse := b.login("nurse")
			k := b.resident("Kowalski")
			glargine := b.product("Insulin glargine")
			now := b.env.Clock.Now()
			o := b.addOrder(mar.Order{ResidentID: k.ID, ProductID: glargine.ID, Ingredient: "insulin glargine", DoseValue: 10, DoseUnit: "units", Route: "subcutaneous", Frequency: "daily at 10:00"})
			d := b.dose(o, now, time.Hour)
			given := now.Add(-10 * time.Minute)
			doc := func(extra ...any) testenv.Response {
				bd := body{"context_id": scanWristband(t, nurse, k), "scan": b.pack(glargine), "dose_id": d.ID, "quantity": 10, "quantity_unit": "units",
					"witness": map[string]string{"username": "nurse2", "password": "not the password"}}
				return post(nurse, "/api/v1/administrations", bd.with(extra...))
			}
			if resp := doc(); resp.Status != 422 || resp.Err(t).Error.Reason != mar.ReasonWitnessInvalid {
				t.Fatalf("online: %d %s", resp.Status, resp.Body)
			}
			if resp := doc("offline", true); resp.Status != 422 || resp.Err(t).Error.Reason != mar.ReasonWitnessInvalid {
				t.Fatalf("offline but charted now: %d %s", resp.Status, resp.Body)
			}
			resp := doc("offline", true, "performed_at", given, "back_documented_reason", "Charted offline on this device")
			if resp.Status != 201 {
				t.Fatalf("sent from offline: %d %s", resp.Status, resp.Body)
			}
			var out struct {
				Administration struct {
					ID             string `json:"id"`
					WitnessID      string `json:"witness_id"`
					LimitCrossings []struct {
						Limit  string `json:"limit"`
						Reason string `json:"reason"`
					} `json:"limit_crossings"`
				} `json:"administration"`
				Flags []string `json:"flags"`
			}
			if err := json.Unmarshal(resp.Body, &out); err != nil {
				t.Fatal(err)
			}
			a := out.Administration
			if a.WitnessID != "" || len(a.LimitCrossings) != 1 || a.LimitCrossings[0].Limit != mar.LimitWitnessUnverified || !slicesContains(out.Flags, mar.ReasonLimitCrossed) {
				t.Fatalf("not flagged: %s", resp.Body)
			}
			var alerts struct {
				Items []struct {
					Kind      string `json:"kind"`
					SubjectID string `json:"subject_id"`
				} `json:"items"`
			}
			b.login("charge").JSON("GET", "/api/v1/alerts?status=all&unit="+k.UnitID, nil, &alerts)
			found := false
			for _, al := range alerts.Items {
				found = found || al.Kind == string(mar.AlertLimitCrossed) && al.SubjectID == a.ID
			}
			if !found {
				t.Fatalf("no alert for the unverified witness: %+v", alerts.Items)
			}
			// Three wrong passwords (two refused, one flagged) lock the
			// witness at a threshold of three.
			var until time.Time
			b.tx(func(tx mar.Tx) error {
				u, err := tx.GetUserByUsername("nurse2")
				if err != nil {
					return err
				}
				until, err = tx.LockedUntil(u.ID)
				return err
			})
			if !until.After(b.env.Clock.Now()) {
				t.Fatalf("the witness is not locked after three wrong passwords (locked until %v)", until)
			}
		})
	}
}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
