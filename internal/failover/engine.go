package failover

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/finesse-ha/finesse-ha/internal/clock"
	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

// Engine keeps one agent connected to a Finesse pair. Create it with New,
// begin with Start, read events through Config.OnEvent, send the page's
// requests with Request, and end it with Close. All methods are safe for
// concurrent use.
type Engine struct {
	cfg     Config
	pol     Policy
	clk     clock.Clock
	rnd     Rand
	onEvent func(Event)

	loop reactor  // inputs, events out, timers, Done (loop.go)
	life lifetime // Start to Close
	step stepState

	sides []*sideState
	cur   int           // side in use, or preferred while recovering
	rec   recovery      // how the sides have fared (recovery.go)
	notif notifySession // the notification session and dials (connect.go)
	creds credentials   // the credential in use and its refresh (credentials.go)

	model    *model   // the agent and calls (model.go)
	requests *broker  // the page's requests (broker.go)
	hist     *history // the failover timeline (history.go)

	secrets secretSet // what scrub removes (scrub.go)
}

// lifetime is the engine's life from New to Close: ctx ends with Close
// and every I/O context descends from it.
type lifetime struct {
	ctx     context.Context
	cancel  context.CancelFunc
	started bool
	closed  bool
}

// stepState is the current step of the state machine. Every step change
// bumps gen, cancels ctx and stops timers, so continuations of an older
// step find gen changed and do nothing.
type stepState struct {
	phase  phase
	gen    uint64
	ctx    context.Context
	cancel context.CancelFunc
	timers []*timerRef
	moving bool // a maintenance move check is running
}

type phase int

const (
	phIdle       phase = iota
	phPolling          // a round of SystemInfo polls is running
	phWaiting          // waiting for the next round or a retry backoff
	phJitter           // random pause before connecting
	phRecheck          // checking the current side once more before switching
	phConnecting       // dial + subscribe + sign-in + re-sync
	phConnected        // healthy
	phStopped          // waiting for credentials: no side may be asked with the current one
	phClosed
)

type presenceState int

const (
	presenceUnknown presenceState = iota
	presenceAvailable
	presenceUnavailable
)

func (p presenceState) String() string {
	switch p {
	case presenceAvailable:
		return "available"
	case presenceUnavailable:
		return "unavailable"
	}
	return "unknown"
}

type sideState struct {
	name      string
	cfg       Side
	info      *finesse.SystemInfo
	infoErr   error
	checkedAt time.Time
	dialFails int
	// pollBusy and dialBusy: the side's last SystemInfo poll, or its last
	// connection attempt, was answered 503.
	pollBusy, dialBusy bool
	presence           presenceState
	lastErr            string
	// refused holds the credentials this side answered with 401: they are
	// never sent to it again (SPEC §3.3.9).
	refused map[string]bool
}

// New checks cfg and returns an engine that has not started yet.
func New(cfg Config) (*Engine, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	e := &Engine{
		cfg:     cfg,
		pol:     cfg.Policy.withDefaults(),
		clk:     cfg.Clock,
		rnd:     cfg.Rand,
		onEvent: cfg.OnEvent,
		loop:    reactor{done: make(chan struct{}), timers: map[*timerRef]struct{}{}},
		cur:     cfg.StartSide,
		rec:     recovery{lastConnSide: -1},
		model:   newModel(),
	}
	if e.rnd == nil {
		e.rnd = globalRand{}
	}
	e.requests = newBroker(e.rnd)
	e.hist = newHistory(e.pol.HistoryCap)
	e.secrets.list = collectSecrets(cfg)
	e.life.ctx, e.life.cancel = context.WithCancel(context.Background())
	e.step.ctx, e.step.cancel = context.WithCancel(e.life.ctx)
	for i, s := range cfg.Sides {
		s.REST, s.Dialer = guardedREST{s.REST}, guardedDialer{s.Dialer}
		e.sides = append(e.sides, &sideState{name: sideName(i), cfg: s})
	}
	for _, n := range cfg.Subscriptions {
		e.addSub(n)
	}
	// Without Config.Auth the adapters' own credentials are used; they
	// are still one credential that a side may refuse.
	e.creds.seq = 1
	e.creds.cur = newCredential(cfg.Auth, 1, e.clk.Now())
	return e, nil
}

func sideName(i int) string { return string(rune('A' + i)) }

// Start begins connecting: SystemInfo of both sides is checked at once and
// the start side is used if it is in service, else the other one.
func (e *Engine) Start() {
	e.post(func() {
		if e.life.started || e.life.closed {
			return
		}
		e.life.started = true
		e.record("credentials", -1, "initial: "+e.creds.cur.label())
		e.armTokenTimers()
		e.rec.reason = ReasonStart
		e.setConn(StateConnecting, e.cur, ReasonStart)
		e.round()
	})
}

// Close stops the engine: timers stop, the notification session is closed,
// pending requests fail with ErrClosed and a final "closed" connection event
// is emitted. It returns at once; Done is closed when the last I/O goroutine
// has ended. Closing twice is harmless.
func (e *Engine) Close() error {
	e.post(func() {
		if e.life.closed {
			return
		}
		e.life.closed = true
		e.newStep(phClosed)
		e.stopAllTimers()
		e.dropSession()
		e.failAllRequests(ErrClosed)
		e.setConn(StateClosed, e.cur, ReasonClosed)
		e.record("closed", -1, "")
		e.life.cancel()
	})
	return nil
}

// Done is closed once the engine is closed and all its I/O has returned.
func (e *Engine) Done() <-chan struct{} { return e.loop.done }

// Subscribe adds an explicit pubsub node, subscribed now if connected and
// again after every (re)connect.
func (e *Engine) Subscribe(node string) {
	e.post(func() {
		if !e.addSub(node) || e.step.phase != phConnected {
			return
		}
		e.sendSub(node, true)
	})
}

// Unsubscribe removes an explicit node.
func (e *Engine) Unsubscribe(node string) {
	e.post(func() {
		i := indexOf(e.notif.subs, node)
		if i < 0 {
			return
		}
		e.notif.subs = append(e.notif.subs[:i], e.notif.subs[i+1:]...)
		if e.step.phase != phConnected || e.notif.sess == nil {
			return
		}
		e.sendSub(node, false)
	})
}

func (e *Engine) addSub(node string) bool {
	node = strings.TrimSpace(node)
	if node == "" || indexOf(e.notif.subs, node) >= 0 {
		return false
	}
	e.notif.subs = append(e.notif.subs, node)
	return true
}

// sendSub subscribes to node on the current session, or unsubscribes; a
// failure is reported as an error event, and the node list stays as it is.
func (e *Engine) sendSub(node string, subscribe bool) {
	s, side := e.notif.sess, e.notif.side
	e.spawnIn(e.life.ctx, e.pol.RequestTimeout, func(ctx context.Context) func() {
		call, verb := s.Subscribe, "subscribe "
		if !subscribe {
			call, verb = s.Unsubscribe, "unsubscribe "
		}
		err := ioErr(ctx, call(ctx, node))
		if err == nil {
			return nil
		}
		return func() { e.reportError(ErrCodeSubscribe, side, verb+node+": "+err.Error()) }
	})
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// Snapshot returns the engine's current view.
func (e *Engine) Snapshot() Snapshot {
	e.loop.stateMu.Lock()
	defer e.loop.stateMu.Unlock()
	s := Snapshot{Connection: e.rec.conn, Dialogs: e.model.dialogs(), Agent: e.model.agentView()}
	for i, sd := range e.sides {
		h := SideHealth{
			Side:            sd.name,
			Host:            sd.cfg.Host,
			CheckedAt:       sd.checkedAt,
			LastError:       sd.lastErr,
			Notification:    "down",
			FinessePresence: presenceUnknown.String(),
			Active:          e.step.phase == phConnected && e.cur == i,
		}
		switch {
		case sd.info != nil:
			h.Status = string(sd.info.Status)
			h.DeploymentType = string(sd.info.DeploymentType)
			h.Maintenance = sd.info.InMaintenance()
			h.ReportedHost = sd.info.XMPPDomain
		case sd.infoErr != nil:
			h.Status = "UNREACHABLE"
		}
		if e.notif.sess != nil && e.notif.side == i {
			h.Notification = "up"
			h.FinessePresence = sd.presence.String()
		}
		s.Sides = append(s.Sides, h)
	}
	return s
}

// History returns the failover timeline, oldest first, at most
// Policy.HistoryCap entries.
func (e *Engine) History() []HistoryEntry {
	e.loop.stateMu.Lock()
	defer e.loop.stateMu.Unlock()
	return e.hist.list()
}

// newStep moves to phase p, invalidating everything the previous step had
// in flight.
func (e *Engine) newStep(p phase) {
	e.step.gen++
	e.step.cancel()
	e.step.ctx, e.step.cancel = context.WithCancel(e.life.ctx)
	for _, t := range e.step.timers {
		e.stopTimer(t)
	}
	e.step.timers = e.step.timers[:0]
	e.step.moving = false
	e.step.phase = p
}

// afterStep runs f after d unless the step has changed by then.
func (e *Engine) afterStep(d time.Duration, f func()) {
	gen := e.step.gen
	e.step.timers = append(e.step.timers, e.after(d, func() {
		if gen == e.step.gen {
			f()
		}
	}))
}

// setConn reports a connection state; repeating the same state and side is
// not an event (finesse.js suppresses duplicate status publishes too).
func (e *Engine) setConn(st ConnState, side int, reason string) {
	name, host := "", ""
	if side >= 0 && side < len(e.sides) {
		name, host = e.sides[side].name, e.sides[side].cfg.Host
	}
	var refused []string
	if st == StateUnauthorized {
		refused = e.refusedSides()
	}
	if e.rec.conn.State == st && e.rec.conn.Side == name && slices.Equal(e.rec.conn.Refused, refused) {
		return
	}
	e.rec.conn = ConnectionEvent{State: st, Side: name, Host: host, Reason: reason, Since: e.clk.Now(), Attempt: e.rec.attempt, Refused: refused}
	if st == StateConnected && e.notif.sess != nil && e.notif.side == side {
		e.rec.conn.Transport = transportOf(e.notif.sess)
	}
	e.emit(e.rec.conn)
	e.record(string(st), side, reason)
}

// record appends to the history timeline.
func (e *Engine) record(what string, side int, detail string) {
	h := HistoryEntry{At: e.clk.Now(), What: what, Detail: e.secrets.scrub(detail)}
	if side >= 0 && side < len(e.sides) {
		h.Side = e.sides[side].name
	}
	e.hist.add(h)
	if e.cfg.OnHistory != nil {
		e.loop.histOut = append(e.loop.histOut, h)
	}
}

func (e *Engine) reportError(code string, side int, msg string) {
	ev := ErrorEvent{Code: code, Message: e.secrets.scrub(msg)}
	if side >= 0 && side < len(e.sides) {
		ev.Side = e.sides[side].name
	}
	e.emit(ev)
	e.record("error", side, code+": "+msg)
}

// jitter returns a random pause in [0, Policy.Jitter].
func (e *Engine) jitter() time.Duration {
	if e.pol.Jitter <= 0 {
		return 0
	}
	return time.Duration(e.rnd.Int64N(int64(e.pol.Jitter) + 1))
}

func (e *Engine) alt(i int) int {
	if len(e.sides) < 2 {
		return -1
	}
	return 1 - i
}
