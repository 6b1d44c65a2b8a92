package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strings"
	"time"
)

// report is everything one invocation measured.
type report struct {
	settings  settings
	scenarios []scenarioResult
	storms    []stormResult
	decodes   []decodeRun
	browser   browserSection
	sizes     []sizeRow
	took      time.Duration // whole run
	native    time.Duration // everything but the browser part and sizes

	fileSoft, fileHard uint64
	fileErr            error
}

// failed reports whether any run failed a check (the exit status).
func (r *report) failed() bool {
	for _, s := range r.scenarios {
		if s.failed > 0 {
			return true
		}
	}
	for _, s := range r.storms {
		if s.err != "" {
			return true
		}
	}
	for _, d := range r.decodes {
		if d.err != "" {
			return true
		}
	}
	return r.browser.failed
}

type sizeRow struct {
	file              string
	raw, gzip, brotli int
}

// measureSizes reports raw, gzip -9 and brotli -q 11 sizes of the .wasm and
// the JS wrapper. brotli comes from Debian's brotli command; without it that
// column is left empty rather than guessed. brotli -q 11 of the .wasm takes
// ~25 s of one core, so main starts this first, in the background, under
// nice 19: it then only takes CPU the timer-bound failover runs leave idle,
// and the bench is shorter by that much. Sizes do not depend on timing.
func measureSizes(wasm string) []sizeRow {
	var rows []sizeRow
	for _, f := range []string{wasm, "web/index.js", "dist/wasm_exec.js", probeRuntime, probeXML} {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		row := sizeRow{file: f, raw: len(data)}
		// gzip -9 itself, as `make size` and research/wasm-size.md measure:
		// Go's compress/gzip at BestCompression comes out ~1% larger.
		if out, err := exec.Command("gzip", "-9", "-c", f).Output(); err == nil {
			row.gzip = len(out)
		}
		if out, err := exec.Command("nice", "-n", "19", "brotli", "-q", "11", "-c", f).Output(); err == nil {
			row.brotli = len(out)
		}
		rows = append(rows, row)
	}
	return rows
}

// The size probes as `make probes` builds them (build/sizeprobe): the floors
// of research/wasm-size.md, the Go runtime alone and with encoding/xml.
const (
	probeRuntime = "dist/probes/runtimeonly.wasm"
	probeXML     = "dist/probes/xmlonly.wasm"
)

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
	mem := ""
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int
		if _, err := fmt.Sscanf(string(data), "MemTotal: %d kB", &kb); err == nil {
			mem = fmt.Sprintf(", %.0f GB RAM", float64(kb)/(1<<20))
		}
	}
	load := ""
	if data, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(data)); len(f) >= 3 {
			load = fmt.Sprintf("; load average at the end %s %s %s", f[0], f[1], f[2])
		}
	}
	return fmt.Sprintf("%d cores (%s)%s, %s %s/%s%s", runtime.NumCPU(), cpu, mem,
		runtime.Version(), runtime.GOOS, runtime.GOARCH, load)
}

func (r *report) render() string {
	var b strings.Builder
	s := r.settings
	mode := "quick settings, `make bench`"
	if s.full {
		mode = "full settings, `make bench-full`"
	}
	fmt.Fprintf(&b, "# BENCHMARKS\n\nWritten by cmd/finesse-bench (%s) on %s, in %s (native part %s).\n\n",
		mode, time.Now().UTC().Format("2006-01-02 15:04 UTC"), r.took.Round(time.Second), r.native.Round(time.Second))
	fmt.Fprintf(&b, "- Machine: %s. Clients and simulator share this machine and talk over loopback.\n", machine())
	fmt.Fprintf(&b, "- Command: `go run ./cmd/finesse-bench %s`\n", strings.Join(s.args, " "))
	fmt.Fprintf(&b, "- Runs: %d per scenario and jitter setting, S6 %d, S18 %d; decode benchmark -count %d -benchtime %s.\n",
		s.runs, s.blackholeRuns, s.stormRuns, s.decodeCount, s.decodeTime)
	if r.fileErr != nil {
		fmt.Fprintf(&b, "- Open-file limit: %v.\n", r.fileErr)
	} else {
		fmt.Fprintf(&b, "- Open-file limit (RLIMIT_NOFILE, raised to the hard limit by the driver): %d (hard %d).\n", r.fileSoft, r.fileHard)
	}
	b.WriteString("- Statistics: median, p95 and max are nearest-rank over the runs listed (N); with fewer than 20 runs p95 is the max.\n")

	r.renderLatency(&b)
	r.renderStorm(&b)
	r.renderDecode(&b)
	r.renderBrowser(&b)
	r.renderSizes(&b)
	r.renderNotMeasured(&b)
	return b.String()
}

func (r *report) renderLatency(b *strings.Builder) {
	if len(r.scenarios) == 0 {
		return
	}
	b.WriteString("\n## Failover latency, native client (SPEC §7)\n\n")
	b.WriteString("Time from injecting the fault to the client's `connected` event on the other side, which the\n")
	b.WriteString("engine emits after re-sync (GET User, GET Dialogs). Each run uses a fresh simulator with one agent\n")
	b.WriteString("on a live call; a run counts only if the call is still there with its call variables and was\n")
	b.WriteString("`added` exactly once. Round trips: HTTP requests (REST and BOSH) from the fault to `connected`.\n")
	b.WriteString("S10 runs in UCCX mode: the client works on B (master), an island makes A master too, and the timed\n")
	b.WriteString("fault is the heal (B drops mastership); the client must move to A. S2 and S6 run concurrently with\n")
	b.WriteString("the other rows: their seconds are spent waiting on timers (transport retry backoff; keepalive ping\n")
	b.WriteString("every 10 s with a 5 s timeout) and they use almost no CPU. S1-WS is S1 with the WebSocket transport\n")
	b.WriteString("(RFC 7395 through internal/ws/native, BOSH fallback off); its round trips count REST requests and the\n")
	b.WriteString("WebSocket upgrade, not the XMPP messages on the socket. Every run checks the transport the client\n")
	b.WriteString("reports on `connected`.\n\n")
	b.WriteString("| scenario | jitter | N ok / failed | median | p95 | max | round trips (median) | target (p95) | anchor |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|\n")
	for _, s := range r.scenarios {
		target := "—"
		if s.sc.Target > 0 {
			target = "≤ " + fmtDur(s.sc.Target)
			if len(s.latencies) > 0 {
				target += verdict(percentile(s.latencies, 95) <= s.sc.Target)
			}
		}
		fmt.Fprintf(b, "| %s %s | %s | %d / %d | %s | %s | %s | %d | %s | %s |\n",
			s.sc.ID, s.sc.Title, s.jitterLabel(), len(s.latencies), s.failed,
			s.stat(50), s.stat(95), s.stat(100),
			medianInt(s.roundTrips), target, s.sc.Anchor)
	}
	for _, s := range r.scenarios {
		for _, e := range s.errs {
			fmt.Fprintf(b, "\n- failed run, %s jitter %s: %s", s.sc.ID, s.jitterLabel(), e)
		}
	}
	b.WriteString("\n")
}

// thousands writes n with a comma every three digits, as the SPEC does.
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func verdict(ok bool) string {
	if ok {
		return " (met)"
	}
	return " (**missed**)"
}

func (r *report) renderStorm(b *strings.Builder) {
	if len(r.storms) == 0 {
		return
	}
	o := r.settings.storm
	fmt.Fprintf(b, "\n## Storm S18: %s agents, A dies (SPEC §5, §7)\n\n", thousands(o.agents))
	if o.agents != 2000 {
		b.WriteString("**Not the SPEC's 2,000 agents** (-storm-agents): the target and anchor are for 2,000.\n\n")
	}
	fmt.Fprintf(b, "%s native clients (internal/client, the engine the browser runs) in goroutines of one process,\n", thousands(o.agents))
	b.WriteString("sharing one `*http.Transport` with no per-host connection cap (each real agent is its own browser),\n")
	b.WriteString("all connected on A through BOSH; then A is killed (connection refused) and the clock runs until the\n")
	b.WriteString("last agent's `connected` on B (re-synced). The simulator runs in the same process on the same cores,\n")
	if o.capacity > 0 {
		fmt.Fprintf(b, "so these times are an upper bound. B's capacity is set to **%d requests/s** (REST requests + new BOSH\n", o.capacity)
		b.WriteString("sessions, what the simulator's capacity limit counts; 503 beyond) just before the kill. \"Peak work/s\"\n")
	} else {
		b.WriteString("so these times are an upper bound. B has **no capacity limit** in this run (-storm-capacity 0). \"Peak work/s\"\n")
	}
	b.WriteString("is B's busiest wall-clock second of that count, rejected requests included; \"peak req/s\" counts every\n")
	b.WriteString("HTTP request, held BOSH polls too. The log-in phase (not timed) keeps at most 200 log-ins in flight.\n")
	b.WriteString("\"CPU s used\" is this process's CPU time from the kill to the last agent on B: close to 2 × the wall\n")
	b.WriteString("time means the run was CPU-bound on this 2-core machine; a high load average means other work competed.\n\n")

	b.WriteString("| jitter | N ok / failed | last agent on B: median | p95 | max | B peak work/s (max) | B 503s (max) | target | anchor |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|\n")
	for _, j := range jitters {
		var lasts []time.Duration
		var failed, peakWork, n int
		var worst503 uint64
		for _, s := range r.storms {
			if s.jitter != j {
				continue
			}
			n++
			if s.ok() {
				lasts = append(lasts, s.last)
			} else {
				failed++
			}
			peakWork = max(peakWork, s.peakWork)
			worst503 = max(worst503, s.status503)
		}
		if n == 0 {
			continue
		}
		stat := func(p int) string {
			if len(lasts) == 0 {
				return "—"
			}
			return fmtDur(percentile(lasts, p))
		}
		target := "≤ 15 s, B within capacity"
		if len(lasts) > 0 && failed == 0 {
			target += verdict(percentile(lasts, 100) <= 15*time.Second && worst503 == 0)
		}
		capacity := "no limit"
		if o.capacity > 0 {
			capacity = fmt.Sprintf("capacity %d", o.capacity)
		}
		fmt.Fprintf(b, "| %s | %d / %d | %s | %s | %s | %d (%s) | %d | %s | Finesse server recovery: 120-150 s for 2,000 agents |\n",
			jitterLabel(j), len(lasts), failed, stat(50), stat(95), stat(100), peakWork, capacity, worst503, target)
	}

	b.WriteString("\nEach run:\n\n")
	b.WriteString("| jitter | agents re-synced on B | half on B after | 95% on B after | last on B after | B peak req/s | B peak work/s | B requests | 503s (capacity) | log-in phase | load avg at kill | CPU s used (clients + sim) |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, s := range r.storms {
		at := func(p int) string {
			if len(s.onB) == 0 {
				return "—"
			}
			return fmtDur(percentile(s.onB, p))
		}
		last := "—"
		if s.last > 0 {
			last = fmtDur(s.last)
		}
		login := "—"
		if s.login > 0 {
			login = fmtDur(s.login)
		}
		fmt.Fprintf(b, "| %s | %d / %d | %s | %s | %s | %d | %d | %d | %d (%d) | %s | %s | %.1f |\n",
			jitterLabel(s.jitter), len(s.onB), s.agents, at(50), at(95), last,
			s.peakRPS, s.peakWork, s.requests, s.status503, s.capacity503, login, s.load, s.cpu.Seconds())
	}
	for _, s := range r.storms {
		if s.capacity503 > 0 {
			b.WriteString("\n- An agent that B turns away with a 503 polls again after a short, growing, jittered pause (Policy.BusyRetry:\n")
			b.WriteString("  1 s, doubling, plus the jitter; SPEC §3.2 \"retry in a few seconds\") rather than the 10 s poll interval.\n")
			b.WriteString("  Each agent needs about four requests of the kind B's capacity counts (SystemInfo, notification session, User,\n")
			b.WriteString("  Dialogs), so 2,000 agents arriving within the 0-2 s jitter offer B more than 2,000/s in their busiest second;\n")
			b.WriteString("  a wider jitter (`policy.jitterMs`) lowers that peak at the cost of single-agent failover time (S1).")
			break
		}
	}
	for _, s := range r.storms {
		if s.err != "" {
			fmt.Fprintf(b, "\n- failed storm, jitter %s: %s", jitterLabel(s.jitter), s.err)
		}
		if s.unauthorized > 0 {
			fmt.Fprintf(b, "\n- jitter %s: %d agents ended `unauthorized`", jitterLabel(s.jitter), s.unauthorized)
		}
		if s.peakPre > s.peakRPS/2 && s.peakPre > 0 {
			fmt.Fprintf(b, "\n- jitter %s: B's peak before the kill was already %d req/s: the peak figures may include the log-in phase", jitterLabel(s.jitter), s.peakPre)
		}
	}
	b.WriteString("\n")
}

func (r *report) renderDecode(b *strings.Builder) {
	if len(r.decodes) == 0 {
		return
	}
	b.WriteString("\n## Notification decode throughput (SPEC §7)\n\n")
	b.WriteString("`BenchmarkDecodeNotification` (internal/finesse): one pubsub `<notification>` element, XML-escaped as\n")
	b.WriteString("Finesse publishes it, to an Update and on to the model object the engine applies (Dialogs or User).\n")
	b.WriteString("XMPP framing is not included. Payloads: a Dialog PUT with participants and six call variables\n")
	b.WriteString("(testdata/dialog_ecc.xml), a NOT_READY User update with reason code and teams (testdata/user_not_ready.xml).\n")
	b.WriteString("N is go test's -count, after discarding one more, first run per payload as warm-up (V8 runs wasm\n")
	b.WriteString("first with its baseline compiler and tiers up to optimised code in the background: a cold first run\n")
	b.WriteString("was 3-6x slower in trials); \"slow tail\" is the 5th percentile of events/s (the p95 of time per event).\n\n")
	b.WriteString("| runtime | payload | N | events/s median | slow tail | max | µs/event (median) | B/op | allocs/op | target | anchor |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, d := range r.decodes {
		for _, row := range d.rows {
			fmt.Fprintf(b, "| %s | %s | %d | %.0f | %.0f | %.0f | %.1f | %.0f | %.0f | report events/s | — |\n",
				d.runtime, row.payload, len(row.eventsS),
				floatPercentile(row.eventsS, 50), floatPercentile(row.eventsS, 5), floatPercentile(row.eventsS, 100),
				floatPercentile(row.nsPerOp, 50)/1000, row.bytes, row.allocs)
		}
	}
	b.WriteString("\nCommands (from the module root):\n\n")
	for _, d := range r.decodes {
		if d.skipped == "" {
			fmt.Fprintf(b, "- %s: `%s` (%s)\n", d.runtime, d.command, d.took.Round(time.Second))
		}
	}
	for _, d := range r.decodes {
		if d.err != "" {
			fmt.Fprintf(b, "- **%s failed**: %s\n", d.runtime, d.err)
		}
	}
}

// renderBrowser writes browserbench's own section (its heading included) or
// why there is none.
func (r *report) renderBrowser(b *strings.Builder) {
	b.WriteString("\n")
	if r.browser.markdown != "" {
		b.WriteString(strings.TrimSpace(r.browser.markdown) + "\n")
		return
	}
	b.WriteString("## Browser (headless Chromium)\n\n")
	fmt.Fprintf(b, "Not run: %s.\n", r.browser.skipped)
}

func (r *report) renderSizes(b *strings.Builder) {
	b.WriteString("\n## Size\n\n")
	if len(r.sizes) == 0 {
		b.WriteString("No build found (run `make wasm` first).\n")
		return
	}
	b.WriteString("| file | raw | gzip -9 | brotli -q 11 |\n|---|---:|---:|---:|\n")
	for _, s := range r.sizes {
		br := "—"
		if s.brotli > 0 {
			br = fmt.Sprint(s.brotli)
		}
		fmt.Fprintf(b, "| %s | %d | %d | %s |\n", s.file, s.raw, s.gzip, br)
	}
	b.WriteString("\nTarget (SPEC §7) for the whole client: gzip ≤ 1.5 MB, brotli ≤ 1.1 MB. Anchor: Strophe.js-based\n")
	b.WriteString("desktops load ~0.1 MB of JS. The probes are the floors of research/wasm-size.md, built with the client's\n")
	b.WriteString("flags: " + probeRuntime + " is the Go runtime with syscall/js alone, " + probeXML + " adds encoding/xml.\n")
	b.WriteString("What the lean build saved, and why inlining is off only in some packages:\n")
	b.WriteString("[decision 0008](docs/decisions/0008-lean-build-and-inlining.md).\n")
	if w := r.sizes[0]; w.gzip > 1_500_000 || (w.brotli > 0 && w.brotli > 1_100_000) {
		b.WriteString("\nThe client misses the target: `make size` lists the heaviest packages, and\n")
		b.WriteString("`GOOS=js GOARCH=wasm go list -deps ./wasm` shows what the build imports (build/wasmtest's\n")
		b.WriteString("TestWasmImportsNoNetworkStack keeps net/http, crypto/tls, crypto/x509 and x/text out).\n")
	}
}

// renderNotMeasured lists only what this invocation did not measure.
func (r *report) renderNotMeasured(b *strings.Builder) {
	var missing []string
	ran := map[string]bool{}
	for _, s := range r.scenarios {
		ran[s.sc.ID] = true
	}
	if len(r.storms) > 0 {
		ran["S18"] = true
	}
	var skipped []string
	for _, sc := range scenarios {
		if !ran[sc.ID] {
			skipped = append(skipped, sc.ID)
		}
	}
	if !ran["S18"] {
		skipped = append(skipped, "S18")
	}
	sort.Strings(skipped)
	if len(skipped) > 0 {
		missing = append(missing, "Not selected in this invocation (-scenarios): "+strings.Join(skipped, ", ")+".")
	}
	if len(r.decodes) == 0 {
		missing = append(missing, "Notification decode throughput (-decode=false).")
	}
	for _, d := range r.decodes {
		if d.skipped != "" {
			missing = append(missing, "Notification decode throughput, "+d.runtime+": "+d.skipped+".")
		}
	}
	if r.browser.markdown == "" {
		missing = append(missing, "The browser part: the failover scenarios in headless Chromium with the real .wasm, "+
			"time to connected, heap and idle CPU in the browser (SPEC §7 \"idle CPU\": no busy loop). "+
			"Reason: "+r.browser.skipped+".")
	}
	b.WriteString("\n## Not measured yet\n\n")
	if len(missing) == 0 {
		b.WriteString("Nothing: every figure of SPEC §7 is above.\n")
	}
	for _, m := range missing {
		b.WriteString("- " + m + "\n")
	}
}
