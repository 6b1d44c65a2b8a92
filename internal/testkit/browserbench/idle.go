package browserbench

import (
	"context"
	"fmt"
	"time"

	"github.com/chromedp/cdproto/performance"
	"github.com/chromedp/chromedp"

	"github.com/finesse-ha/finesse-ha/internal/testkit/browserharness"
)

// idleResult is the CPU an idle, connected page used.
type idleResult struct {
	wall, task, script time.Duration
	rest, bosh         uint64 // HTTP requests the simulator saw meanwhile
	startup            *startupSample
}

// settleTime lets the first connection's follow-up work (dialog re-sync,
// the first BOSH long poll) finish before the idle clock starts.
const settleTime = 2 * time.Second

// runIdle connects a client in a browser of its own (so no other page can
// share its renderer's main thread), waits for it to settle and
// measures, over idle, the renderer main thread's TaskDuration (all work
// on the page's thread: script, wasm, GC, layout) and ScriptDuration from
// CDP Performance.getMetrics.
func (b *bench) runIdle(ctx context.Context, idle time.Duration) (idleResult, error) {
	var res idleResult
	h, err := browserharness.New(browserharness.Config{Static: b.h.Static()})
	if err != nil {
		return res, err
	}
	defer h.Close()
	r, startup, err := b.openConnected(ctx, pageConfig{jitter: NoJitter, harness: h}, "A")
	if err != nil {
		return res, err
	}
	defer r.close()
	res.startup = startup
	if err := chromedp.Run(r.tab.Ctx, performance.Enable()); err != nil {
		return res, err
	}
	if err := sleep(ctx, settleTime); err != nil {
		return res, err
	}
	m0, err := r.metrics()
	if err != nil {
		return res, err
	}
	rest0, bosh0 := r.requests()
	w0 := time.Now()
	if err := sleep(ctx, idle); err != nil {
		return res, err
	}
	m1, err := r.metrics()
	if err != nil {
		return res, err
	}
	res.wall = time.Since(w0)
	rest1, bosh1 := r.requests()
	res.rest, res.bosh = rest1-rest0, bosh1-bosh0
	res.task = seconds(m1["TaskDuration"] - m0["TaskDuration"])
	res.script = seconds(m1["ScriptDuration"] - m0["ScriptDuration"])
	var state string
	if err := r.tab.Eval(`window.bench.client.snapshot().connection.state`, &state); err != nil {
		return res, err
	}
	if state != "connected" {
		return res, fmt.Errorf("the idle client ended %q, not connected", state)
	}
	return res, nil
}

func (r *pageRun) metrics() (map[string]float64, error) {
	var ms []*performance.Metric
	err := chromedp.Run(r.tab.Ctx, chromedp.ActionFunc(func(ctx context.Context) error {
		var err error
		ms, err = performance.GetMetrics().Do(ctx)
		return err
	}))
	out := map[string]float64{}
	for _, m := range ms {
		out[m.Name] = m.Value
	}
	return out, err
}

// requests counts the REST and BOSH requests both sides have answered.
func (r *pageRun) requests() (rest, bosh uint64) {
	for _, s := range r.pair.State().Sides {
		rest += s.Metrics.REST
		bosh += s.Metrics.BOSH
	}
	return rest, bosh
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

func idleFigures(results []idleResult, failed int, errs []string) []Figure {
	task := Figure{ID: "idle-task", Name: "idle connected page: renderer main-thread CPU (TaskDuration) per wall second",
		Unit: CPUPerSecond, Target: "≈ 0: timers only, no busy loop", Anchor: "0", Failed: failed, Errors: errs}
	script := Figure{ID: "idle-script", Name: "… of which script and wasm (ScriptDuration) per wall second",
		Unit: CPUPerSecond, Target: "≈ 0", Anchor: "0"}
	rest := Figure{ID: "idle-rest", Name: "… REST requests per minute meanwhile",
		Unit: Count, Target: "—", Anchor: "Cisco desktop: SystemInfo every 10 s"}
	bosh := Figure{ID: "idle-bosh", Name: "… BOSH requests per minute meanwhile",
		Unit: Count, Target: "—", Anchor: "—"}
	for _, r := range results {
		w := r.wall.Seconds()
		task.Values = append(task.Values, r.task.Seconds()/w)
		script.Values = append(script.Values, r.script.Seconds()/w)
		rest.Values = append(rest.Values, float64(r.rest)/w*60)
		bosh.Values = append(bosh.Values, float64(r.bosh)/w*60)
	}
	return []Figure{task, script, rest, bosh}
}
