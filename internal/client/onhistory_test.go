package client

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/clock"
	"github.com/finesse-ha/finesse-ha/internal/finesse"
	"github.com/finesse-ha/finesse-ha/internal/httpx"
)

// unreachable is a network where no side answers.
type unreachable struct{}

func (unreachable) Do(*httpx.Request) (*httpx.Response, error) {
	return nil, errors.New("connection refused")
}

// OnHistory is called once per entry, events or not: a side that cannot
// be reached is polled, which is history with no event of its own, and
// each poll round is one more call, in virtual time.
func TestOnHistoryIsCalledForEveryEntry(t *testing.T) {
	var calls, events atomic.Int32
	clk := clock.NewVirtual(goldenTime)
	cfg := Config{
		Sides:   []SideConfig{{REST: "https://fin-a.example.com:8445", BOSH: "https://fin-a.example.com:7443/http-bind/"}},
		AgentID: "1001001",
		Auth:    finesse.Auth{Username: "1001001", Password: "pw-hook"},
	}
	c, err := New(cfg, unreachable{}, clk, func(Event) { events.Add(1) }, OnHistory(func() { calls.Add(1) }))
	require.NoError(t, err)
	c.Start()
	t.Cleanup(func() { _ = c.Close() })
	inStep := func() bool { return int(calls.Load()) == len(c.History()) }
	polls := func() int {
		n := 0
		for _, e := range c.History() {
			if e.What == HistoryPoll {
				n++
			}
		}
		return n
	}
	require.Eventually(t, func() bool { return polls() > 0 && inStep() }, 5*time.Second, time.Millisecond, "one call per entry after the first poll")

	before, eventsBefore := polls(), events.Load()
	require.Eventually(t, func() bool {
		clk.Advance(time.Second)
		return polls() > before
	}, 5*time.Second, time.Millisecond, "a second poll round")
	require.Eventually(t, inStep, 5*time.Second, time.Millisecond, "one call per entry after the second poll round")
	assert.Equal(t, eventsBefore, events.Load(), "the next poll round came with no event")
}
