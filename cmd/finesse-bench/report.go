package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

type sizeRow struct {
	file              string
	raw, gzip, brotli int
}

// measureSizes reports raw, gzip -9 and brotli -q 11 sizes of the .wasm and
// the JS wrapper. brotli comes from Debian's brotli command; without it that
// column is left empty rather than guessed.
func measureSizes(wasm string) []sizeRow {
	var rows []sizeRow
	for _, f := range []string{wasm, "web/index.js", "dist/wasm_exec.js"} {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var gz bytes.Buffer
		w, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
		_, _ = w.Write(data)
		_ = w.Close()
		row := sizeRow{file: f, raw: len(data), gzip: gz.Len()}
		if out, err := exec.Command("brotli", "-q", "11", "-c", f).Output(); err == nil {
			row.brotli = len(out)
		}
		rows = append(rows, row)
	}
	return rows
}

func machine() string {
	cpu := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(line, "model name") {
				cpu = strings.TrimSpace(strings.SplitN(line, ":", 2)[1])
				break
			}
		}
	}
	return fmt.Sprintf("%d cores (%s), %s %s/%s", runtime.NumCPU(), cpu, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

func renderReport(results []scenarioResult, sizes []sizeRow, took time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# BENCHMARKS\n\nWritten by `make bench` (`go run ./cmd/finesse-bench`) on %s, in %s.\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), took.Round(time.Second))
	fmt.Fprintf(&b, "Machine: %s. Client and simulator share this machine and talk over loopback.\n\n", machine())

	b.WriteString("## Failover latency, native client (SPEC §7)\n\n")
	b.WriteString("Time from injecting the fault on side A to the client's `connected` event on side B, which the\n")
	b.WriteString("engine emits after re-sync (GET User, GET Dialogs). Each run uses a fresh simulator with one agent\n")
	b.WriteString("on a live call; a run counts only if the call is still there with its call variables and was\n")
	b.WriteString("`added` exactly once. Round trips: HTTP requests (REST and BOSH) from the fault to `connected`.\n")
	b.WriteString("\n")
	b.WriteString("| scenario | jitter | runs ok / failed | median | p95 | max | round trips (median) | target (p95) | anchor |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range results {
		target := "—"
		if r.sc.target > 0 {
			target = "≤ " + fmtDur(r.sc.target)
		}
		fmt.Fprintf(&b, "| %s %s | %s | %d / %d | %s | %s | %s | %d | %s | %s |\n",
			r.sc.id, r.sc.title, r.jitterLabel(), len(r.latencies), r.failed,
			r.stat(50), r.stat(95), r.stat(100),
			medianInt(r.roundTrips), target, r.sc.anchor)
	}
	for _, r := range results {
		for _, e := range r.errs {
			fmt.Fprintf(&b, "\n- failed run, %s jitter %s: %s", r.sc.id, r.jitterLabel(), e)
		}
	}
	b.WriteString("\n\n## Size\n\n")
	if len(sizes) == 0 {
		b.WriteString("No build found (run `make wasm` first).\n")
	} else {
		b.WriteString("| file | raw | gzip -9 | brotli -q 11 |\n|---|---:|---:|---:|\n")
		for _, s := range sizes {
			br := "—"
			if s.brotli > 0 {
				br = fmt.Sprint(s.brotli)
			}
			fmt.Fprintf(&b, "| %s | %d | %d | %s |\n", s.file, s.raw, s.gzip, br)
		}
		b.WriteString("\nTarget (SPEC §7) for the whole client: gzip ≤ 1.5 MB, brotli ≤ 1.1 MB.\n")
	}
	b.WriteString("\n## Not measured yet\n\n")
	b.WriteString("S10 (UCCX heal), the same scenarios in headless Chromium with the real .wasm, the 2,000-agent\n")
	b.WriteString("storm (S18), browser cost (time to connected, heap, idle CPU) and notification decode throughput\n")
	b.WriteString("are not measured by this command yet (issue 7).\n")
	return b.String()
}
