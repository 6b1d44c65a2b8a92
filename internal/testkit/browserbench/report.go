package browserbench

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// Unit is what a Figure's values count.
type Unit string

const (
	Seconds      Unit = "s"       // a duration, in seconds
	Bytes        Unit = "B"       // a size
	PerSecond    Unit = "/s"      // a rate (events per second)
	CPUPerSecond Unit = "CPU s/s" // CPU seconds consumed per wall-clock second
	Count        Unit = "count"   // a plain number
)

// Figure is one measured row: one value per successful run.
type Figure struct {
	ID     string    // "S1", "startup", "heap-after", ...: stable, for code
	Name   string    // what the row measures, for people
	Jitter string    // failover rows: "0" or "0-2 s (default)"; "" otherwise
	Unit   Unit      //
	Values []float64 // one per successful run, in Unit
	Failed int       // runs that failed a check (not timed)
	Errors []string  // why they failed
	Target string    // SPEC §7 target, "—" where none is set
	Anchor string    // the figure we compare with, "—" where none
}

// N is the number of successful runs.
func (f Figure) N() int { return len(f.Values) }

// Percentile returns the p-th percentile (nearest rank) of the values, NaN
// when there are none.
func (f Figure) Percentile(p int) float64 {
	if len(f.Values) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), f.Values...)
	sort.Float64s(s)
	i := (len(s)*p + 99) / 100
	if i < 1 {
		i = 1
	}
	return s[i-1]
}

// Median, P95 and Max are the report's three statistics.
func (f Figure) Median() float64 { return f.Percentile(50) }
func (f Figure) P95() float64    { return f.Percentile(95) }
func (f Figure) Max() float64    { return f.Percentile(100) }

// Report is what Run measured. Figures are grouped as the Markdown section
// shows them.
type Report struct {
	Browser  string        // Chromium's product/version string
	Runs     int           // runs per failover scenario and jitter setting
	Took     time.Duration // wall time of Run
	Failover []Figure      // per scenario and jitter: fault -> `connected` on the other side
	Startup  []Figure      // createClient -> connected, and its split
	Memory   []Figure      // heap and wasm memory around the notification flood, delivery rate
	Idle     []Figure      // CPU of an idle connected page
	Runtime  []Figure      // second page of an agent, shared vs per-page memory, S20 per runtime
	Notes    []string      // how things were measured where it matters (clock, fallbacks)
}

// Failed reports whether any run failed a check.
func (r *Report) Failed() bool {
	for _, group := range [][]Figure{r.Failover, r.Startup, r.Memory, r.Idle, r.Runtime} {
		for _, f := range group {
			if f.Failed > 0 {
				return true
			}
		}
	}
	return false
}

// Markdown renders the "Browser (headless Chromium, real .wasm)" section of
// BENCHMARKS.md, in the shape of the native failover table.
func (r *Report) Markdown() string {
	var b strings.Builder
	b.WriteString("## Browser (headless Chromium, real .wasm)\n\n")
	fmt.Fprintf(&b, "%s, loading `web/index.js` and the built `finesse-ha.wasm` from a fresh in-process simulator per run\n", orDash(r.Browser))
	b.WriteString("(loopback), driven through the JS API (`createClient`, `on`) by a bench page; measured in ")
	fmt.Fprintf(&b, "%s.\n\n", r.Took.Round(time.Second))
	b.WriteString("| figure | jitter | runs ok / failed | median | p95 | max | N | target | anchor |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|\n")
	var all []Figure
	for _, group := range [][]Figure{r.Failover, r.Startup, r.Memory, r.Idle, r.Runtime} {
		all = append(all, group...)
	}
	for _, f := range all {
		fmt.Fprintf(&b, "| %s | %s | %d / %d | %s | %s | %s | %d | %s | %s |\n",
			f.Name, orDash(f.Jitter), f.N(), f.Failed,
			format(f.Unit, f.Median()), format(f.Unit, f.P95()), format(f.Unit, f.Max()),
			f.N(), orDash(f.Target), orDash(f.Anchor))
	}
	for _, f := range all {
		for _, e := range f.Errors {
			fmt.Fprintf(&b, "\n- failed run, %s%s: %s", f.Name, jitterSuffix(f.Jitter), e)
		}
	}
	if len(r.Notes) > 0 {
		b.WriteString("\n\n")
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "- %s\n", n)
		}
	} else {
		b.WriteString("\n")
	}
	return b.String()
}

func jitterSuffix(j string) string {
	if j == "" {
		return ""
	}
	return " jitter " + j
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// format renders v in unit u the way BENCHMARKS.md writes figures.
func format(u Unit, v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	switch u {
	case Seconds:
		if v < 1 {
			return fmt.Sprintf("%.0f ms", v*1000)
		}
		return fmt.Sprintf("%.2f s", v)
	case Bytes:
		switch {
		case math.Abs(v) >= 1<<20:
			return fmt.Sprintf("%.1f MiB", v/(1<<20))
		case math.Abs(v) >= 1<<10:
			return fmt.Sprintf("%.1f KiB", v/(1<<10))
		}
		return fmt.Sprintf("%.0f B", v)
	case PerSecond:
		return fmt.Sprintf("%.0f/s", v)
	case CPUPerSecond:
		return fmt.Sprintf("%.4f CPU s/s", v)
	}
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}
