package sim

import (
	"fmt"
	"strings"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

// MaxFlood bounds one flood: every update is queued on every subscribed
// session at once (about 1.5 kB each), so a typo must not eat the memory.
const MaxFlood = 100_000

// FloodResult says what Flood queued.
type FloodResult struct {
	Side  string `json:"side"`  // A, B or both
	Agent string `json:"agent"` //
	Node  string `json:"node"`  // the agent's User node
	Count int    `json:"count"` // updates published per side
	// Delivered is how many messages were queued to sessions (count times
	// the agent's available sessions on the flooded sides), read from the
	// sides' counters, so an event published meanwhile may be counted too.
	Delivered uint64 `json:"delivered"`
	// FinalState is the state of the last update: the agent's real state,
	// which the flood does not change.
	FinalState finesse.AgentState `json:"finalState"`
}

// Flood publishes count User <Update> events for agent id on the named side's
// User node ("A", "B", or "both" when empty) as fast as the XMPP layer queues them, for
// the benchmark of what notifications cost a browser. The updates alternate
// between the agent's real state and another one (READY and NOT_READY), so
// each is a real change for a client, and the last one is the real state:
// after the flood a client agrees with GET User. It returns once every
// update is queued (delivery to the sockets goes on after).
//
// The contact center's lock is held meanwhile, so no real change of the
// agent interleaves with the flood.
func (p *Pair) Flood(side, id string, count int) (FloodResult, error) {
	var sides []*Side
	switch strings.ToUpper(strings.TrimSpace(side)) {
	case "A":
		side, sides = "A", []*Side{p.a}
	case "B":
		side, sides = "B", []*Side{p.b}
	case "BOTH", "":
		side, sides = "both", []*Side{p.a, p.b}
	default:
		return FloodResult{}, &FaultError{Msg: fmt.Sprintf("flood needs side A, B or both (got %q)", side)}
	}
	if count < 1 || count > MaxFlood {
		return FloodResult{}, &FaultError{Msg: fmt.Sprintf("flood count must be 1..%d (got %d)", MaxFlood, count)}
	}
	c := p.cc
	c.mu.Lock()
	defer c.mu.Unlock()
	a, err := c.agent(id)
	if err != nil {
		return FloodResult{}, &FaultError{Msg: fmt.Sprintf("unknown agent %q", id)}
	}
	alt := *a
	if a.state == finesse.StateReady {
		alt.state, alt.reason = finesse.StateNotReady, "1"
	} else {
		alt.state, alt.reason = finesse.StateReady, ""
	}
	node := userNode(a.id)
	render := func(x *agent) string {
		u := &update{node: node, event: finesse.EventPut, source: node, user: userDoc(x)}
		return u.render(false)
	}
	real, other := render(a), render(&alt)
	var before uint64
	for _, s := range sides {
		before += s.xmpp.Stats().Delivered
	}
	for i := range count {
		payload := real
		if (count-1-i)%2 == 1 {
			payload = other
		}
		for _, s := range sides {
			s.xmpp.Publish(node, payload)
		}
	}
	var after uint64
	for _, s := range sides {
		after += s.xmpp.Stats().Delivered
	}
	p.cfg.Logf("sim: flood side=%s agent=%s count=%d", side, id, count)
	return FloodResult{Side: side, Agent: a.id, Node: node, Count: count,
		Delivered: after - before, FinalState: a.state}, nil
}
