// Command finesse-bench measures failover with the client's own code against
// the simulator over loopback and writes BENCHMARKS.md (SPEC §7).
//
// Failover latency: each run starts a fresh simulator pair, signs the agent
// in, rings a call, connects a native client (internal/client: the same
// engine, REST and BOSH code the browser runs, over *http.Client instead of
// fetch), injects one fault and measures wall time from the fault to the
// client's `connected` event on the other side. The engine emits `connected`
// only after the re-sync (GET User, GET Dialogs, synthetic events), so that
// moment is "re-synced". The run also checks that the call survived with its
// call variables and was added exactly once; a run that fails a check is
// reported as failed, never timed. Rows: S1, S1-WS (S1 over the WebSocket
// transport), S2, S3, S4, S6, S10, each with the default jitter and none.
//
// Storm (S18): 2,000 such clients in this one process, all on A; A is
// killed; the time until the last one is re-synced on B, and B's peak
// request rate and 503 answers at a stated capacity (storm.go).
//
// Decode: internal/finesse's BenchmarkDecodeNotification natively and in
// headless Chromium (decodebench.go). Browser: internal/testkit/browserbench, the
// failover rows and browser costs with the real .wasm (browser.go).
//
// The default is the quick run behind `make bench` (its native part is
// budgeted at 2.5 min on a quiet 2-core machine, the browser part at as
// much again); -full is `make bench-full`. Progress goes to
// stderr. The exit status is 1 if any run failed a check.
//
// Scheduling: S2 (transport retries with backoff, 3-8 s) and S6 (black hole:
// keepalive ping and timeout, ~21 s) spend their seconds waiting on timers
// and use almost no CPU, so their runs go in the background, one goroutine
// per row, while the rows measured in milliseconds (S1, S1-WS, S3, S4,
// S10) run one after the other. The storm and the decode benchmark, which
// are CPU-bound, each run alone afterwards.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
)

// settings are the knobs of one bench invocation, as the report states them.
type settings struct {
	full          bool
	runs          int
	blackholeRuns int
	storm         stormOptions
	stormRuns     int
	decodeCount   int
	decodeTime    string
	decode        bool
	browser       bool
	s20Runs       int
	wasm          string
	args          []string // the command line, for the report
}

func main() {
	full := flag.Bool("full", false, "bench-full: more runs (flags given explicitly still win)")
	runs := flag.Int("runs", 5, "runs per scenario and jitter setting (-full: 20)")
	blackholeRuns := flag.Int("blackhole-runs", 2, "runs of S6 per jitter setting, each ~21 s, in the background (-full: 10)")
	stormRuns := flag.Int("storm-runs", 1, "S18 runs per jitter setting (-full: 3)")
	stormAgents := flag.Int("storm-agents", 2000, "S18: agents (clients) in the storm")
	stormCapacity := flag.Int("storm-capacity", 2000, "S18: B's capacity, REST requests + new BOSH sessions per second (503 beyond)")
	stormLimit := flag.Duration("storm-limit", 150*time.Second, "S18: a storm whose last agent is not on B after this fails")
	decode := flag.Bool("decode", true, "run the notification decode benchmark (native and headless Chromium)")
	decodeCount := flag.Int("decode-count", 3, "decode benchmark -count (-full: 10)")
	decodeTime := flag.String("decode-benchtime", "500ms", "decode benchmark -benchtime (-full: 1s)")
	browser := flag.Bool("browser", true, "run the browser part (internal/testkit/browserbench) when it is built in")
	s20Runs := flag.Int("s20-runs", 1, "browser S20 runs (hidden and visible page, per runtime; ~1-3 min each, in the background); 0 to leave out (-full: 3)")
	out := flag.String("out", "BENCHMARKS.md", "file to write")
	wasm := flag.String("wasm", "dist/finesse-ha.wasm", "the .wasm whose size to report (skipped if missing)")
	only := flag.String("scenarios", "", "comma-separated ids to run: S1,S1-WS,S2,S3,S4,S6,S10,S18 (default: all)")
	flag.Parse()

	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *full {
		for name, v := range map[string]*int{"runs": runs, "blackhole-runs": blackholeRuns, "storm-runs": stormRuns, "decode-count": decodeCount, "s20-runs": s20Runs} {
			if !set[name] {
				*v = map[string]int{"runs": 20, "blackhole-runs": 10, "storm-runs": 3, "decode-count": 10, "s20-runs": 3}[name]
			}
		}
		if !set["decode-benchtime"] {
			*decodeTime = "1s"
		}
	}
	for name, v := range map[string]int{"runs": *runs, "blackhole-runs": *blackholeRuns, "storm-runs": *stormRuns,
		"storm-agents": *stormAgents, "decode-count": *decodeCount} {
		if v < 1 {
			fmt.Fprintf(os.Stderr, "finesse-bench: -%s must be at least 1\n", name)
			os.Exit(2)
		}
	}
	if *stormCapacity < 0 {
		fmt.Fprintln(os.Stderr, "finesse-bench: -storm-capacity must not be negative (0: no limit)")
		os.Exit(2)
	}
	s := settings{
		full: *full, runs: *runs, blackholeRuns: *blackholeRuns, stormRuns: *stormRuns,
		storm:       stormOptions{agents: *stormAgents, capacity: *stormCapacity, limit: *stormLimit, inFlight: 200},
		decodeCount: *decodeCount, decodeTime: *decodeTime, decode: *decode, browser: *browser, s20Runs: max(*s20Runs, 0),
		wasm: *wasm, args: os.Args[1:],
	}
	want := map[string]bool{}
	for _, id := range strings.Split(*only, ",") {
		if id = strings.ToUpper(strings.TrimSpace(id)); id != "" {
			want[id] = true
		}
	}
	selected := func(id string) bool { return len(want) == 0 || want[id] }

	started := time.Now()
	rep := &report{settings: s}
	rep.fileSoft, rep.fileHard, rep.fileErr = raiseFileLimit()

	sizes := make(chan []sizeRow, 1)
	go func() { sizes <- measureSizes(s.wasm) }()

	// Timer-bound rows in the background (see the package comment).
	var bg sync.WaitGroup
	var bgResults []scenarioResult
	var bgMu sync.Mutex
	for _, sc := range scenarios {
		if !sc.TimerBound || !selected(sc.ID) {
			continue
		}
		n := s.runs
		if sc.Blackhole {
			n = s.blackholeRuns
		}
		for _, jitter := range jitters {
			bg.Go(func() {
				r := runScenario(sc, jitter, n)
				progress("%s", r.summary())
				bgMu.Lock()
				bgResults = append(bgResults, r)
				bgMu.Unlock()
			})
		}
	}
	for _, sc := range scenarios {
		if sc.TimerBound || !selected(sc.ID) {
			continue
		}
		for _, jitter := range jitters {
			r := runScenario(sc, jitter, s.runs)
			progress("%s", r.summary())
			rep.scenarios = append(rep.scenarios, r)
		}
	}
	if selectedAny(selected) {
		progress("waiting for the timer-bound rows (S2, S6) to finish")
	}
	bg.Wait()
	rep.scenarios = inScenarioOrder(append(rep.scenarios, bgResults...))

	if selected("S18") {
		if need := fdsNeeded(s.storm.agents); rep.fileErr == nil && rep.fileSoft < need {
			progress("warning: file limit %d is below the ~%d descriptors %d agents need", rep.fileSoft, need, s.storm.agents)
		}
		for _, jitter := range jitters {
			for i := 0; i < s.stormRuns; i++ {
				progress("S18 jitter %s: run %d/%d, %d agents, B capacity %d/s", jitterLabel(jitter), i+1, s.stormRuns, s.storm.agents, s.storm.capacity)
				r := runStorm(s.storm, jitter)
				progress("%s", r.summary())
				rep.storms = append(rep.storms, r)
			}
		}
	}

	if s.decode {
		for _, wasmRun := range []bool{false, true} {
			progress("decode benchmark: %s", map[bool]string{false: "native", true: "wasm in headless Chromium"}[wasmRun])
			d := runDecodeBench(wasmRun, s.decodeTime, s.decodeCount)
			if d.err != "" {
				progress("decode %s: %s", d.runtime, d.err)
			}
			if d.skipped != "" {
				progress("decode %s: skipped: %s", d.runtime, d.skipped)
			}
			rep.decodes = append(rep.decodes, d)
		}
	}
	rep.native = time.Since(started)

	if s.browser {
		progress("browser part (internal/testkit/browserbench)")
		rep.browser = runBrowser(s, want)
		progress("browser part done in %s", rep.browser.took.Round(time.Second))
	} else {
		rep.browser = browserSection{skipped: "-browser=false"}
	}

	rep.sizes = <-sizes
	rep.took = time.Since(started)
	if err := os.WriteFile(*out, []byte(rep.render()), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "finesse-bench:", err)
		os.Exit(1)
	}
	progress("wrote %s in %s (native part %s)", *out, rep.took.Round(time.Second), rep.native.Round(time.Second))
	if rep.failed() {
		os.Exit(1)
	}
}

// jitters are the two settings every failover figure is measured with: the
// engine's default (0-2 s) and none, so that jitter's share is visible.
var jitters = []time.Duration{defaultJitter, noJitter}

func selectedAny(selected func(string) bool) bool {
	for _, sc := range scenarios {
		if sc.TimerBound && selected(sc.ID) {
			return true
		}
	}
	return false
}

// inScenarioOrder puts results in the table's order: scenarios as listed,
// default jitter first.
func inScenarioOrder(rs []scenarioResult) []scenarioResult {
	var out []scenarioResult
	for _, sc := range scenarios {
		for _, j := range jitters {
			for _, r := range rs {
				if r.sc.ID == sc.ID && r.jitter == j {
					out = append(out, r)
				}
			}
		}
	}
	return out
}
