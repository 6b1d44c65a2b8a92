// Package benchscenario is the one table of SPEC §5 scenarios that the
// benchmarks time as a single fault: cmd/finesse-bench runs it with native
// clients, internal/testkit/browserbench in headless Chromium, so that both rows
// of a scenario measure the same thing.
package benchscenario

import (
	"fmt"
	"time"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
	"github.com/finesse-ha/finesse-ha/internal/sim"
)

// Scenario is one row of SPEC §5 measured as one timed fault. The client
// starts on side From, with a call up, and must end re-synced on side To.
type Scenario struct {
	ID, Title string
	Mode      finesse.DeploymentType // UCCE if empty
	From, To  string                 // "A" or "B"
	// Setup runs before the client starts (e.g. make B the UCCX master so
	// that the client starts there); Arm runs after the call is up and
	// before the clock starts; Inject is the timed fault.
	Setup, Arm, Inject func(*sim.Pair) error
	Target             time.Duration // SPEC §7 target for p95, 0 where none is set
	Anchor             string        // "—" where none is documented
	Limit              time.Duration // a run slower than this counts as failed
	// TimerBound marks rows whose seconds are spent waiting on timers
	// (transport retry backoff, keepalive) at almost no CPU: the benches
	// run them concurrently with the others.
	TimerBound bool
	// Blackhole marks the row that waits for a keepalive timeout; it gets
	// fewer runs.
	Blackhole bool
	Transport string // "websocket" for the WebSocket rows; BOSH otherwise
}

// TargetText is the target as a table cell.
func (s Scenario) TargetText() string {
	if s.Target == 0 {
		return "—"
	}
	return fmt.Sprintf("p95 ≤ %d s", int(s.Target/time.Second))
}

// onA is the common case: the client works on A and one fault hits A.
func onA(fault sim.FaultName) func(*sim.Pair) error {
	return func(p *sim.Pair) error { return p.Apply(sim.Fault{Name: fault, Side: "A"}) }
}

func pairFault(f sim.Fault) func(*sim.Pair) error {
	return func(p *sim.Pair) error { return p.Apply(f) }
}

const s1Anchor = "documented connector: 180-240 s; Cisco desktop polls every 10 s"

// All is every timed scenario, in report order.
var All = []Scenario{
	{ID: "S1", Title: "side A process dies (connection refused)", From: "A", To: "B",
		Inject: onA(sim.FaultKill), Target: 3 * time.Second, Anchor: s1Anchor, Limit: 30 * time.Second},
	// S1 again over the WebSocket transport (RFC 7395), fallback to BOSH
	// off so that the row is WebSocket only: issue 8's "S1 latency for
	// both transports".
	{ID: "S1-WS", Title: "side A process dies (connection refused), over WebSocket", From: "A", To: "B",
		Inject: onA(sim.FaultKill), Target: 3 * time.Second, Transport: "websocket", Anchor: s1Anchor, Limit: 30 * time.Second},
	{ID: "S2", Title: "A's notification service down, REST up", From: "A", To: "B",
		Inject: onA(sim.FaultNotificationDown), Anchor: "—", Limit: 30 * time.Second, TimerBound: true},
	{ID: "S3", Title: "A's webapp down: `finesse` presence unavailable", From: "A", To: "B",
		Inject: onA(sim.FaultPresenceUnavailable), Anchor: "—", Limit: 30 * time.Second},
	{ID: "S4", Title: "A loses CTI: OUT_OF_SERVICE", From: "A", To: "B",
		Inject: onA(sim.FaultOutOfService), Anchor: "—", Limit: 30 * time.Second},
	// S10 as the e2e test runs it: B is made UCCX master before the client
	// starts (A standby is OUT_OF_SERVICE, so the client settles on B), the
	// island makes A master too (the client stays on B, S9), and the timed
	// fault is the heal: B drops mastership and must be left for A.
	{ID: "S10", Title: "UCCX island heals, B drops mastership", Mode: finesse.DeploymentUCCX, From: "B", To: "A",
		Setup: pairFault(sim.Fault{Name: sim.FaultMaster, Side: "B"}), Arm: pairFault(sim.Fault{Name: sim.FaultIsland}),
		Inject: pairFault(sim.Fault{Name: sim.FaultHeal}), Anchor: "—", Limit: 30 * time.Second},
	{ID: "S6", Title: "silent black hole on A", From: "A", To: "B",
		Inject: onA(sim.FaultBlackhole), Target: 30 * time.Second, Anchor: "none documented",
		Limit: 60 * time.Second, TimerBound: true, Blackhole: true},
}
