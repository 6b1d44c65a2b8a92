package failover

import (
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/finesse-ha/finesse-ha/internal/clock"
)

// TestIdleEnginesOwnNoGoroutines backs the S18 design: one engine per agent
// must be cheap. A connected, idle engine is a few clock timers and no
// goroutine, so hundreds of them in one process (the load tool) cost no
// scheduler time between events.
func TestIdleEnginesOwnNoGoroutines(t *testing.T) {
	const n = 300
	runtime.GC()
	before := runtime.NumGoroutine()
	hs := make([]*harness, n)
	for i := range hs {
		hs[i] = newHarness(t, uint64(i))
		hs[i].start("A")
	}
	for _, h := range hs {
		h.run(time.Minute) // keepalive pings come and go
	}
	after := runtime.NumGoroutine()
	assert.Less(t, after-before, 10, "%d idle engines hold %d goroutines", n, after-before)
	for _, h := range hs {
		assert.LessOrEqual(t, h.clk.Pending(), 2, "an idle engine waits on at most its ping timer (+ a stray fake timer)")
	}
}

// BenchmarkFailover measures one complete S1 failover (kill A, switch,
// re-sync on B) in virtual time: the engine's own CPU cost per agent.
func BenchmarkFailover(b *testing.B) {
	for b.Loop() {
		h := newHarness(b, 1)
		h.startCall("1", "callVariable1", "x")
		h.start("A")
		h.A.kill()
		h.run(5 * time.Second)
		h.e.Close()
		h.settle()
	}
}

// TestRealClockSmoke runs the same engine on the wall clock: the code path
// of production, where timers fire on their own goroutines.
func TestRealClockSmoke(t *testing.T) {
	h := newHarness(t, 3, func(c *Config) {
		c.Clock = clock.Real()
		c.Policy.Jitter = 20 * time.Millisecond
		c.Policy.PingInterval = 30 * time.Millisecond
	})
	waitFor := func(side string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for !h.connectedTo(side)() {
			if time.Now().After(deadline) {
				t.Fatalf("not connected to %s: %v", side, h.e.History())
			}
			time.Sleep(time.Millisecond)
		}
	}
	h.e.Start()
	waitFor("A")
	// A few real pings, fired by the wall clock's own timers. Waited for,
	// not slept for: a loaded machine can delay timers past any sleep.
	deadline := time.Now().Add(5 * time.Second)
	for h.A.count("Ping") < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("%d keepalive pings to A in 5 s at a 30 ms interval", h.A.count("Ping"))
		}
		time.Sleep(time.Millisecond)
	}
	h.A.kill()
	waitFor("B")
	h.e.Close()
	select {
	case <-h.e.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("Done not closed")
	}
}
