package failover

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

// runToNextPoll advances until side f has been polled once more, so the
// following poll is a whole PollInterval away.
func (h *harness) runToNextPoll(f *fakeSide) {
	h.t.Helper()
	n := f.count("SystemInfo")
	_, ok := h.runUntil(time.Minute, func() bool { return f.count("SystemInfo") > n })
	require.True(h.t, ok, "no poll within a minute")
}

func TestRecheckWhileDisconnectedPollsNow(t *testing.T) {
	h := newHarness(t, 21, withPolicy(func(p *Policy) { p.PollInterval = 10 * time.Second }))
	h.start("A")
	h.A.kill()
	h.B.kill()
	h.run(5 * time.Second)
	require.Equal(t, StateDisconnected, h.e.Snapshot().Connection.State)
	h.runToNextPoll(h.B)

	h.B.revive()
	polls := h.B.count("SystemInfo")
	m := h.mark()
	h.e.Recheck()
	h.settle()
	assert.Greater(t, h.B.count("SystemInfo"), polls, "Recheck polls at once, not on the timer")
	d, ok := h.runUntil(9*time.Second, h.connectedTo("B"))
	require.True(t, ok, "not connected to B before the next poll: %v", h.e.History())
	// Jitter (2 s) still applies to the switch, and nothing else waits.
	assert.LessOrEqual(t, d, 2*time.Second+100*time.Millisecond)
	assert.Equal(t, []string{"failing-over/B", "connected/B"}, connTrail(h.eventsSince(m)))
}

func TestWithoutRecheckDisconnectedWaitsForThePoll(t *testing.T) {
	// The control for the test above: the same situation without Recheck
	// connects only after the next poll.
	h := newHarness(t, 21, withPolicy(func(p *Policy) { p.PollInterval = 10 * time.Second }))
	h.start("A")
	h.A.kill()
	h.B.kill()
	h.run(5 * time.Second)
	h.runToNextPoll(h.B)
	h.B.revive()
	d, ok := h.runUntil(30*time.Second, h.connectedTo("B"))
	require.True(t, ok)
	assert.Greater(t, d, 5*time.Second)
}

func TestRecheckWhileConnectedPingsAndPollsNow(t *testing.T) {
	h := newHarness(t, 22)
	h.start("A")
	h.run(time.Second) // the next periodic ping is ~9 s away
	pings, polls := h.A.count("Ping"), h.A.count("SystemInfo")
	h.e.Recheck()
	h.settle()
	assert.Equal(t, pings+1, h.A.count("Ping"))
	assert.Equal(t, polls+1, h.A.count("SystemInfo"))
	assert.Zero(t, h.B.count("Ping"))
	h.requireConnected("A")

	// A healthy answer leaves the periodic schedule as it was: one ping
	// per PingInterval afterwards, not two.
	pings = h.A.count("Ping")
	h.run(20 * time.Second)
	assert.Equal(t, pings+2, h.A.count("Ping"))
}

func TestRecheckFindsBlackHoleWithinPingTimeout(t *testing.T) {
	h := newHarness(t, 23)
	h.start("A")
	h.run(time.Second)
	h.A.setBlackhole(true)
	m := h.mark()
	h.e.Recheck()
	// Without Recheck the next ping goes out in ~9 s and times out 5 s later.
	d, ok := h.runUntil(30*time.Second, func() bool {
		for _, c := range connEvents(h.eventsSince(m)) {
			if c.State == StateReconnecting {
				return true
			}
		}
		return false
	})
	require.True(t, ok)
	assert.LessOrEqual(t, d, 5*time.Second+100*time.Millisecond)
	assert.Equal(t, ReasonKeepaliveTimeout, connEvents(h.eventsSince(m))[0].Reason)
	_, ok = h.runUntil(30*time.Second, h.connectedTo("B"))
	require.True(t, ok)
}

func TestRecheckSeesCurrentSideOutOfService(t *testing.T) {
	h := newHarness(t, 24)
	h.start("A")
	h.run(time.Second)
	// The side goes out of service without a notification reaching us.
	h.A.with(func() { h.A.status = finesse.StatusOutOfService })
	m := h.mark()
	h.e.Recheck()
	h.settle()
	evs := connEvents(h.eventsSince(m))
	require.NotEmpty(t, evs)
	assert.Equal(t, StateReconnecting, evs[0].State)
	assert.Equal(t, ReasonOutOfService, evs[0].Reason)
	_, ok := h.runUntil(30*time.Second, h.connectedTo("B"))
	require.True(t, ok)
}

func TestRecheckIsANoOpBeforeStartAndAfterClose(t *testing.T) {
	h := newHarness(t, 25)
	h.e.Recheck()
	h.settle()
	assert.Zero(t, h.A.count("SystemInfo"), "not started: no I/O")
	h.start("A")
	h.e.Close()
	h.settle()
	polls, pings := h.A.count("SystemInfo"), h.A.count("Ping")
	h.e.Recheck()
	h.run(time.Minute)
	assert.Equal(t, polls, h.A.count("SystemInfo"))
	assert.Equal(t, pings, h.A.count("Ping"))
	assert.Equal(t, StateClosed, h.e.Snapshot().Connection.State)
}
