package sim

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

// center is the contact center behind both sides: agents, calls and call
// data, shared like the CTI server a duplex Finesse pair talks to. A change
// made through either side is published on both; that is what makes UCCE
// active/active.
//
// Every method takes mu; publish is called with mu held so that events
// leave in the order the changes happened. It only queues, never blocks.
type center struct {
	cfg     Config
	publish func(*update)

	mu     sync.Mutex
	agents map[string]*agent
	calls  map[string]*call
	ready  []*agent // agents in READY, for the call generator: O(1) pick and removal
	seq    uint64
	rng    *rand.Rand
	closed bool
}

type agent struct {
	id       string
	ext      string
	state    finesse.AgentState
	reason   string // reasonCodeId of the state
	pending  finesse.AgentState
	pendReas string
	changed  time.Time
	calls    []*call
	// The state the agent returns to when its last call ends.
	afterCall       finesse.AgentState
	afterCallReason string
	readyIdx        int // index in center.ready, -1 when not READY
}

type call struct {
	id        string
	agent     *agent
	inbound   bool
	from, to  string
	dnis      string
	callType  finesse.CallType
	vars      []finesse.CallVariable
	keyCallID string
	state     finesse.DialogState
	held      bool
	started   time.Time
	changed   time.Time
	timer     *time.Timer
}

// Reason codes the simulator knows by name; any other numeric id is accepted.
var reasonLabels = map[string]string{
	"1":                            "Break",
	"2":                            "Lunch",
	"3":                            "Team Meeting",
	finesse.ForcedLogoutReasonCode: "Forced Logout",
}

func newCenter(cfg Config, publish func(*update)) *center {
	c := &center{
		cfg:     cfg,
		publish: publish,
		agents:  make(map[string]*agent, cfg.Agents),
		calls:   make(map[string]*call),
		rng:     rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0x5eed)),
	}
	now := time.Now()
	for _, id := range cfg.agentIDs() {
		c.agents[id] = &agent{id: id, ext: id, state: finesse.StateLogout, changed: now, readyIdx: -1}
	}
	return c
}

func (c *center) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for _, cl := range c.calls {
		if cl.timer != nil {
			cl.timer.Stop()
		}
	}
}

// errNoReadyAgent is OfferCall's answer when nobody can take a call.
var errNoReadyAgent = errors.New("sim: no agent is READY")

// setState moves a to st, keeping the ready index current.
func (c *center) setState(a *agent, st finesse.AgentState, reason string) {
	if a.state == finesse.StateReady && st != finesse.StateReady {
		last := c.ready[len(c.ready)-1]
		c.ready[a.readyIdx] = last
		last.readyIdx = a.readyIdx
		c.ready = c.ready[:len(c.ready)-1]
		a.readyIdx = -1
	}
	if st == finesse.StateReady && a.state != finesse.StateReady {
		a.readyIdx = len(c.ready)
		c.ready = append(c.ready, a)
	}
	a.state, a.reason, a.changed = st, reason, time.Now()
}

func (c *center) agent(id string) (*agent, error) {
	a := c.agents[id]
	if a == nil {
		return nil, &apiError{status: http.StatusNotFound, typ: "Not Found", msg: "User not found", data: id}
	}
	return a, nil
}

// readAgent returns doc(agent id), built under the center's lock.
func readAgent[T any](c *center, id string, doc func(*agent) T) (T, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, err := c.agent(id)
	if err != nil {
		var zero T
		return zero, err
	}
	return doc(a), nil
}

// user returns the User document of id.
func (c *center) user(id string) (*finesse.User, error) { return readAgent(c, id, userDoc) }

// dialogs returns the live dialogs of agent id.
func (c *center) dialogs(id string) (*finesse.Dialogs, error) {
	return readAgent(c, id, func(a *agent) *finesse.Dialogs {
		ds := &finesse.Dialogs{Dialogs: make([]finesse.Dialog, 0, len(a.calls))}
		for _, cl := range a.calls {
			ds.Dialogs = append(ds.Dialogs, *dialogDoc(cl))
		}
		return ds
	})
}

// dialog returns dialog id if owner takes part in it.
func (c *center) dialog(id, owner string) (*finesse.Dialog, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cl, err := c.callOf(id, owner)
	if err != nil {
		return nil, err
	}
	return dialogDoc(cl), nil
}

func (c *center) callOf(id, owner string) (*call, error) {
	cl := c.calls[id]
	// A dialog of another agent does not exist for this one.
	if cl == nil || (owner != "" && cl.agent.id != owner) {
		return nil, &apiError{status: http.StatusNotFound, typ: "Not Found", msg: "Dialog not found", data: id}
	}
	return cl, nil
}

// userChange is the body of PUT /finesse/api/User/{id}.
type userChange struct {
	State        finesse.AgentState
	Extension    string
	ReasonCodeID string
}

func invalidState(what string) error {
	return &apiError{status: http.StatusBadRequest, typ: "Invalid State", msg: "Invalid state change request", data: what}
}

func invalidInput(field, msg string) error {
	return &apiError{status: http.StatusBadRequest, typ: "Invalid Input", msg: msg, data: field}
}

// changeState applies a state change request and publishes the result.
func (c *center) changeState(id string, ch userChange, requestID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, err := c.agent(id)
	if err != nil {
		return err
	}
	if ch.ReasonCodeID != "" {
		if n, err := strconv.Atoi(ch.ReasonCodeID); err != nil || n < 0 {
			return invalidInput("reasonCodeId", "reasonCodeId must be a number")
		}
	}
	switch ch.State {
	case finesse.StateLogin:
		if ch.Extension == "" {
			return invalidInput("extension", "extension is required to sign in")
		}
		// Signing in a signed-in agent keeps the state (Finesse's rule,
		// which makes LOGIN after a failover safe).
		if a.state == finesse.StateLogout {
			a.ext = ch.Extension
			c.setState(a, finesse.StateNotReady, "")
		}
	case finesse.StateReady, finesse.StateNotReady:
		if a.state == finesse.StateLogout {
			return invalidState(string(a.state) + " -> " + string(ch.State))
		}
		reason := ""
		if ch.State == finesse.StateNotReady {
			reason = ch.ReasonCodeID
		}
		if len(a.calls) > 0 {
			a.pending, a.pendReas = ch.State, reason
		} else {
			a.pending, a.pendReas = "", ""
			c.setState(a, ch.State, reason)
		}
	case finesse.StateLogout:
		if len(a.calls) > 0 {
			return invalidState("cannot sign out during a call")
		}
		a.pending, a.pendReas = "", ""
		c.setState(a, finesse.StateLogout, ch.ReasonCodeID)
	default:
		return invalidInput("state", "unsupported state "+strconv.Quote(string(ch.State)))
	}
	c.pubUser(a, requestID)
	return nil
}

// forceLogout signs agent id (every signed-in agent if id is empty) out with
// reason code 255, as Finesse does when a desktop's presence stays
// unavailable. Calls are left alone (LOAD=0 semantics for the call itself).
func (c *center) forceLogout(id string) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	targets := make([]*agent, 0, 1)
	if id != "" {
		a, err := c.agent(id)
		if err != nil {
			return 0, err
		}
		targets = append(targets, a)
	} else {
		for _, a := range c.agents {
			targets = append(targets, a)
		}
	}
	n := 0
	for _, a := range targets {
		if a.state == finesse.StateLogout {
			continue
		}
		a.pending, a.pendReas = "", ""
		c.setState(a, finesse.StateLogout, finesse.ForcedLogoutReasonCode)
		c.pubUser(a, "")
		n++
	}
	return n, nil
}

// offer rings an incoming call at agent id, or at a random READY agent.
func (c *center) offer(id string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return "", errors.New("sim: closed")
	}
	var a *agent
	if id != "" {
		var err error
		if a, err = c.agent(id); err != nil {
			return "", err
		}
		if a.state != finesse.StateReady {
			return "", fmt.Errorf("sim: agent %s is %s, not READY", id, a.state)
		}
	} else {
		if len(c.ready) == 0 {
			return "", errNoReadyAgent
		}
		a = c.ready[c.rng.IntN(len(c.ready))]
	}
	cl := c.newCall(a, true)
	n := cl.keyCallID
	cl.from = fmt.Sprintf("0612%06d", c.seq%1000000)
	cl.to = a.ext
	cl.dnis = "8000"
	cl.callType = finesse.CallACDIn
	cl.state = finesse.DialogAlerting
	cl.vars = []finesse.CallVariable{
		{Name: "callVariable1", Value: "Customer " + n},
		{Name: "callVariable2", Value: "AC" + n},
		{Name: "callVariable3", Value: cl.from},
		{Name: "callVariable4", Value: "Sales"},
	}
	for i := 5; i <= 10; i++ {
		cl.vars = append(cl.vars, finesse.CallVariable{Name: "callVariable" + strconv.Itoa(i), Value: fmt.Sprintf("cv%d-%s", i, n)})
	}
	cl.vars = append(cl.vars,
		finesse.CallVariable{Name: "user.CustomerId", Value: "C" + n},
		finesse.CallVariable{Name: "user.Language", Value: "en-US"},
		finesse.CallVariable{Name: "user.CaseNumber", Value: "CS" + n},
	)
	a.afterCall, a.afterCallReason = finesse.StateReady, ""
	c.setState(a, finesse.StateReserved, "")
	c.pubDialog(cl, finesse.EventPost, "")
	c.pubUser(a, "")
	switch {
	case c.cfg.AutoAnswer > 0 && (c.cfg.RingTimeout == 0 || c.cfg.AutoAnswer < c.cfg.RingTimeout):
		cl.timer = time.AfterFunc(c.cfg.AutoAnswer, func() { c.onTimer(cl, finesse.DialogAlerting, finesse.ActionAnswer) })
	case c.cfg.RingTimeout > 0:
		cl.timer = time.AfterFunc(c.cfg.RingTimeout, func() { c.onTimer(cl, finesse.DialogAlerting, finesse.ActionDrop) })
	}
	return cl.id, nil
}

// makeCall starts an outbound call from agent id (POST .../Dialogs).
func (c *center) makeCall(id, to, from, requestID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, err := c.agent(id)
	if err != nil {
		return err
	}
	if to == "" {
		return invalidInput("toAddress", "toAddress is required")
	}
	if from != "" && from != a.ext {
		return invalidInput("fromAddress", "fromAddress must be the agent's extension")
	}
	if a.state != finesse.StateNotReady || len(a.calls) > 0 {
		return invalidState("MAKE_CALL needs NOT_READY and no call, agent is " + string(a.state))
	}
	cl := c.newCall(a, false)
	cl.from, cl.to, cl.dnis = a.ext, to, to
	cl.callType = finesse.CallOut
	cl.state = finesse.DialogInitiated
	a.afterCall, a.afterCallReason = a.state, a.reason
	c.pubDialog(cl, finesse.EventPost, requestID)
	if c.cfg.OutboundConnect < 0 {
		c.connect(cl)
	} else {
		cl.timer = time.AfterFunc(c.cfg.OutboundConnect, func() { c.onTimer(cl, finesse.DialogInitiated, "CONNECT") })
	}
	return nil
}

func (c *center) newCall(a *agent, inbound bool) *call {
	c.seq++
	now := time.Now()
	cl := &call{
		id:        strconv.FormatUint(16777216+c.seq, 10),
		agent:     a,
		inbound:   inbound,
		keyCallID: strconv.FormatUint(c.seq, 10),
		started:   now,
		changed:   now,
	}
	c.calls[cl.id] = cl
	a.calls = append(a.calls, cl)
	return cl
}

// onTimer runs a scheduled step if the call is still where it was.
func (c *center) onTimer(cl *call, want finesse.DialogState, action string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.calls[cl.id] != cl || cl.state != want {
		return
	}
	cl.timer = nil
	switch action {
	case finesse.ActionAnswer:
		c.answer(cl, "")
	case finesse.ActionDrop:
		c.drop(cl, "")
	case "CONNECT":
		c.connect(cl)
	}
}

// act applies a call control request (PUT /finesse/api/Dialog/{id}).
func (c *center) act(id, owner, action, target, requestID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	cl, err := c.callOf(id, owner)
	if err != nil {
		return err
	}
	if target != "" && target != cl.agent.ext {
		return invalidInput("targetMediaAddress", "targetMediaAddress is not the agent's extension")
	}
	switch action {
	case finesse.ActionAnswer:
		if cl.state != finesse.DialogAlerting {
			return invalidState("ANSWER on a " + string(cl.state) + " dialog")
		}
		c.answer(cl, requestID)
	case finesse.ActionHold:
		if cl.state != finesse.DialogActive || cl.held {
			return invalidState("HOLD needs an active, unheld call")
		}
		cl.held, cl.changed = true, time.Now()
		c.pubDialog(cl, finesse.EventPut, requestID)
		if c.cfg.Mode == finesse.DeploymentUCCE { // UCCX keeps TALKING on hold
			c.setAgentInCall(cl.agent, finesse.StateHold)
		}
	case finesse.ActionRetrieve:
		if !cl.held {
			return invalidState("RETRIEVE needs a held call")
		}
		cl.held, cl.changed = false, time.Now()
		c.pubDialog(cl, finesse.EventPut, requestID)
		c.setAgentInCall(cl.agent, finesse.StateTalking)
	case finesse.ActionDrop:
		c.drop(cl, requestID)
	default:
		return invalidInput("requestedAction", "unsupported requestedAction "+strconv.Quote(action))
	}
	return nil
}

// setAgentInCall changes the agent's state during a call, unless it was
// signed out meanwhile.
func (c *center) setAgentInCall(a *agent, st finesse.AgentState) {
	if a.state == finesse.StateLogout || a.state == st {
		return
	}
	c.setState(a, st, "")
	c.pubUser(a, "")
}

func (c *center) answer(cl *call, requestID string) {
	c.stopTimer(cl)
	cl.state, cl.changed = finesse.DialogActive, time.Now()
	c.pubDialog(cl, finesse.EventPut, requestID)
	c.setAgentInCall(cl.agent, finesse.StateTalking)
	c.scheduleHangup(cl)
}

func (c *center) connect(cl *call) {
	cl.state, cl.changed = finesse.DialogActive, time.Now()
	c.pubDialog(cl, finesse.EventPut, "")
	c.setAgentInCall(cl.agent, finesse.StateTalking)
	c.scheduleHangup(cl)
}

func (c *center) scheduleHangup(cl *call) {
	if c.cfg.TalkTime > 0 {
		cl.timer = time.AfterFunc(c.cfg.TalkTime, func() { c.onTimer(cl, finesse.DialogActive, finesse.ActionDrop) })
	}
}

func (c *center) stopTimer(cl *call) {
	if cl.timer != nil {
		cl.timer.Stop()
		cl.timer = nil
	}
}

// drop ends a call; the agent leaves the call state when it was the last.
func (c *center) drop(cl *call, requestID string) {
	c.stopTimer(cl)
	a := cl.agent
	cl.state, cl.held, cl.changed = finesse.DialogDropped, false, time.Now()
	delete(c.calls, cl.id)
	a.calls = slices.DeleteFunc(a.calls, func(x *call) bool { return x == cl })
	c.pubDialog(cl, finesse.EventDelete, requestID)
	if len(a.calls) > 0 || a.state == finesse.StateLogout {
		return
	}
	next, reason := a.afterCall, a.afterCallReason
	if a.pending != "" {
		next, reason = a.pending, a.pendReas
	}
	a.pending, a.pendReas = "", ""
	c.setState(a, next, reason)
	c.pubUser(a, "")
}

// counts returns agents signed in, READY, and live calls.
func (c *center) counts() (signedIn, ready, calls int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, a := range c.agents {
		if a.state != finesse.StateLogout {
			signedIn++
		}
	}
	return signedIn, len(c.ready), len(c.calls)
}

func (c *center) exists(id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.agents[id] != nil
}

func (c *center) pubUser(a *agent, requestID string) {
	c.publish(&update{
		node:      userNode(a.id),
		event:     finesse.EventPut,
		requestID: requestID,
		source:    userNode(a.id),
		user:      userDoc(a),
	})
}

// pubDialog publishes a dialog change on the agent's Dialogs node: POST and
// DELETE carry the collection (<dialogs>) with the Dialogs URI as source,
// PUT carries the Dialog itself with its own URI as source.
func (c *center) pubDialog(cl *call, ev finesse.EventType, requestID string) {
	node := dialogsNode(cl.agent.id)
	u := &update{node: node, event: ev, requestID: requestID, source: node, dialog: dialogDoc(cl), list: true}
	if ev == finesse.EventPut {
		u.source, u.list = "/finesse/api/Dialog/"+cl.id, false
	}
	c.publish(u)
}

func userNode(id string) string    { return "/finesse/api/User/" + id }
func dialogsNode(id string) string { return "/finesse/api/User/" + id + "/Dialogs" }
