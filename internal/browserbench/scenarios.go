package browserbench

import (
	"time"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
	"github.com/finesse-ha/finesse-ha/internal/sim"
)

// scenario is one SPEC §5 row timed as one fault: the client starts on
// side from with a call up and must end re-synced on side to. The table
// mirrors cmd/finesse-bench's native one (a main package cannot be
// imported), so the browser and native rows measure the same thing.
type scenario struct {
	id, title string
	mode      finesse.DeploymentType // UCCE if empty
	transport string                 // the client's notification transport; "bosh" if empty
	from, to  string
	// setup runs before the client starts, arm after the call is up and
	// before the clock starts; inject is the timed fault.
	setup, arm, inject func(*sim.Pair) error
	target, anchor     string
	limit              time.Duration // slower counts as failed
	slow               bool          // keepalive-bound: BlackholeRuns, in the background
}

func onA(fault sim.FaultName) func(*sim.Pair) error {
	return func(p *sim.Pair) error { return p.Apply(sim.Fault{Name: fault, Side: "A"}) }
}

func pairFault(f sim.Fault) func(*sim.Pair) error {
	return func(p *sim.Pair) error { return p.Apply(f) }
}

var scenarios = []scenario{
	{id: "S1", title: "side A process dies (connection refused)", from: "A", to: "B",
		inject: onA(sim.FaultKill), target: "p95 ≤ 3 s",
		anchor: "documented connector: 180-240 s; Cisco desktop polls every 10 s", limit: 30 * time.Second},
	{id: "S1-WS", title: "side A process dies (connection refused), over WebSocket", transport: "websocket", from: "A", to: "B",
		inject: onA(sim.FaultKill), target: "p95 ≤ 3 s",
		anchor: "documented connector: 180-240 s; Cisco desktop polls every 10 s", limit: 30 * time.Second},
	{id: "S2", title: "A's notification service down, REST up", from: "A", to: "B",
		inject: onA(sim.FaultNotificationDown), limit: 30 * time.Second},
	{id: "S3", title: "A's webapp down: `finesse` presence unavailable", from: "A", to: "B",
		inject: onA(sim.FaultPresenceUnavailable), limit: 30 * time.Second},
	{id: "S4", title: "A loses CTI: OUT_OF_SERVICE", from: "A", to: "B",
		inject: onA(sim.FaultOutOfService), limit: 30 * time.Second},
	{id: "S10", title: "UCCX island heals, B drops mastership", mode: finesse.DeploymentUCCX, from: "B", to: "A",
		setup: pairFault(sim.Fault{Name: sim.FaultMaster, Side: "B"}), arm: pairFault(sim.Fault{Name: sim.FaultIsland}),
		inject: pairFault(sim.Fault{Name: sim.FaultHeal}), limit: 30 * time.Second},
	{id: "S6", title: "silent black hole on A", from: "A", to: "B",
		inject: onA(sim.FaultBlackhole), target: "p95 ≤ 30 s", anchor: "none documented",
		limit: 60 * time.Second, slow: true},
}
