package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/finesse-ha/finesse-ha/internal/client"
	"github.com/finesse-ha/finesse-ha/internal/clock"
	"github.com/finesse-ha/finesse-ha/internal/failover"
	"github.com/finesse-ha/finesse-ha/internal/finesse"
	"github.com/finesse-ha/finesse-ha/internal/sim"
)

const (
	agent    = "1001001"
	password = "password"
	// noJitter is the floor: the engine's Policy takes a negative jitter as none.
	noJitter      = -1
	defaultJitter = 0 // zero: the engine's default (0-2 s)
)

// scenario is one row of SPEC §5 that can be injected as a single fault on A.
type scenario struct {
	id, title string
	fault     sim.FaultName
	target    time.Duration // SPEC §7 target for p95, 0 where none is set
	anchor    string
	limit     time.Duration // a run slower than this counts as failed
}

var scenarios = []scenario{
	{"S1", "side A process dies (connection refused)", sim.FaultKill, 3 * time.Second,
		"documented connector: 180-240 s; Cisco desktop polls every 10 s", 30 * time.Second},
	{"S2", "A's notification service down, REST up", sim.FaultNotificationDown, 0, "—", 30 * time.Second},
	{"S3", "A's webapp down: `finesse` presence unavailable", sim.FaultPresenceUnavailable, 0, "—", 30 * time.Second},
	{"S4", "A loses CTI: OUT_OF_SERVICE", sim.FaultOutOfService, 0, "—", 30 * time.Second},
	{"S6", "silent black hole on A", sim.FaultBlackhole, 30 * time.Second, "none documented", 60 * time.Second},
}

type scenarioResult struct {
	sc         scenario
	jitter     time.Duration
	latencies  []time.Duration
	roundTrips []int
	failed     int
	errs       []string
}

func (r scenarioResult) jitterLabel() string {
	if r.jitter == noJitter {
		return "0"
	}
	return "0-2 s (default)"
}

// stat formats a percentile of the latencies, or a dash when no run succeeded.
func (r scenarioResult) stat(p int) string {
	if len(r.latencies) == 0 {
		return "—"
	}
	return fmtDur(percentile(r.latencies, p))
}

func (r scenarioResult) summary() string {
	return fmt.Sprintf("%s jitter %s: %d ok, %d failed, median %s p95 %s max %s",
		r.sc.id, r.jitterLabel(), len(r.latencies), r.failed,
		r.stat(50), r.stat(95), r.stat(100))
}

func runScenario(sc scenario, jitter time.Duration, n int) scenarioResult {
	r := scenarioResult{sc: sc, jitter: jitter}
	for i := 0; i < n; i++ {
		d, trips, err := runOnce(sc, jitter)
		if err != nil {
			r.failed++
			r.errs = append(r.errs, err.Error())
			continue
		}
		r.latencies = append(r.latencies, d)
		r.roundTrips = append(r.roundTrips, trips)
	}
	return r
}

// countingDoer counts HTTP round trips (REST and BOSH) once armed.
type countingDoer struct {
	inner *http.Client
	armed atomic.Bool
	n     atomic.Int64
}

func (c *countingDoer) Do(req *http.Request) (*http.Response, error) {
	if c.armed.Load() {
		c.n.Add(1)
	}
	return c.inner.Do(req)
}

// watcher turns the client's events into "connected on side X" signals and
// counts dialog additions per call.
type watcher struct {
	mu        sync.Mutex
	connected map[string]chan time.Time
	added     map[string]int
	doer      *countingDoer
	tripsAtB  int64 // round trips counted when `connected` on B arrived
}

func newWatcher() *watcher {
	return &watcher{
		connected: map[string]chan time.Time{"A": make(chan time.Time, 8), "B": make(chan time.Time, 8)},
		added:     map[string]int{},
	}
}

func (w *watcher) on(ev failover.Event) {
	now := time.Now()
	switch e := ev.(type) {
	case failover.ConnectionEvent:
		if e.State == failover.StateConnected {
			if e.Side == "B" && w.doer != nil {
				w.mu.Lock()
				w.tripsAtB = w.doer.n.Load()
				w.mu.Unlock()
			}
			if ch, ok := w.connected[e.Side]; ok {
				select {
				case ch <- now:
				default:
				}
			}
		}
	case failover.DialogEvent:
		if e.Action == failover.DialogAdded {
			w.mu.Lock()
			w.added[e.Dialog.CallKey]++
			w.mu.Unlock()
		}
	}
}

func runOnce(sc scenario, jitter time.Duration) (time.Duration, int, error) {
	p, err := sim.New(sim.Config{Password: password, BOSHMaxWait: 30 * time.Second})
	if err != nil {
		return 0, 0, err
	}
	if err := p.Start(); err != nil {
		return 0, 0, err
	}
	defer p.Close()
	if err := p.SignIn(agent, true); err != nil {
		return 0, 0, err
	}

	doer := &countingDoer{inner: &http.Client{}}
	defer doer.inner.CloseIdleConnections()
	w := newWatcher()
	w.doer = doer
	policy := failover.Policy{Jitter: jitter}
	cfg := client.Config{
		Sides: []client.SideConfig{
			{REST: p.A().URL(), BOSH: p.A().BOSHURL()},
			{REST: p.B().URL(), BOSH: p.B().BOSHURL()},
		},
		AgentID: agent, Extension: agent,
		Auth:          finesse.Auth{Username: agent, Password: password},
		Transport:     "bosh",
		AllowInsecure: true,
		Policy:        policy,
	}
	c, err := client.New(cfg, doer, clock.Real(), w.on)
	if err != nil {
		return 0, 0, err
	}
	c.Start()
	defer func() { _ = c.Close() }()

	if _, err := waitFor(w.connected["A"], 15*time.Second); err != nil {
		return 0, 0, fmt.Errorf("initial connect on A: %w", err)
	}
	if _, err := p.OfferCall(agent); err != nil {
		return 0, 0, err
	}
	callKey, err := waitForCall(c, 10*time.Second)
	if err != nil {
		return 0, 0, err
	}

	doer.armed.Store(true)
	t0 := time.Now()
	if err := p.Apply(sim.Fault{Name: sc.fault, Side: "A"}); err != nil {
		return 0, 0, err
	}
	t1, err := waitFor(w.connected["B"], sc.limit)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: not connected on B: %w", sc.id, err)
	}
	w.mu.Lock()
	trips := int(w.tripsAtB)
	w.mu.Unlock()

	snap := c.Snapshot()
	found := false
	for _, d := range snap.Dialogs {
		if d.CallKey == callKey {
			found = len(d.CallVariables) > 0
		}
	}
	if !found {
		return 0, 0, fmt.Errorf("%s: the call or its call variables are missing after failover", sc.id)
	}
	w.mu.Lock()
	adds := w.added[callKey]
	w.mu.Unlock()
	if adds != 1 {
		return 0, 0, fmt.Errorf("%s: call added %d times, want 1", sc.id, adds)
	}
	return t1.Sub(t0), trips, nil
}

func waitFor(ch <-chan time.Time, d time.Duration) (time.Time, error) {
	select {
	case t := <-ch:
		return t, nil
	case <-time.After(d):
		return time.Time{}, fmt.Errorf("timed out after %s", d)
	}
}

// waitForCall waits until the client knows one live call and returns its key.
func waitForCall(c *client.Client, d time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for {
		if ds := c.Snapshot().Dialogs; len(ds) == 1 {
			return ds[0].CallKey, nil
		}
		select {
		case <-ctx.Done():
			return "", errors.New("the offered call never reached the client")
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := (len(s)*p + 99) / 100
	if i < 1 {
		i = 1
	}
	return s[i-1]
}

func medianInt(xs []int) int {
	if len(xs) == 0 {
		return 0
	}
	s := append([]int(nil), xs...)
	sort.Ints(s)
	return s[len(s)/2]
}

func fmtDur(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}
