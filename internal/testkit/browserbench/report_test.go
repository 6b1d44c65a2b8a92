package browserbench

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestFigurePercentiles(t *testing.T) {
	f := Figure{Values: []float64{5, 1, 4, 2, 3}}
	assert.Equal(t, 3.0, f.Median())
	assert.Equal(t, 5.0, f.P95())
	assert.Equal(t, 5.0, f.Max())
	assert.Equal(t, 5, f.N())
	assert.True(t, math.IsNaN(Figure{}.Median()), "no runs: no median")
	assert.Equal(t, []float64{5, 1, 4, 2, 3}, f.Values, "percentiles must not reorder the values")
}

func TestMarkdownRowsAndFailures(t *testing.T) {
	r := &Report{
		Browser: "HeadlessChrome/1", Took: 90 * time.Second,
		Failover: []Figure{{ID: "S1", Name: "S1 kill", Jitter: "0", Unit: Seconds, Values: []float64{0.75, 1.5},
			Failed: 1, Errors: []string{"not connected on B"}, Target: "p95 ≤ 3 s", Anchor: "180-240 s"}},
		Memory: []Figure{{ID: "heap-after", Name: "JS heap after", Unit: Bytes, Values: []float64{1.5 * (1 << 20)}}},
		Idle:   []Figure{{ID: "idle-task", Name: "idle CPU", Unit: CPUPerSecond}},
		Notes:  []string{"one clock"},
	}
	md := r.Markdown()
	assert.True(t, strings.HasPrefix(md, "## Browser (headless Chromium, real .wasm)\n"))
	assert.Contains(t, md, "| S1 kill | 0 | 2 / 1 | 750 ms | 1.50 s | 1.50 s | 2 | p95 ≤ 3 s | 180-240 s |")
	assert.Contains(t, md, "| JS heap after | — | 1 / 0 | 1.5 MiB | 1.5 MiB | 1.5 MiB | 1 | — | — |")
	assert.Contains(t, md, "| idle CPU | — | 0 / 0 | — | — | — | 0 | — | — |")
	assert.Contains(t, md, "- failed run, S1 kill jitter 0: not connected on B")
	assert.Contains(t, md, "- one clock")
	assert.True(t, r.Failed())
	r.Failover[0].Failed = 0
	assert.False(t, r.Failed())
}
