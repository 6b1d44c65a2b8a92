package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/finesse-ha/finesse-ha/internal/testkit/browserbench"
	"github.com/finesse-ha/finesse-ha/internal/testkit/modroot"
)

// The browser part of the bench (failover in headless Chromium with the
// real .wasm through the JS API, time to connected, heap, idle CPU) is
// internal/testkit/browserbench; this file only runs it and keeps its Markdown.

// browserSection is what the report renders for the browser part.
type browserSection struct {
	markdown string // the section (browserbench's own heading included), when it ran
	skipped  string // why it did not run
	failed   bool   // it ran and a run failed a check, or it could not run where it must (CI)
	took     time.Duration
}

// browserScenarios are the failover ids browserbench knows.
var browserScenarios = map[string]bool{"S1": true, "S1-WS": true, "S2": true, "S3": true, "S4": true, "S6": true, "S10": true}

// runBrowser runs the browser part. A missing .wasm is a skip with its
// reason (the native part stands on its own: `go run ./cmd/finesse-bench`
// without `make wasm`); a missing Chromium is a skip too, except under
// CI=true, where it fails, as build/wasmtest does: a browser figure that
// silently does not appear is a figure nobody notices is gone.
func runBrowser(s settings, want map[string]bool) browserSection {
	if _, err := os.Stat(s.wasm); err != nil {
		return browserSection{skipped: fmt.Sprintf("no client build at %s (run `make wasm`)", s.wasm)}
	}
	root, err := modroot.Dir()
	if err != nil {
		return browserSection{skipped: err.Error(), failed: true}
	}
	o := browserbench.Options{
		WasmPath: s.wasm,
		WebDir:   filepath.Join(root, "web"),
		Logf:     func(format string, args ...any) { progress(format, args...) },
		S20Runs:  s.s20Runs,
	}
	if s.full {
		o.Runs, o.BlackholeRuns = 10, 5
		o.Jitters = []browserbench.Jitter{browserbench.DefaultJitter, browserbench.NoJitter}
	}
	// The quick run takes browserbench's own defaults, which it sizes for
	// the other half of `make bench`'s 5 minutes.
	if len(want) > 0 {
		for id := range want {
			if browserScenarios[id] {
				o.Scenarios = append(o.Scenarios, id)
			}
		}
		if len(o.Scenarios) == 0 {
			return browserSection{skipped: "no browser scenario among -scenarios " + strings.Join(keys(want), ",")}
		}
	}
	limit := 6 * time.Minute
	if s.full {
		limit = 30 * time.Minute
	}
	// S20: up to ~3 min per run and runtime, hidden and visible at once.
	limit += time.Duration(s.s20Runs) * 9 * time.Minute
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	start := time.Now()
	rep, err := browserbench.Run(ctx, o)
	took := time.Since(start)
	switch {
	case errors.Is(err, browserbench.ErrNoChromium):
		return browserSection{skipped: "no headless Chromium: " + err.Error(), failed: os.Getenv("CI") == "true", took: took}
	case err != nil:
		return browserSection{skipped: "browserbench failed: " + err.Error(), failed: true, took: took}
	}
	return browserSection{markdown: rep.Markdown(), failed: rep.Failed(), took: took}
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
