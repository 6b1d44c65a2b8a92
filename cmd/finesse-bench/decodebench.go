package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/finesse-ha/finesse-ha/internal/testkit/browserharness"
	"github.com/finesse-ha/finesse-ha/internal/testkit/modroot"
)

// decodeBench is internal/finesse's BenchmarkDecodeNotification, run by go
// test natively and, through build/wasmtest, as GOOS=js in headless
// Chromium: the same code, the same embedded payloads, two runtimes.
const (
	decodePkg   = "./internal/finesse/"
	decodeBench = "^BenchmarkDecodeNotification$"
)

// decodeRow is one payload in one runtime, over -count runs.
type decodeRow struct {
	runtime string // "native" or "wasm (headless Chromium)"
	payload string // sub-benchmark name
	nsPerOp []float64
	eventsS []float64
	allocs  float64
	bytes   float64 // B/op
}

// decodeRun is one runtime's go test invocation.
type decodeRun struct {
	runtime string
	command string
	rows    []decodeRow
	err     string // the run failed: the exit status is 1
	skipped string // not run, and why (no Chromium outside CI)
	took    time.Duration
}

// runDecodeBench runs the benchmark in one runtime, count measured runs
// after one warm-up run. wasm selects the
// Chromium runner, which refuses to run (an error, never a skip) without
// Chromium on PATH.
func runDecodeBench(wasm bool, benchtime string, count int) decodeRun {
	args := []string{"-run", "^$", "-bench", decodeBench, "-benchtime", benchtime,
		"-count", strconv.Itoa(count + 1), "-timeout", "300s", decodePkg}
	run := decodeRun{runtime: "native"}
	var cmd *exec.Cmd
	if wasm {
		run.runtime = "wasm (headless Chromium)"
		// The same rule as the browser part: without Chromium the wasm row
		// is skipped with its reason, except under CI=true, where
		// build/wasmtest's own error fails the bench.
		if err := browserharness.CheckChromium(); err != nil && os.Getenv("CI") != "true" {
			run.skipped = err.Error()
			return run
		}
		cmd = exec.Command("go", append([]string{"run", "./build/wasmtest"}, args...)...)
		run.command = "go run ./build/wasmtest " + shellJoin(args)
	} else {
		cmd = exec.Command("go", append([]string{"test"}, args...)...)
		run.command = "go test " + shellJoin(args)
	}
	root, err := modroot.Dir()
	if err != nil {
		run.err = err.Error()
		return run
	}
	cmd.Dir = root
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	start := time.Now()
	err = cmd.Run()
	run.took = time.Since(start)
	run.rows = parseBenchOutput(run.runtime, out.Bytes())
	for i := range run.rows {
		run.rows[i].dropWarmup()
	}
	switch {
	case err != nil:
		run.err = fmt.Sprintf("%v: %s", err, lastLines(stderr.String()+out.String(), 4))
	case len(run.rows) == 0:
		run.err = "no benchmark lines in the output: " + lastLines(out.String(), 4)
	}
	return run
}

// dropWarmup discards the first run: go test -count runs a sub-benchmark
// count times in a row, so the first one also warms the code up (in wasm,
// V8's tier-up from its baseline compiler).
func (r *decodeRow) dropWarmup() {
	if len(r.nsPerOp) > 1 {
		r.nsPerOp = r.nsPerOp[1:]
	}
	if len(r.eventsS) > 1 {
		r.eventsS = r.eventsS[1:]
	}
}

// parseBenchOutput reads go test's benchmark lines:
//
//	BenchmarkDecodeNotification/dialog-update-callvars-2  6259  187147 ns/op  18.96 MB/s  5343 events/s  66272 B/op  1245 allocs/op
func parseBenchOutput(runtime string, out []byte) []decodeRow {
	byName := map[string]*decodeRow{}
	var order []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "BenchmarkDecodeNotification/") {
			continue
		}
		name := strings.TrimPrefix(f[0], "BenchmarkDecodeNotification/")
		// Native names end in -GOMAXPROCS; wasm names carry no suffix.
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i]
			}
		}
		row := byName[name]
		if row == nil {
			row = &decodeRow{runtime: runtime, payload: name}
			byName[name] = row
			order = append(order, name)
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			switch f[i+1] {
			case "ns/op":
				row.nsPerOp = append(row.nsPerOp, v)
			case "events/s":
				row.eventsS = append(row.eventsS, v)
			case "allocs/op":
				row.allocs = v
			case "B/op":
				row.bytes = v
			}
		}
	}
	rows := make([]decodeRow, 0, len(order))
	for _, n := range order {
		rows = append(rows, *byName[n])
	}
	return rows
}

// floatPercentile is the nearest-rank percentile of xs (p in 0..100).
func floatPercentile(xs []float64, p int) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	i := (len(s)*p + 99) / 100
	if i < 1 {
		i = 1
	}
	return s[i-1]
}

func shellJoin(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if strings.ContainsAny(a, "^$*? ") {
			a = "'" + a + "'"
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
