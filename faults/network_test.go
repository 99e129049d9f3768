package faults

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/emar-project/emar/internal/flaky"
)

// The ward's Wi-Fi between the bedside devices and the service delays
// every packet and resets connections, some before the request arrives,
// some in the middle of the answer after the service has acted. The
// devices retry with their idempotency keys: every dose ends documented
// exactly once, with the administration the device was finally told.
func TestFaultFlakyNetwork(t *testing.T) {
	r := newRig(t, rigOptions{engine: "postgres", beds: pick(40, 120), units: 2, nursesPerUnit: pick(3, 8)})
	p, err := flaky.Start(flaky.Config{Target: r.proc.Addr, Delay: time.Millisecond, Jitter: pick(20*time.Millisecond, 150*time.Millisecond),
		DropRequest: pick(0.1, 0.15), ResetResponse: pick(0.15, 0.25), Seed: uint64(time.Now().UnixNano())})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	// No keep-alive: every request is its own connection, so every
	// request takes its chances with the proxy.
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	base := "http://" + p.Addr()
	clients := r.login(base, hc, len(r.fac.Nurses))
	ctx, cancel := context.WithTimeout(context.Background(), pick(2*time.Minute, 8*time.Minute))
	defer cancel()
	w := newWorkload()
	r.run(ctx, clients, w)
	st := p.Stats()
	t.Logf("proxy: %d connections, %d requests dropped, %d answers cut", st.Conns, st.Dropped, st.Reset)
	if st.Dropped == 0 || st.Reset == 0 {
		t.Errorf("the proxy did no damage: %+v", st)
	}
	r.check(w)
}
