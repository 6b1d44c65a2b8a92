package main

import (
	"cmp"
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
	"github.com/finesse-ha/finesse-ha/internal/httpx/nethttp"
	"github.com/finesse-ha/finesse-ha/internal/sim"
	"github.com/finesse-ha/finesse-ha/internal/testkit/benchscenario"
	"github.com/finesse-ha/finesse-ha/internal/ws/native"
)

const (
	agent    = "1001001"
	password = "password"
	// noJitter is the floor: the engine's Policy takes a negative jitter as none.
	noJitter      = -1
	defaultJitter = 0 // zero: the engine's default (0-2 s)
)

// scenario is one timed row of SPEC §5, shared with the browser bench.
type scenario = benchscenario.Scenario

var scenarios = benchscenario.All

type scenarioResult struct {
	sc         scenario
	jitter     time.Duration
	latencies  []time.Duration
	roundTrips []int
	failed     int
	errs       []string
}

func (r scenarioResult) jitterLabel() string { return jitterLabel(r.jitter) }

func jitterLabel(j time.Duration) string {
	if j == noJitter {
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
		r.sc.ID, r.jitterLabel(), len(r.latencies), r.failed,
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

// countingTransport counts HTTP round trips (REST, BOSH, a WebSocket
// upgrade) once armed. It wraps the RoundTripper rather than the client's
// Doer so that anything given the same *http.Client is counted too.
type countingTransport struct {
	inner http.RoundTripper
	armed atomic.Bool
	n     atomic.Int64
}

func (c *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if c.armed.Load() {
		c.n.Add(1)
	}
	return c.inner.RoundTrip(req)
}

// watcher turns the client's events into "connected on side X" signals and
// counts dialog additions per call.
type watcher struct {
	mu        sync.Mutex
	connected map[string]chan time.Time
	added     map[string]int
	counter   *countingTransport
	trips     map[string]int64  // round trips counted when `connected` on each side last arrived
	transport map[string]string // the transport of the last `connected` on each side
}

func newWatcher() *watcher {
	return &watcher{
		connected: map[string]chan time.Time{"A": make(chan time.Time, 8), "B": make(chan time.Time, 8)},
		added:     map[string]int{},
		trips:     map[string]int64{},
		transport: map[string]string{},
	}
}

func (w *watcher) on(ev client.Event) {
	now := time.Now()
	switch e := ev.(type) {
	case client.ConnectionEvent:
		if e.State == client.StateConnected {
			w.mu.Lock()
			side := string(e.Side)
			if w.counter != nil {
				w.trips[side] = w.counter.n.Load()
			}
			w.transport[side] = string(e.Transport)
			w.mu.Unlock()
			if ch, ok := w.connected[side]; ok {
				select {
				case ch <- now:
				default:
				}
			}
		}
	case client.DialogEvent:
		if e.Action == client.DialogAdded {
			w.mu.Lock()
			w.added[e.Dialog.CallKey]++
			w.mu.Unlock()
		}
	}
}

func runOnce(sc scenario, jitter time.Duration) (time.Duration, int, error) {
	p, err := sim.New(sim.Config{Mode: sc.Mode, Password: password, BOSHMaxWait: 30 * time.Second})
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
	if sc.Setup != nil {
		if err := sc.Setup(p); err != nil {
			return 0, 0, err
		}
	}

	tr := http.DefaultTransport.(*http.Transport).Clone()
	defer tr.CloseIdleConnections()
	counter := &countingTransport{inner: tr}
	doer := &http.Client{Transport: counter}
	w := newWatcher()
	w.counter = counter
	cfg := clientConfig(p, agent, jitter)
	var opts []client.Option
	if sc.Transport == string(client.TransportWebSocket) {
		cfg.Transport, cfg.NoFallback = client.TransportWebSocket, true
		cfg.Sides[0].WebSocket, cfg.Sides[1].WebSocket = p.A().WSURL(), p.B().WSURL()
		// Through doer, so that the upgrade is counted as a round trip.
		opts = append(opts, client.WithWebSocket(native.NewDialer(doer)))
	}
	c, err := client.New(cfg, nethttp.New(doer), clock.Real(), w.on, opts...)
	if err != nil {
		return 0, 0, err
	}
	c.Start()
	defer func() { _ = c.Close() }()

	if _, err := waitFor(w.connected[sc.From], 15*time.Second); err != nil {
		return 0, 0, fmt.Errorf("initial connect on %s: %w", sc.From, err)
	}
	if _, err := p.OfferCall(agent); err != nil {
		return 0, 0, err
	}
	callKey, err := waitForCall(c, 10*time.Second)
	if err != nil {
		return 0, 0, err
	}
	if sc.Arm != nil {
		if err := sc.Arm(p); err != nil {
			return 0, 0, err
		}
	}

	counter.armed.Store(true)
	t0 := time.Now()
	if err := sc.Inject(p); err != nil {
		return 0, 0, err
	}
	t1, err := waitFor(w.connected[sc.To], sc.Limit)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: not connected on %s: %w", sc.ID, sc.To, err)
	}
	w.mu.Lock()
	trips := int(w.trips[sc.To])
	transport := w.transport[sc.To]
	w.mu.Unlock()
	if want := cmp.Or(sc.Transport, string(client.TransportBOSH)); transport != want {
		return 0, 0, fmt.Errorf("%s: connected on %s over %q, want %q", sc.ID, sc.To, transport, want)
	}

	snap := c.Snapshot()
	found := false
	for _, d := range snap.Dialogs {
		if d.CallKey == callKey {
			found = len(d.CallVariables) > 0
		}
	}
	if !found {
		return 0, 0, fmt.Errorf("%s: the call or its call variables are missing after failover", sc.ID)
	}
	w.mu.Lock()
	adds := w.added[callKey]
	w.mu.Unlock()
	if adds != 1 {
		return 0, 0, fmt.Errorf("%s: call added %d times, want 1", sc.ID, adds)
	}
	return t1.Sub(t0), trips, nil
}

// clientConfig is one agent's client over both sides of p, A listed first
// as a page would.
func clientConfig(p *sim.Pair, id string, jitter time.Duration) client.Config {
	return client.Config{
		Sides: []client.SideConfig{
			{REST: p.A().URL(), BOSH: p.A().BOSHURL()},
			{REST: p.B().URL(), BOSH: p.B().BOSHURL()},
		},
		AgentID: id, Extension: id,
		Auth:          finesse.Auth{Username: id, Password: password},
		Transport:     client.TransportBOSH,
		AllowInsecure: true,
		Policy:        failover.Policy{Jitter: jitter},
	}
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
