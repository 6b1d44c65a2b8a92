package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/finesse-ha/finesse-ha/internal/client"
	"github.com/finesse-ha/finesse-ha/internal/clock"
	"github.com/finesse-ha/finesse-ha/internal/httpx/nethttp"
	"github.com/finesse-ha/finesse-ha/internal/sim"
)

// stormOptions configures S18 (SPEC §5): agents clients on A, A is killed,
// every client must end re-synced on B, whose capacity is limited.
type stormOptions struct {
	agents   int
	capacity int           // B's capacity: REST requests + new BOSH sessions per second, 503 beyond
	limit    time.Duration // give up waiting for the last agent after this
	inFlight int           // logins on A allowed at once during set-up
}

// stormResult is one storm run.
type stormResult struct {
	jitter   time.Duration
	agents   int
	capacity int

	login        time.Duration   // set-up: first Start to the last agent connected on A
	onB          []time.Duration // per agent: kill to `connected` on B, for those that made it
	last         time.Duration   // kill to the last agent connected on B (0 if not all made it)
	peakRPS      int             // B: most HTTP requests in one wall-clock second (sim counter)
	peakWork     int             // B: most REST requests + new BOSH sessions in one second: what capacity counts
	peakPre      int             // B's peakRPS before the kill, so the peak above is known to be the storm's
	requests     uint64          // B: HTTP requests from the kill to the last agent on B
	status503    uint64          // B: 503 answers after the kill (capacityRejected: those because of capacity)
	capacity503  uint64
	unauthorized int           // agents that ended unauthorized (should be 0)
	load         string        // 1-minute load average when A was killed
	cpu          time.Duration // this process's CPU time from the kill to the last agent on B
	err          string
}

func (r stormResult) ok() bool { return r.err == "" && r.last > 0 }

func (r stormResult) summary() string {
	if r.err != "" {
		return fmt.Sprintf("S18 jitter %s: %d agents: FAILED: %s", jitterLabel(r.jitter), r.agents, r.err)
	}
	return fmt.Sprintf("S18 jitter %s: %d agents logged in on A in %s; last on B after %s; B peak %d req/s, %d work/s (capacity %d); %d 503s (%d capacity)",
		jitterLabel(r.jitter), r.agents, fmtDur(r.login), fmtDur(r.last), r.peakRPS, r.peakWork, r.capacity,
		r.status503, r.capacity503)
}

// stormAgent follows one client's connection events.
type stormAgent struct {
	killed  *atomic.Bool // shared: A has been killed
	onA     atomic.Bool  // connected on A now (the last connection event)
	onBAt   atomic.Int64 // unix nanos of the first `connected` on B after the kill, 0 before
	unauth  atomic.Bool
	aSignal chan struct{} // closed on the first `connected` on A
	aOnce   sync.Once
}

// newStormTransport is the one *http.Transport every storm client shares.
//
// Why one: 2,000 real agents are 2,000 browsers, each with its own pool,
// and no pool limit applies across them. One Transport without a per-host
// connection cap (MaxConnsPerHost 0) behaves the same way for what is
// measured: every concurrent request gets its own connection, none queues
// behind another agent's. What a per-client Transport would add is 2,000
// idle pools and their goroutines in this single process, which only costs
// the 2 cores the simulator needs. MaxIdleConnsPerHost is sized for 2,000
// clients × 2 BOSH requests + 1 REST request each, so connections are kept
// and reused instead of churning through loopback ports (TIME_WAIT).
func newStormTransport(agents int) *http.Transport {
	return &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        0, // no overall limit
		MaxIdleConnsPerHost: 3 * agents,
		MaxConnsPerHost:     0, // see above: no queueing behind other agents
		IdleConnTimeout:     90 * time.Second,
		ForceAttemptHTTP2:   false,
	}
}

// runStorm runs S18 once. Every client is internal/client, the engine the
// browser runs, in goroutines of this one process, which also hosts the
// simulator: both compete for the same cores, so the figures are an upper
// bound of what the client itself needs.
func runStorm(o stormOptions, jitter time.Duration) stormResult {
	r := stormResult{jitter: jitter, agents: o.agents, capacity: o.capacity}
	fail := func(format string, args ...any) stormResult {
		r.err = fmt.Sprintf(format, args...)
		return r
	}
	p, err := sim.New(sim.Config{Agents: o.agents, Password: password, BOSHMaxWait: 30 * time.Second})
	if err != nil {
		return fail("%v", err)
	}
	if err := p.Start(); err != nil {
		return fail("%v", err)
	}
	defer p.Close()
	ids := p.Agents()
	for _, id := range ids {
		if err := p.SignIn(id, true); err != nil {
			return fail("sign in %s: %v", id, err)
		}
	}

	tr := newStormTransport(o.agents)
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	agents := make([]*stormAgent, len(ids))
	clients := make([]*client.Client, 0, len(ids))
	defer func() {
		// Closing 2,000 engines one by one is slow; they are independent.
		var wg sync.WaitGroup
		for _, c := range clients {
			wg.Go(func() { _ = c.Close() })
		}
		wg.Wait()
	}()

	// Set-up: start the clients with at most inFlight logins under way, so
	// the log-in phase (not measured) does not time its own clients out.
	var killed atomic.Bool
	sem := make(chan struct{}, o.inFlight)
	setupStart := time.Now()
	setupDeadline := setupStart.Add(5 * time.Minute)
	for i, id := range ids {
		a := &stormAgent{killed: &killed, aSignal: make(chan struct{})}
		agents[i] = a
		c, err := client.New(clientConfig(p, id, jitter), nethttp.New(hc), clock.Real(), a.on)
		if err != nil {
			return fail("client %s: %v", id, err)
		}
		clients = append(clients, c)
		select {
		case sem <- struct{}{}:
		case <-time.After(time.Until(setupDeadline)):
			return fail("log-in on A: %d of %d agents connected after 5 min", countOnA(agents[:i]), len(ids))
		}
		go func() {
			select {
			case <-a.aSignal:
			case <-time.After(time.Until(setupDeadline)):
			}
			<-sem
		}()
		c.Start()
		if (i+1)%500 == 0 {
			progress("S18 jitter %s: %d/%d clients started, %d connected on A", jitterLabel(jitter), i+1, len(ids), countOnA(agents))
		}
	}
	for countOnA(agents) < len(agents) {
		if time.Now().After(setupDeadline) {
			return fail("log-in on A: %d of %d agents connected after 5 min", countOnA(agents), len(ids))
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.login = time.Since(setupStart)
	progress("S18 jitter %s: all %d agents connected on A in %s", jitterLabel(jitter), len(ids), fmtDur(r.login))
	// Let the log-in settle (held BOSH requests, first keepalives) so the
	// kill hits an idle fleet, as a real failure would.
	time.Sleep(2 * time.Second)

	if err := p.Apply(sim.Fault{Name: sim.FaultCapacity, Side: "B", N: o.capacity}); err != nil {
		return fail("capacity: %v", err)
	}
	before := p.B().Metrics()
	r.peakPre = before.PeakRPS

	if n := countOnA(agents); n < len(agents) {
		return fail("%d of %d agents left A before the kill (set-up overloaded?)", len(agents)-n, len(agents))
	}
	killed.Store(true)
	r.load = loadAverage()
	cpu0 := processCPU()
	t0 := time.Now()
	if err := p.Apply(sim.Fault{Name: sim.FaultKill, Side: "A"}); err != nil {
		return fail("kill A: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.limit)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	lastReport := time.Now()
	for {
		n := countOnB(agents)
		if n == len(agents) {
			break
		}
		if time.Since(lastReport) >= 5*time.Second {
			progress("S18 jitter %s: %d/%d agents on B after %s", jitterLabel(jitter), n, len(agents), fmtDur(time.Since(t0)))
			lastReport = time.Now()
		}
		select {
		case <-ctx.Done():
			r.cpu = processCPU() - cpu0
			r.collect(agents, t0)
			r.collectMetrics(before, p.B().Metrics())
			return fail("%d of %d agents re-synced on B within %s", n, len(agents), o.limit)
		case <-tick.C:
		}
	}
	r.cpu = processCPU() - cpu0
	r.collect(agents, t0)
	r.collectMetrics(before, p.B().Metrics())
	return r
}

// loadAverage is the 1-minute load average, or "?" where there is none.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	if f := strings.Fields(string(data)); len(f) > 0 {
		return f[0]
	}
	return "?"
}

func (r *stormResult) collect(agents []*stormAgent, t0 time.Time) {
	r.onB = r.onB[:0]
	for _, a := range agents {
		if at := a.onBAt.Load(); at > 0 {
			r.onB = append(r.onB, time.Unix(0, at).Sub(t0))
		}
		if a.unauth.Load() {
			r.unauthorized++
		}
	}
	sort.Slice(r.onB, func(i, j int) bool { return r.onB[i] < r.onB[j] })
	if len(r.onB) == len(agents) && len(agents) > 0 {
		r.last = r.onB[len(r.onB)-1]
	}
}

func (r *stormResult) collectMetrics(before, after sim.Metrics) {
	r.peakRPS, r.peakWork = after.PeakRPS, after.PeakWork
	r.requests = after.Requests - before.Requests
	r.status503 = after.Status503 - before.Status503
	r.capacity503 = after.CapacityRejected - before.CapacityRejected
}

func (a *stormAgent) on(ev client.Event) {
	e, ok := ev.(client.ConnectionEvent)
	if !ok {
		return
	}
	a.onA.Store(false)
	switch {
	case e.State == client.StateConnected && e.Side == client.SideA:
		a.onA.Store(true)
		a.aOnce.Do(func() { close(a.aSignal) })
	case e.State == client.StateConnected && e.Side == client.SideB:
		if a.killed.Load() {
			a.onBAt.CompareAndSwap(0, time.Now().UnixNano())
		}
	case e.State == client.StateUnauthorized:
		a.unauth.Store(true)
	}
}

func countOnA(agents []*stormAgent) int {
	n := 0
	for _, a := range agents {
		if a != nil && a.onA.Load() {
			n++
		}
	}
	return n
}

func countOnB(agents []*stormAgent) int {
	n := 0
	for _, a := range agents {
		if a.onBAt.Load() > 0 {
			n++
		}
	}
	return n
}

// fdsNeeded is a conservative count of the descriptors a storm needs (see
// raiseFileLimit).
func fdsNeeded(agents int) uint64 { return uint64(agents)*6 + 512 }

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s "+format+"\n", append([]any{time.Now().UTC().Format("15:04:05")}, args...)...)
}
