package browserbench

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/finesse-ha/finesse-ha/internal/sim"
	"github.com/finesse-ha/finesse-ha/internal/testkit/browserharness"
)

//go:embed page
var pageFS embed.FS

// ErrNoChromium is returned (wrapped) when headless Chromium is missing.
var ErrNoChromium = browserharness.ErrNoChromium

// bench is one Run.
type bench struct {
	o        Options
	h        *browserharness.Harness
	wasmName string
	logf     func(string, ...any)

	mu      sync.Mutex
	startup []*startupSample
}

func (b *bench) addStartup(s *startupSample) {
	if s == nil {
		return
	}
	b.mu.Lock()
	b.startup = append(b.startup, s)
	b.mu.Unlock()
}

// Run measures the client in headless Chromium. It returns an error only
// when nothing can be measured (no browser, no build, a cancelled ctx); a
// run that fails a check is counted and explained in its Figure.
//
// Scheduling, for the quick bench's 2-minute budget: S6 (keepalive-bound,
// ~21 s of waiting) and the idle page (Options.Idle of waiting) run in the
// background while the other scenarios and the notification flood run one
// after the other. Waiting pages use next to no CPU; the idle page has a
// Chromium of its own so its CPU figure is its own.
func Run(ctx context.Context, o Options) (*Report, error) {
	o = withDefaults(o)
	started := time.Now()
	b := &bench{o: o, logf: o.Logf}
	if b.logf == nil {
		b.logf = func(string, ...any) {}
	}
	static, cleanup, err := b.layout()
	if err != nil {
		return nil, err
	}
	defer cleanup()
	h, err := browserharness.New(browserharness.Config{Static: static})
	if err != nil {
		return nil, err
	}
	defer h.Close()
	b.h = h

	rep := &Report{Runs: o.Runs}
	rep.Browser = h.Version()
	rep.Notes = []string{
		"Times are the page's own timestamps (`performance.timeOrigin + performance.now()`, wall-clock ms) minus the Go side's `time.Now()` at the fault: one machine, one clock; the bench polls the page only to learn that an event happened.",
		"Startup rows come from every page the bench opened (failover, flood and idle pages), some of which loaded while S6 and the idle page waited in the background; each page fetches and compiles the .wasm afresh from its own simulator's origin (a new port per run, so Chromium's URL-keyed code cache cannot help).",
		"The idle page runs in a Chromium of its own, so the renderer main thread it is measured on is its alone.",
		"Every row above the runtime rows runs the client in the page (`runtime: 'page'`), so it measures the client itself. Second-page rows: a first page connects, then 10 more pages of the same agent each create a client; the time is createClient() → its snapshot saying `connected`; a second notification login (counted by the simulator) fails the row. Memory rows: after a garbage collection, `performance.memory.usedJSHeapSize` of each page plus the Go instances' linear memory (for the shared client, the worker reports its own; the worker's JS heap is not counted).",
		"S20 rows: a Chromium with background throttling on (no `--disable-background-timer-throttling`, `--disable-renderer-backgrounding`, `--disable-backgrounding-occluded-windows`; `--enable-features=IntensiveWakeUpThrottling:grace_period_seconds/10`); the hidden page is covered by another tab for 15 s, then both sides of its simulator are black-holed; 25 s after the client noticed (its requests into the hole have timed out), B answers again; the default 10 s SystemInfo poll, no jitter; once the client noticed, nothing calls into it (a call into Go re-arms its timers outside a timer chain and would hide the throttling). The visible page runs at the same time in the foreground tab with its own simulator.",
		"Notifications: the flood is published in-process by the simulator (`Pair.Flood`: User `<Update>`s alternating READY / NOT_READY, ~1.5 kB each) and delivered over BOSH in batches of 200, each received before the next is published; the burst row is the unpaced case, where the whole backlog arrives as one BOSH body; the rate is counted by a `notification` listener, from the first publish to the last event.",
	}

	var wg sync.WaitGroup
	var bgMu sync.Mutex
	var bgFailover []Figure
	var idle []Figure
	for _, sc := range b.selected(true) {
		for _, j := range b.jitters(sc) {
			wg.Go(func() {
				f := b.failoverFigure(ctx, sc, j, o.BlackholeRuns)
				bgMu.Lock()
				bgFailover = append(bgFailover, f)
				bgMu.Unlock()
			})
		}
	}
	wg.Go(func() { idle = b.idleFigures(ctx) })
	var s20 []Figure
	if o.S20Runs > 0 {
		wg.Go(func() { s20 = b.s20Figures(ctx, o.S20Runs) })
	}

	for _, sc := range b.selected(false) {
		for _, j := range b.jitters(sc) {
			if ctx.Err() != nil {
				break
			}
			rep.Failover = append(rep.Failover, b.failoverFigure(ctx, sc, j, o.Runs))
		}
	}
	rep.Memory = b.memoryFigures(ctx)
	for _, rt := range workerRuntimes {
		rep.Runtime = append(rep.Runtime, b.secondPageFigure(ctx, rt))
	}
	rep.Runtime = append(rep.Runtime, b.runtimeMemoryFigures(ctx)...)
	b.logf("browser: waiting for the background pages (S6, idle)")
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rep.Failover = append(rep.Failover, bgFailover...)
	rep.Idle = idle
	rep.Runtime = append(rep.Runtime, s20...)
	b.mu.Lock()
	rep.Startup = startupFigures(b.startup)
	b.mu.Unlock()
	rep.Took = time.Since(started)
	return rep, nil
}

func withDefaults(o Options) Options {
	if o.Runs <= 0 {
		o.Runs = 2
	}
	if o.BlackholeRuns <= 0 {
		o.BlackholeRuns = 1
	}
	if o.Idle <= 0 {
		o.Idle = 60 * time.Second
	}
	if o.Notifications <= 0 {
		o.Notifications = 10000
	}
	return o
}

// layout checks the build and returns what the simulators serve: web/, the
// .wasm's directory over it, and the bench page at /bench/.
func (b *bench) layout() ([]sim.StaticDir, func(), error) {
	if b.o.WasmPath == "" || b.o.WebDir == "" {
		return nil, nil, errors.New("browserbench: Options.WasmPath and Options.WebDir are required")
	}
	if _, err := os.Stat(b.o.WasmPath); err != nil {
		return nil, nil, fmt.Errorf("browserbench: the client build is missing (run make wasm): %w", err)
	}
	if _, err := os.Stat(filepath.Join(b.o.WebDir, "index.js")); err != nil {
		return nil, nil, fmt.Errorf("browserbench: %s is not the npm package directory: %w", b.o.WebDir, err)
	}
	wasmDir := filepath.Dir(b.o.WasmPath)
	if !exists(filepath.Join(wasmDir, "wasm_exec.js")) && !exists(filepath.Join(b.o.WebDir, "wasm_exec.js")) {
		return nil, nil, fmt.Errorf("browserbench: wasm_exec.js is neither next to %s nor in %s (run make wasm)", b.o.WasmPath, b.o.WebDir)
	}
	b.wasmName = filepath.Base(b.o.WasmPath)

	tmp, err := os.MkdirTemp("", "finesse-ha-bench-page-")
	if err != nil {
		return nil, nil, err
	}
	cleanup := func() { os.RemoveAll(tmp) }
	page, err := fs.ReadFile(pageFS, "page/bench.html")
	if err == nil {
		err = os.WriteFile(filepath.Join(tmp, "bench.html"), page, 0o644)
	}
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	return []sim.StaticDir{
		{Prefix: "/", Dir: wasmDir},
		{Prefix: "/", Dir: b.o.WebDir},
		{Prefix: "/bench/", Dir: tmp},
	}, cleanup, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// selected lists the chosen scenarios that are (slow) or are not keepalive-bound.
func (b *bench) selected(slow bool) []scenario {
	var out []scenario
	for _, sc := range scenarios {
		if sc.Blackhole != slow {
			continue
		}
		if len(b.o.Scenarios) > 0 && !slices.ContainsFunc(b.o.Scenarios, func(id string) bool {
			return strings.EqualFold(strings.TrimSpace(id), sc.ID)
		}) {
			continue
		}
		out = append(out, sc)
	}
	return out
}

// jitters: Options.Jitters, or by default both settings for S1 (the row
// with a target) and none elsewhere, which keeps the quick bench in budget.
func (b *bench) jitters(sc scenario) []Jitter {
	if len(b.o.Jitters) > 0 {
		return b.o.Jitters
	}
	if sc.ID == "S1" {
		return []Jitter{DefaultJitter, NoJitter}
	}
	return []Jitter{NoJitter}
}

func (b *bench) failoverFigure(ctx context.Context, sc scenario, j Jitter, runs int) Figure {
	f := Figure{ID: sc.ID, Name: sc.ID + " " + sc.Title, Jitter: string(j), Unit: Seconds,
		Target: sc.TargetText(), Anchor: sc.Anchor}
	for i := 0; i < runs && ctx.Err() == nil; i++ {
		res, err := b.runFailover(ctx, sc, j)
		b.addStartup(res.startup)
		if err != nil {
			f.Failed++
			f.Errors = append(f.Errors, err.Error())
			b.logf("browser %s jitter %s run %d/%d: failed: %v", sc.ID, j, i+1, runs, err)
			continue
		}
		f.Values = append(f.Values, res.latency.Seconds())
		b.logf("browser %s jitter %s run %d/%d: connected on %s after %v", sc.ID, j, i+1, runs, sc.To, res.latency.Round(time.Millisecond))
	}
	return f
}

func (b *bench) memoryFigures(ctx context.Context) []Figure {
	n := b.o.Notifications
	res, err := b.runMemory(ctx, n)
	b.addStartup(res.startup)
	if err != nil {
		b.logf("browser flood of %d notifications: failed: %v", n, err)
		return memoryFigures(nil, 1, []string{err.Error()}, n)
	}
	b.logf("browser flood of %d notifications: %.0f/s; JS heap %.1f -> %.1f MiB, wasm memory %.1f -> %.1f MiB; burst of %d: %d delivered, reconnected %q",
		n, res.rate, res.before.JSHeap/(1<<20), res.after.JSHeap/(1<<20), res.before.Wasm/(1<<20), res.after.Wasm/(1<<20),
		res.burst.sent, res.burst.delivered, res.burst.reconnected)
	return memoryFigures([]memoryResult{res}, 0, nil, n)
}

func (b *bench) idleFigures(ctx context.Context) []Figure {
	res, err := b.runIdle(ctx, b.o.Idle)
	b.addStartup(res.startup)
	if err != nil {
		b.logf("browser idle page: failed: %v", err)
		return idleFigures(nil, 1, []string{err.Error()})
	}
	b.logf("browser idle page: %v of main-thread tasks, %v of script in %v; %d REST and %d BOSH requests", res.task.Round(time.Millisecond),
		res.script.Round(time.Millisecond), res.wall.Round(time.Second), res.rest, res.bosh)
	return idleFigures([]idleResult{res}, 0, nil)
}
