package browserbench

import "time"

// Options configures Run. Zero values take the quick-bench defaults.
type Options struct {
	WasmPath string // the built client, e.g. dist/finesse-ha.wasm; wasm_exec.js must sit next to it or in WebDir
	WebDir   string // the npm package directory, e.g. web/ (index.js)
	// Runs per failover scenario and jitter setting (default 2). S6 (black
	// hole) waits ~21 s on keepalive timers; it gets BlackholeRuns.
	Runs          int
	BlackholeRuns int      // default 1
	Scenarios     []string // failover scenarios to time: S1 S2 S3 S4 S6 S10 (default all); startup, memory and idle always run
	// Jitters are the jitter settings failover runs use: NoJitter and/or
	// DefaultJitter (default both for S1, NoJitter elsewhere, to keep the
	// quick bench within its budget).
	Jitters       []Jitter
	Idle          time.Duration        // how long the idle page is watched (default 60 s)
	Notifications int                  // updates flooded at the client for the memory figures (default 10,000)
	Logf          func(string, ...any) // progress; nil for none
	// S20Runs are the runs of S20 (hidden and visible, per runtime), each
	// about 1-3 minutes in a throttled browser of its own, in the
	// background; 0 leaves them out.
	S20Runs int
}

// Jitter is a failover run's policy.jitterMs setting.
type Jitter string

const (
	NoJitter      Jitter = "0"               // policy.jitterMs: 0
	DefaultJitter Jitter = "0-2 s (default)" // policy.jitterMs unset
)
