package browserbench

import (
	"context"
	"fmt"
	"time"

	"github.com/chromedp/cdproto/heapprofiler"
	"github.com/chromedp/chromedp"

	"github.com/finesse-ha/finesse-ha/internal/sim"
)

// memoryReading is the page's memory at one instant.
type memoryReading struct {
	JSHeap float64 `json:"jsHeap"` // performance.memory.usedJSHeapSize (precise: --enable-precise-memory-info)
	Wasm   float64 `json:"wasm"`   // the Go instance's linear memory (exports.mem.buffer.byteLength)
}

// memoryResult is one flood run.
type memoryResult struct {
	before, after memoryReading
	delivered     int
	rate          float64 // notifications the page received per second
	startup       *startupSample
	burst         burstResult
}

// burstResult is what an unpaced burst did to the same client.
type burstResult struct {
	sent, delivered int
	reconnected     string // why the client reported reconnecting meanwhile, "" if it did not
}

// readMemory collects garbage first, so that the JS heap figure is what the
// page retains, not garbage waiting for the next GC. Go's linear memory
// never shrinks: its size is the high-water mark of the Go heap.
func (r *pageRun) readMemory() (memoryReading, error) {
	var m memoryReading
	if err := chromedp.Run(r.tab.Ctx, heapprofiler.CollectGarbage()); err != nil {
		return m, err
	}
	err := r.tab.Eval(`window.bench.memoryNow()`, &m)
	return m, err
}

// runMemory connects a client, floods it with n notifications and reads
// its memory before and after, and the rate at which the page received
// them (from the flood's start to the page's last `notification` event).
func (b *bench) runMemory(ctx context.Context, n int) (memoryResult, error) {
	var res memoryResult
	r, startup, err := b.openConnected(ctx, pageConfig{jitter: NoJitter}, "A")
	if err != nil {
		return res, err
	}
	defer r.close()
	res.startup = startup
	if res.before, err = r.readMemory(); err != nil {
		return res, err
	}
	var base int
	if err := r.tab.Eval(`window.bench.notifications`, &base); err != nil {
		return res, err
	}

	t0 := time.Now()
	var got struct {
		N    int     `json:"n"`
		Last float64 `json:"last"`
	}
	// The flood goes in batches, each delivered before the next is
	// published, so the rate is steady delivery, which is what a busy
	// desktop sees; the burst below is the backlog case.
	for sent := 0; sent < n; {
		k := min(floodBatch, n-sent)
		if err := flood(r.pair, agent, k); err != nil {
			return res, err
		}
		sent += k
		err = r.poll(ctx, 30*time.Second, `({n: window.bench.notifications, last: window.bench.lastNotificationAt})`, &got,
			func() bool { return got.N-base >= sent })
		res.delivered = got.N - base
		if err != nil {
			return res, r.explain(fmt.Errorf("%d of %d notifications delivered: %w", res.delivered, sent, err))
		}
	}
	if secs := (got.Last - pageMillis(t0)) / 1000; secs > 0 {
		res.rate = float64(res.delivered) / secs
	}
	if res.after, err = r.readMemory(); err != nil {
		return res, err
	}
	res.burst, err = r.burst(ctx, burstSize)
	return res, err
}

// burstSize updates queued at once make one BOSH body of about 3 MB. The
// client's body limit used to be 1 MiB, and this burst is how the loss was
// found: the session ended and most of the queued updates were gone.
const burstSize = 2000

// burstQuiet is how long delivery must stall before a burst counts as over.
const burstQuiet = 2 * time.Second

// burst publishes n updates at once, as a server that had queued them would
// send them, and counts what reached the page: SPEC §1 says no event may be
// lost, and a body over the client's limit ends the session.
func (r *pageRun) burst(ctx context.Context, n int) (burstResult, error) {
	res := burstResult{sent: n}
	var base int
	if err := r.tab.Eval(`window.bench.notifications`, &base); err != nil {
		return res, err
	}
	t0 := pageMillis(time.Now())
	if err := flood(r.pair, agent, n); err != nil {
		return res, err
	}
	var got struct {
		N    int     `json:"n"`
		Last float64 `json:"last"`
	}
	var lastN int
	lastChange := time.Now()
	err := r.poll(ctx, 30*time.Second, `({n: window.bench.notifications, last: window.bench.lastNotificationAt})`, &got, func() bool {
		if got.N != lastN {
			lastN, lastChange = got.N, time.Now()
		}
		return got.N-base >= n || time.Since(lastChange) > burstQuiet
	})
	if err != nil {
		return res, err
	}
	res.delivered = got.N - base
	evs, err := r.events()
	if err != nil {
		return res, err
	}
	for _, e := range evs {
		if e.Type == "connection" && e.State == "reconnecting" && e.At >= t0 && res.reconnected == "" {
			res.reconnected = e.Reason
			if res.reconnected == "" {
				res.reconnected = "no reason given"
			}
		}
	}
	return res, nil
}

// floodBatch updates (~1.5 kB each on the wire) make one paced batch.
const floodBatch = 200

// flood has side A (where the bench's client is) publish n User updates
// for agent id at once, alternating between its real state and another so
// each is a real change for the client, ending on the real one.
func flood(p *sim.Pair, id string, n int) error {
	if _, err := p.Flood("A", id, n); err != nil {
		return fmt.Errorf("flood: %w", err)
	}
	return nil
}

func memoryFigures(results []memoryResult, failed int, errs []string, n int) []Figure {
	mk := func(id, name string, u Unit) Figure {
		return Figure{ID: id, Name: name, Unit: u, Target: "—", Anchor: "—", Failed: failed, Errors: errs}
	}
	heapBefore := mk("heap-before", "JS heap, connected, before the flood (after GC)", Bytes)
	heapAfter := mk("heap-after", fmt.Sprintf("JS heap after %d notifications (after GC)", n), Bytes)
	wasmBefore := mk("wasm-before", "wasm linear memory, connected, before the flood", Bytes)
	wasmAfter := mk("wasm-after", fmt.Sprintf("wasm linear memory after %d notifications", n), Bytes)
	rate := mk("notify-rate", "notifications delivered to the page (simulator publish → `notification` listener)", PerSecond)
	burst := mk("burst-delivered", fmt.Sprintf("unpaced burst of %d updates queued at once: delivered to the page", burstSize), Count)
	burst.Target = fmt.Sprintf("%d (SPEC §1: lose no event)", burstSize)
	// Errors are reported once, on the first row.
	heapAfter.Errors, wasmBefore.Errors, wasmAfter.Errors, rate.Errors, burst.Errors = nil, nil, nil, nil, nil
	for _, m := range results {
		heapBefore.Values = append(heapBefore.Values, m.before.JSHeap)
		heapAfter.Values = append(heapAfter.Values, m.after.JSHeap)
		wasmBefore.Values = append(wasmBefore.Values, m.before.Wasm)
		wasmAfter.Values = append(wasmAfter.Values, m.after.Wasm)
		rate.Values = append(rate.Values, m.rate)
		burst.Values = append(burst.Values, float64(m.burst.delivered))
		if m.burst.reconnected != "" {
			burst.Name += fmt.Sprintf(" (the client reconnected: %s)", m.burst.reconnected)
		}
	}
	return []Figure{heapBefore, heapAfter, wasmBefore, wasmAfter, rate, burst}
}
