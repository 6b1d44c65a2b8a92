package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Real lines from go test: native names carry -GOMAXPROCS, wasm names none.
const benchOutput = `goos: js
BenchmarkDecodeNotification/dialog-update-callvars-2         	    6259	    187147 ns/op	  18.96 MB/s	      5343 events/s	   66272 B/op	    1245 allocs/op
BenchmarkDecodeNotification/dialog-update-callvars-2         	    6000	    200000 ns/op	  18.00 MB/s	      5000 events/s	   66272 B/op	    1245 allocs/op
BenchmarkDecodeNotification/user-state-update              	    1942	    552884 ns/op	   4.04 MB/s	      1809 events/s	   41448 B/op	     868 allocs/op
BenchmarkOther-2   1  1 ns/op
PASS
`

func TestParseBenchOutputGroupsRunsByPayload(t *testing.T) {
	rows := parseBenchOutput("native", []byte(benchOutput))
	require.Len(t, rows, 2)
	assert.Equal(t, "dialog-update-callvars", rows[0].payload)
	assert.Equal(t, []float64{5343, 5000}, rows[0].eventsS)
	assert.Equal(t, []float64{187147, 200000}, rows[0].nsPerOp)
	assert.Equal(t, 1245.0, rows[0].allocs)
	assert.Equal(t, "user-state-update", rows[1].payload)
	assert.Equal(t, 41448.0, rows[1].bytes)

	rows[0].dropWarmup()
	assert.Equal(t, []float64{5000}, rows[0].eventsS, "the first run is the warm-up")
	rows[1].dropWarmup()
	assert.Equal(t, []float64{1809}, rows[1].eventsS, "a single run is kept rather than leave no figure")
}

func TestPercentileIsNearestRank(t *testing.T) {
	ds := []time.Duration{5, 1, 4, 2, 3}
	assert.Equal(t, time.Duration(3), percentile(ds, 50))
	assert.Equal(t, time.Duration(5), percentile(ds, 95))
	assert.Equal(t, time.Duration(1), percentile(ds, 0))
	assert.Equal(t, 2.0, floatPercentile([]float64{4, 2, 3, 1}, 50))
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 300: "300", 2000: "2,000", 1234567: "1,234,567"} {
		assert.Equal(t, want, thousands(n))
	}
}
