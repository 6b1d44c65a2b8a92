package browserbench

import (
	"context"
	"fmt"
	"time"
)

// firstConnectLimit bounds the first connection: fetching and compiling the
// 11 MB .wasm dominates it on a loaded machine.
const firstConnectLimit = 45 * time.Second

// failoverResult is one timed run.
type failoverResult struct {
	latency time.Duration
	startup *startupSample // nil if the page never connected
}

// runFailover times one run of sc: from the instant the Go side injects
// the fault to the page's timestamp of `connected` on the other side (the
// engine emits it after the re-sync), then checks that the call survived
// with its call variables and was added exactly once.
func (b *bench) runFailover(ctx context.Context, sc scenario, jitter Jitter) (failoverResult, error) {
	var res failoverResult
	r, startup, err := b.openConnected(ctx, pageConfig{mode: sc.Mode, setup: sc.Setup, jitter: jitter, transport: sc.Transport}, sc.From)
	if err != nil {
		return res, err
	}
	defer r.close()
	res.startup = startup

	if _, err := r.pair.OfferCall(agent); err != nil {
		return res, err
	}
	var ds []pageSnapshotDialog
	if err := r.poll(ctx, 10*time.Second, `window.bench.client.snapshot().dialogs`, &ds, func() bool { return len(ds) == 1 }); err != nil {
		return res, r.explain(fmt.Errorf("the offered call never reached the client: %w", err))
	}
	callKey := ds[0].CallKey
	if sc.Arm != nil {
		if err := sc.Arm(r.pair); err != nil {
			return res, err
		}
	}

	t0 := time.Now()
	if err := sc.Inject(r.pair); err != nil {
		return res, err
	}
	at, err := r.waitConnected(ctx, sc.To, pageMillis(t0), sc.Limit)
	if err != nil {
		return res, err
	}
	latency := time.Duration((at - pageMillis(t0)) * float64(time.Millisecond))

	// The dialog re-sync lands with `connected`; the snapshot may trail
	// the event by a task, so give it a moment rather than race it.
	if err := r.poll(ctx, 5*time.Second, `window.bench.client.snapshot().dialogs`, &ds, func() bool {
		for _, d := range ds {
			if d.CallKey == callKey && len(d.CallVariables) > 0 {
				return true
			}
		}
		return false
	}); err != nil {
		return res, fmt.Errorf("the call or its call variables are missing after failover: %w", err)
	}
	evs, err := r.events()
	if err != nil {
		return res, err
	}
	added := 0
	for _, e := range evs {
		if e.Type == "dialog" && e.Action == "added" && e.CallKey == callKey {
			added++
		}
		if e.Type == "error" && e.Fatal {
			return res, fmt.Errorf("fatal error event: %s", e.Message)
		}
	}
	if added != 1 {
		return res, fmt.Errorf("call added %d times, want 1", added)
	}
	res.latency = latency
	return res, nil
}
