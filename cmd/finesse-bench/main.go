// Command finesse-bench measures failover with the client's own code against
// the simulator over loopback and writes BENCHMARKS.md (SPEC §7).
//
// Each run starts a fresh simulator pair, signs the agent in, rings a call,
// connects a native client (internal/client: the same engine, REST and BOSH
// code the browser runs, over *http.Client instead of fetch) to side A, injects
// one fault on A and measures wall time from the fault to the client's
// `connected` event on side B. The engine emits `connected` only after the
// re-sync (GET User, GET Dialogs, synthetic events), so that moment is
// "re-synced on B". The run also checks that the call survived with its call
// variables and was added exactly once; a run that fails a check is reported
// as failed, never timed.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"
)

func main() {
	runs := flag.Int("runs", 10, "runs per scenario and jitter setting")
	blackholeRuns := flag.Int("blackhole-runs", 3, "runs of S6 (each takes up to ~30 s)")
	out := flag.String("out", "BENCHMARKS.md", "file to write")
	wasm := flag.String("wasm", "dist/finesse-ha.wasm", "the .wasm whose size to report (skipped if missing)")
	only := flag.String("scenarios", "", "comma-separated scenario ids to run (default: all)")
	flag.Parse()
	want := map[string]bool{}
	for _, id := range strings.Split(*only, ",") {
		if id != "" {
			want[id] = true
		}
	}

	started := time.Now()
	var results []scenarioResult
	for _, sc := range scenarios {
		if len(want) > 0 && !want[sc.id] {
			continue
		}
		n := *runs
		if sc.id == "S6" {
			n = *blackholeRuns
		}
		for _, jitter := range []time.Duration{defaultJitter, noJitter} {
			r := runScenario(sc, jitter, n)
			fmt.Fprintln(os.Stderr, r.summary())
			results = append(results, r)
		}
	}
	sizes := measureSizes(*wasm)
	report := renderReport(results, sizes, time.Since(started))
	if err := os.WriteFile(*out, []byte(report), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "finesse-bench:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "wrote %s in %s\n", *out, time.Since(started).Round(time.Second))
	for _, r := range results {
		if r.failed > 0 {
			os.Exit(1)
		}
	}
}
