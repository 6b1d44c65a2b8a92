package browserbench

import (
	"context"
	"fmt"
	"time"

	"github.com/finesse-ha/finesse-ha/internal/sim"
	"github.com/finesse-ha/finesse-ha/internal/testkit/browserharness"
)

// The runtime rows (SPEC §4.1, §7): a second page of the same agent, the
// memory of one shared client against one client per page, and S20 (a
// hidden page, both sides silent, then B answers) per runtime.

// workerRuntimes are the runtimes in which pages share a client.
var workerRuntimes = []string{"shared-worker", "worker"}

// secondPages is how many later pages each second-page row opens.
const secondPages = 10

// binds counts the agent's notification logins on both sides so far.
func binds(p *sim.Pair) uint64 { return p.A().BindsOf(agent) + p.B().BindsOf(agent) }

// secondPageFigure: a first page connects with runtime, then secondPages
// later pages of the same agent each time createClient -> `connected`
// (at once when the snapshot createClient resolves with says connected).
// A second notification login fails the run.
func (b *bench) secondPageFigure(ctx context.Context, runtime string) Figure {
	f := Figure{ID: "second-page-" + runtime, Name: "second page of the agent, runtime `" + runtime + "`: createClient() → `connected`, no second session",
		Unit: Seconds, Target: "p95 ≤ 150 ms", Anchor: "first page: see createClient() → `connected` above"}
	first, _, err := b.openUntilConnected(ctx, pageConfig{jitter: NoJitter, runtime: runtime}, "A")
	if err != nil {
		f.Failed++
		f.Errors = append(f.Errors, err.Error())
		return f
	}
	defer first.close()
	for i := 0; i < secondPages && ctx.Err() == nil; i++ {
		ms, err := b.secondPage(ctx, first.pair, runtime)
		if err != nil {
			f.Failed++
			f.Errors = append(f.Errors, err.Error())
			continue
		}
		f.Values = append(f.Values, ms/1000)
	}
	if n := binds(first.pair); n != 1 {
		f.Failed++
		f.Errors = append(f.Errors, fmt.Sprintf("%d notification logins for one agent (want 1)", n))
	}
	b.logf("browser second page, runtime %s: median %.0f ms over %d pages", runtime, f.Median()*1000, f.N())
	return f
}

func (b *bench) secondPage(ctx context.Context, pair *sim.Pair, runtime string) (float64, error) {
	r, err := b.openPage(ctx, pageConfig{jitter: NoJitter, runtime: runtime, pair: pair})
	if err != nil {
		return 0, err
	}
	defer r.close()
	var st struct {
		StartAt    float64 `json:"startAt"`
		CreatedAt  float64 `json:"createdAt"`
		StartState string  `json:"startState"`
	}
	if err := r.tab.Eval(`({startAt: window.bench.startAt, createdAt: window.bench.createdAt, startState: window.bench.startState})`, &st); err != nil {
		return 0, err
	}
	if st.StartState == "connected" {
		return st.CreatedAt - st.StartAt, nil
	}
	at, err := r.waitConnected(ctx, "A", st.StartAt, firstConnectLimit)
	if err != nil {
		return 0, err
	}
	return at - st.StartAt, nil
}

// memoryPages is N in "one shared client vs N page clients".
const memoryPages = 3

// runtimeMemoryFigures: N pages each with its own client (runtime 'page',
// each against its own simulator) against N pages of one agent sharing a
// client in a SharedWorker; each the pages' JS heaps plus the Go
// instances' linear memory, after a garbage collection.
func (b *bench) runtimeMemoryFigures(ctx context.Context) []Figure {
	perPage := Figure{ID: "memory-page-clients", Name: fmt.Sprintf("memory of %d pages, one client each (runtime `page`): JS heaps + Go memory", memoryPages),
		Unit: Bytes, Target: "—", Anchor: "—"}
	shared := Figure{ID: "memory-shared-client", Name: fmt.Sprintf("memory of %d pages sharing one client (runtime `shared-worker`): pages' JS heaps + the worker's Go memory", memoryPages),
		Unit: Bytes, Target: "—", Anchor: "—"}
	if v, err := b.pageClientsMemory(ctx); err != nil {
		perPage.Failed++
		perPage.Errors = append(perPage.Errors, err.Error())
	} else {
		perPage.Values = append(perPage.Values, v)
	}
	if v, err := b.sharedClientMemory(ctx); err != nil {
		shared.Failed++
		shared.Errors = append(shared.Errors, err.Error())
	} else {
		shared.Values = append(shared.Values, v)
	}
	b.logf("browser memory: %d page clients %.1f MiB, one shared client %.1f MiB", memoryPages, perPage.Median()/(1<<20), shared.Median()/(1<<20))
	return []Figure{perPage, shared}
}

func (b *bench) pageClientsMemory(ctx context.Context) (float64, error) {
	var total float64
	for i := 0; i < memoryPages; i++ {
		r, _, err := b.openConnected(ctx, pageConfig{jitter: NoJitter, runtime: "page"}, "A")
		if err != nil {
			return 0, err
		}
		defer r.close()
		m, err := r.readMemory()
		if err != nil {
			return 0, err
		}
		total += m.JSHeap + m.Wasm
	}
	return total, nil
}

func (b *bench) sharedClientMemory(ctx context.Context) (float64, error) {
	var pair *sim.Pair
	var total float64
	var last *pageRun
	for i := 0; i < memoryPages; i++ {
		r, err := b.openPage(ctx, pageConfig{jitter: NoJitter, runtime: "shared-worker", pair: pair})
		if err != nil {
			return 0, err
		}
		if pair == nil {
			defer r.close() // closes the simulator last
			pair = r.pair
		} else {
			defer r.close()
		}
		if _, err := r.waitConnected(ctx, "A", 0, firstConnectLimit); err != nil {
			st, _ := r.startState()
			if st != "connected" {
				return 0, err
			}
		}
		m, err := r.readMemory()
		if err != nil {
			return 0, err
		}
		total += m.JSHeap // no Go here: it runs in the worker
		last = r
	}
	var stats struct {
		WasmBytes float64 `json:"wasmBytes"`
		Pages     int     `json:"pages"`
	}
	if err := last.tab.Eval(`window.bench.workerStats()`, &stats); err != nil {
		return 0, err
	}
	if stats.Pages != memoryPages || stats.WasmBytes == 0 {
		return 0, fmt.Errorf("the shared worker reports %d pages and %.0f bytes of Go memory (want %d pages)", stats.Pages, stats.WasmBytes, memoryPages)
	}
	return total + stats.WasmBytes, nil
}

func (r *pageRun) startState() (string, error) {
	var s string
	err := r.tab.Eval(`window.bench.startState || ''`, &s)
	return s, err
}

// s20Silence is how long both sides stay silent after the client noticed.
const s20Silence = 25 * time.Second

// s20Limit bounds one S20 run after B answers again: a hidden page's
// timer chains fire once a minute, so it needs a few of them.
const s20Limit = 150 * time.Second

// s20Figures runs S20 once per run and runtime, hidden and visible at
// once, in a browser of its own with background throttling on.
func (b *bench) s20Figures(ctx context.Context, runs int) []Figure {
	h, err := browserharness.New(browserharness.Config{Static: b.h.Static(), Throttled: true})
	var out []Figure
	for _, runtime := range []string{"shared-worker", "worker", "page"} {
		hidden := Figure{ID: "S20-hidden-" + runtime, Name: "S20 hidden page (throttled), both sides silent, then B answers → `connected` on B, runtime `" + runtime + "`",
			Unit: Seconds, Target: "≤ 30 s, the same as visible", Anchor: "main-thread timers in a hidden tab: one wake-up a minute"}
		visible := Figure{ID: "S20-visible-" + runtime, Name: "S20 visible page, both sides silent, then B answers → `connected` on B, runtime `" + runtime + "`",
			Unit: Seconds, Target: "—", Anchor: "—"}
		if runtime == "page" {
			hidden.Target = "— (reported, not a target: the page's timers are throttled)"
		}
		for i := 0; i < runs && err == nil && ctx.Err() == nil; i++ {
			b.s20Run(ctx, h, runtime, &hidden, &visible)
		}
		if err != nil {
			hidden.Failed++
			hidden.Errors = append(hidden.Errors, err.Error())
		}
		out = append(out, hidden, visible)
	}
	if h != nil {
		h.Close()
	}
	return out
}

// s20Run opens a page and hides it behind another tab, then opens a second
// page (the foreground one), each with its own simulator; once the hidden
// one is past the throttling grace period, both pairs go silent, and after
// the clients noticed, B answers again.
func (b *bench) s20Run(ctx context.Context, h *browserharness.Harness, runtime string, hidden, visible *Figure) {
	fail := func(f *Figure, err error) {
		f.Failed++
		f.Errors = append(f.Errors, err.Error())
		b.logf("browser S20 %s %s: failed: %v", runtime, f.ID, err)
	}
	pc := pageConfig{jitter: NoJitter, runtime: runtime, harness: h}
	hp, _, err := b.openUntilConnected(ctx, pc, "A")
	if err != nil {
		fail(hidden, err)
		return
	}
	defer hp.close()
	show, err := hp.tab.Hide()
	if err != nil {
		fail(hidden, err)
		return
	}
	defer show()
	vp, _, err := b.openUntilConnected(ctx, pc, "A")
	if err != nil {
		fail(visible, err)
		return
	}
	defer vp.close()
	for _, c := range []struct {
		r    *pageRun
		want string
		f    *Figure
	}{{hp, "hidden", hidden}, {vp, "visible", visible}} {
		if vs, err := c.r.tab.VisibilityState(); err != nil || vs != c.want {
			fail(c.f, fmt.Errorf("the page is %q, not %s (%v)", vs, c.want, err))
			return
		}
	}
	select {
	case <-ctx.Done():
		return
	case <-time.After(time.Duration(browserharness.IntensiveThrottlingGrace)*time.Second + 5*time.Second):
	}
	type result struct {
		f   *Figure
		sec float64
		err error
	}
	results := make(chan result, 2)
	for _, c := range []struct {
		r *pageRun
		f *Figure
	}{{hp, hidden}, {vp, visible}} {
		go func() {
			sec, err := c.r.silentThenB(ctx)
			results <- result{c.f, sec, err}
		}()
	}
	for range 2 {
		res := <-results
		if res.err != nil {
			fail(res.f, res.err)
			continue
		}
		res.f.Values = append(res.f.Values, res.sec)
		b.logf("browser S20 %s %s: connected on B %.1f s after B answered", runtime, res.f.ID, res.sec)
	}
}

// silentThenB black-holes both sides, waits until the client noticed and
// then s20Silence more, so that its requests into the hole have timed out
// and it waits between SystemInfo polls (10 s, the default) on its
// timers; then B answers again. It returns the seconds until the page saw
// `connected` on B. While the side is silent nothing calls into the
// client: a call into Go re-arms its timers from outside a timer chain,
// which would hide the throttling this measures.
func (r *pageRun) silentThenB(ctx context.Context) (float64, error) {
	if err := r.pair.Apply(sim.Fault{Name: sim.FaultBlackhole, Side: "both"}); err != nil {
		return 0, err
	}
	var state string
	err := r.poll(ctx, 2*time.Minute, `window.bench.client.snapshot().connection.state`, &state, func() bool { return state != "connected" })
	if err != nil {
		return 0, r.explain(fmt.Errorf("the silence was not noticed: %w", err))
	}
	select {
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-time.After(s20Silence):
	}
	answered := time.Now()
	if err := r.pair.Apply(sim.Fault{Name: sim.FaultBlackholeLift, Side: "B"}); err != nil {
		return 0, err
	}
	at, err := r.waitConnected(ctx, "B", pageMillis(answered), s20Limit)
	if err != nil {
		return 0, err
	}
	return (at - pageMillis(answered)) / 1000, nil
}
