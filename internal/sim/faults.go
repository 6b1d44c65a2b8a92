package sim

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
	"github.com/finesse-ha/finesse-ha/internal/sim/xmppd"
)

// FaultName names a fault of SPEC §5 that the simulator can inject.
type FaultName string

// The faults. Toggles are undone with Clear (or their named opposite).
const (
	FaultKill                FaultName = "kill"                 // side: close listener and connections (connection refused)
	FaultRestore             FaultName = "restore"              // side: listen again (= kill with clear)
	FaultOutOfService        FaultName = "out-of-service"       // side: SystemInfo OUT_OF_SERVICE, REST 503
	FaultInService           FaultName = "in-service"           // side: undo out-of-service
	FaultNotificationDown    FaultName = "notification-down"    // side: BOSH sessions end, none start; REST works
	FaultNotificationUp      FaultName = "notification-up"      // side: undo notification-down
	FaultPresenceUnavailable FaultName = "presence-unavailable" // side: finesse@<domain> goes unavailable
	FaultPresenceAvailable   FaultName = "presence-available"   // side: finesse@<domain> available again
	FaultBlackhole           FaultName = "blackhole"            // side: accept, never answer (REST and BOSH)
	FaultBlackholeLift       FaultName = "blackhole-lift"       // side: answer new requests again; the held ones stay unanswered
	FaultBurst503            FaultName = "burst-503"            // side: the next n REST requests get 503
	FaultUnauthorized        FaultName = "unauthorized"         // side: the next n logins (REST or SASL) fail
	FaultIsland              FaultName = "island"               // UCCX: both sides master
	FaultHeal                FaultName = "heal"                 // UCCX: island heals, B drops mastership
	FaultMaster              FaultName = "master"               // UCCX: side becomes master, the other standby
	FaultMaintenance         FaultName = "maintenance"          // side: finesseMMode IN_PROGRESS
	FaultForcedLogout        FaultName = "forced-logout"        // after duration: LOGOUT, reason code 255
	FaultLatency             FaultName = "latency"              // side: add duration to every request
	FaultCapacity            FaultName = "capacity"             // side: n requests/s, 503 beyond
	FaultNullCallVariables   FaultName = "null-callvars"        // side: dialogs served with empty call variables
	FaultReset               FaultName = "reset"                // clear every fault
)

// Fault is one injection. Which fields matter depends on Name (see
// FaultCatalog); unused ones are ignored.
type Fault struct {
	Name FaultName
	// Side is "A", "B" or "both" for faults that concern a side.
	Side string
	// Clear undoes a toggle fault.
	Clear bool
	// N is the count of burst-503 and unauthorized (1 if zero) and the
	// requests/s of capacity (0 removes the limit).
	N int
	// Agent is the agent of forced-logout (every signed-in agent if empty).
	Agent string
	// Duration is the delay of forced-logout and the added latency.
	Duration time.Duration
}

// FaultInfo documents one fault for the control API's listing.
type FaultInfo struct {
	Name   FaultName `json:"fault"`
	Side   bool      `json:"side"`             // needs side=A|B|both
	Params string    `json:"params,omitempty"` // other parameters it reads
	Help   string    `json:"help"`
}

// FaultError is a rejected fault: an unknown name (Valid lists the known
// ones) or bad parameters.
type FaultError struct {
	Msg   string
	Valid []FaultName
}

func (e *FaultError) Error() string { return "sim: " + e.Msg }

type faultSpec struct {
	info  FaultInfo
	apply func(p *Pair, sides []*Side, f Fault) error
}

var faultSpecs = []faultSpec{
	{FaultInfo{FaultKill, true, "clear", "close the side's listener and connections: connection refused"}, applyKill},
	{FaultInfo{FaultRestore, true, "", "listen again on the same port (a restarted process: old BOSH sids unknown)"}, invert(applyKill)},
	{FaultInfo{FaultOutOfService, true, "clear", "SystemInfo OUT_OF_SERVICE (published), REST 503 SERVER_OUT_OF_SERVICE"}, setFlag(func(f *sideFaults) *bool { return &f.outOfService })},
	{FaultInfo{FaultInService, true, "", "undo out-of-service"}, invert(setFlag(func(f *sideFaults) *bool { return &f.outOfService }))},
	{FaultInfo{FaultNotificationDown, true, "clear", "XMPP sessions end with remote-connection-failed (BOSH terminate; WebSocket stream error, <close/>, close 1000) and none start; REST keeps working"}, applyNotificationDown},
	{FaultInfo{FaultNotificationUp, true, "", "undo notification-down"}, invert(applyNotificationDown)},
	{FaultInfo{FaultPresenceUnavailable, true, "clear", "the finesse@<domain> user's presence becomes unavailable"}, applyPresenceOff},
	{FaultInfo{FaultPresenceAvailable, true, "", "the finesse@<domain> user's presence becomes available"}, invert(applyPresenceOff)},
	{FaultInfo{FaultBlackhole, true, "clear", "accept connections and requests, never answer (REST and BOSH, held requests too); open WebSockets go silent both ways without closing; clearing resets them"}, applyBlackhole},
	{FaultInfo{FaultBlackholeLift, true, "", "end a black hole as a network that comes back does: new connections and requests are answered again, the ones it held stay unanswered (hung) until the client gives up on them; open WebSockets carry bytes again"}, applyBlackholeLift},
	{FaultInfo{FaultBurst503, true, "n, clear", "the next n REST requests get 503 (n=1 if omitted)"}, setCount(func(f *sideFaults) *int { return &f.burst503 })},
	{FaultInfo{FaultUnauthorized, true, "n, clear", "the next n logins (REST credentials or SASL) fail with 401 / not-authorized (n=1 if omitted)"}, setCount(func(f *sideFaults) *int { return &f.failAuth })},
	{FaultInfo{FaultIsland, false, "clear", "UCCX: island mode, both sides master (IN_SERVICE)"}, applyIsland},
	{FaultInfo{FaultHeal, false, "", "UCCX: the island heals, B drops mastership (A master)"}, invert(applyIsland)},
	{FaultInfo{FaultMaster, true, "", "UCCX: the side becomes master, the other standby"}, applyMaster},
	{FaultInfo{FaultMaintenance, true, "clear", "SystemInfo finesseMMode IN_PROGRESS (published)"}, applyMaintenance},
	{FaultInfo{FaultForcedLogout, false, "agent, duration, clear", "after duration, sign the agent (all signed-in agents if none) out with reason code 255"}, applyForcedLogout},
	{FaultInfo{FaultLatency, true, "duration, clear", "add duration to every request of the side"},
		setField(func(f *sideFaults) *time.Duration { return &f.latency }, func(f Fault) time.Duration { return f.Duration })},
	{FaultInfo{FaultCapacity, true, "n, clear", "at most n REST requests + new BOSH sessions + WebSocket handshakes per second, 503 beyond (n=0: no limit)"},
		setField(func(f *sideFaults) *int { return &f.capacity }, func(f Fault) int { return f.N })},
	{FaultInfo{FaultNullCallVariables, true, "clear", "the side serves dialogs (GET and events) with empty call variable values"}, setFlag(func(f *sideFaults) *bool { return &f.nullCallVariables })},
	{FaultInfo{FaultReset, false, "", "clear every fault: sides restored, in service, UCCX master A"}, applyReset},
}

// FaultCatalog lists the faults the simulator knows.
func FaultCatalog() []FaultInfo {
	out := make([]FaultInfo, len(faultSpecs))
	for i, s := range faultSpecs {
		out[i] = s.info
	}
	return out
}

func faultNames() []FaultName {
	out := make([]FaultName, len(faultSpecs))
	for i, s := range faultSpecs {
		out[i] = s.info.Name
	}
	return out
}

// Apply injects a fault. SystemInfo changes it causes (status, maintenance
// mode) are published on the SystemInfo node of each side still alive.
func (p *Pair) Apply(f Fault) error {
	f.Name = FaultName(strings.ToLower(strings.TrimSpace(string(f.Name))))
	i := slices.IndexFunc(faultSpecs, func(s faultSpec) bool { return s.info.Name == f.Name })
	if i < 0 {
		return &FaultError{Msg: fmt.Sprintf("unknown fault %q", f.Name), Valid: faultNames()}
	}
	spec := faultSpecs[i]
	var sides []*Side
	if spec.info.Side {
		switch strings.ToUpper(strings.TrimSpace(f.Side)) {
		case "A":
			sides = []*Side{p.a}
		case "B":
			sides = []*Side{p.b}
		case "BOTH":
			sides = []*Side{p.a, p.b}
		default:
			return &FaultError{Msg: fmt.Sprintf("fault %s needs side A, B or both (got %q)", f.Name, f.Side)}
		}
	}
	if f.N < 0 || f.Duration < 0 {
		return &FaultError{Msg: "n and duration must not be negative"}
	}
	p.faultMu.Lock()
	defer p.faultMu.Unlock()
	before := p.systemInfoKeys()
	if err := spec.apply(p, sides, f); err != nil {
		return err
	}
	p.publishSystemInfoChanges(before)
	p.cfg.Logf("sim: fault %s", describeFault(f))
	return nil
}

func describeFault(f Fault) string {
	s := string(f.Name)
	if f.Side != "" {
		s += " side=" + f.Side
	}
	if f.Clear {
		s += " clear"
	}
	if f.N != 0 {
		s += " n=" + strconv.Itoa(f.N)
	}
	if f.Agent != "" {
		s += " agent=" + f.Agent
	}
	if f.Duration != 0 {
		s += " duration=" + f.Duration.String()
	}
	return s
}

// systemInfoKeys captures what a SystemInfo notification would report.
func (p *Pair) systemInfoKeys() [2]string {
	key := func(s *Side) string {
		st, _ := s.Status()
		return string(st) + "/" + strconv.FormatBool(s.faults().maintenance)
	}
	return [2]string{key(p.a), key(p.b)}
}

func (p *Pair) publishSystemInfoChanges(before [2]string) {
	after := p.systemInfoKeys()
	for i, s := range []*Side{p.a, p.b} {
		if before[i] == after[i] || !s.Alive() {
			continue
		}
		u := &update{node: "/finesse/api/SystemInfo", event: finesse.EventPut, source: "/finesse/api/SystemInfo", info: s.systemInfo()}
		s.xmpp.Publish(u.node, u.render(false))
	}
}

// invert turns a fault into its opposite (restore = kill with clear).
func invert(apply func(*Pair, []*Side, Fault) error) func(*Pair, []*Side, Fault) error {
	return func(p *Pair, sides []*Side, f Fault) error {
		f.Clear = !f.Clear
		return apply(p, sides, f)
	}
}

// setField sets one fault field on each side: to value(f), or back to the
// zero value (fault off) with Clear.
func setField[T any](field func(*sideFaults) *T, value func(Fault) T) func(*Pair, []*Side, Fault) error {
	return func(_ *Pair, sides []*Side, f Fault) error {
		var v T
		if !f.Clear {
			v = value(f)
		}
		for _, s := range sides {
			s.mu.Lock()
			*field(&s.f) = v
			s.mu.Unlock()
		}
		return nil
	}
}

func setFlag(field func(*sideFaults) *bool) func(*Pair, []*Side, Fault) error {
	return setField(field, func(Fault) bool { return true })
}

// setCount sets a count of answers to spoil, at least one.
func setCount(field func(*sideFaults) *int) func(*Pair, []*Side, Fault) error {
	return setField(field, func(f Fault) int { return max(f.N, 1) })
}

func applyKill(p *Pair, sides []*Side, f Fault) error {
	for _, s := range sides {
		other := p.other(s)
		if f.Clear {
			if err := s.listen(); err != nil {
				return err
			}
			// A restarted UCCX node comes back as standby unless nobody
			// else is master.
			s.setMaster(!other.Alive() || !other.isMaster())
			continue
		}
		s.kill()
		if p.cfg.Mode == finesse.DeploymentUCCX && s.isMaster() && other.Alive() {
			other.setMaster(true) // the surviving node takes over
			s.setMaster(false)
		}
	}
	return nil
}

// The two faults that the side's XMPP server must also act on: the flag
// keeps the state report and new sessions right, the server ends or
// changes what is already open.
var (
	applyNotificationDown = setFlagAndTell(func(f *sideFaults) *bool { return &f.notificationDown },
		(*xmppd.Server).SetDown)
	applyPresenceOff = setFlagAndTell(func(f *sideFaults) *bool { return &f.presenceOff },
		func(x *xmppd.Server, off bool) { x.SetFinessePresence(!off) })
)

// setFlagAndTell is setFlag, then tell(side's XMPP server, flag) on each side.
func setFlagAndTell(field func(*sideFaults) *bool, tell func(*xmppd.Server, bool)) func(*Pair, []*Side, Fault) error {
	set := setFlag(field)
	return func(p *Pair, sides []*Side, f Fault) error {
		if err := set(p, sides, f); err != nil {
			return err
		}
		for _, s := range sides {
			tell(s.xmpp, !f.Clear)
		}
		return nil
	}
}

func applyBlackhole(_ *Pair, sides []*Side, f Fault) error {
	for _, s := range sides {
		s.mu.Lock()
		s.f.blackhole = !f.Clear
		var freed []net.Conn
		var swallowed []*wsConn
		if f.Clear {
			freed = s.takeParkedLocked()
			swallowed = s.takeWebSocketsLocked()
		}
		s.mu.Unlock()
		// Connections held in the hole are reset: their requests were
		// never answered, as after a real outage. Every open WebSocket was
		// in the hole (handshakes during it were parked).
		closeAll(freed)
		dropAll(swallowed)
	}
	return nil
}

// applyBlackholeLift leaves the parked connections parked: a client whose
// request was in the hole learns nothing until its own timeout fires,
// which is what a hidden page's throttled timers delay (S20).
func applyBlackholeLift(_ *Pair, sides []*Side, _ Fault) error {
	for _, s := range sides {
		s.mu.Lock()
		s.f.blackhole = false
		s.mu.Unlock()
	}
	return nil
}

func needUCCX(p *Pair, f Fault) error {
	if p.cfg.Mode != finesse.DeploymentUCCX {
		return &FaultError{Msg: fmt.Sprintf("fault %s needs UCCX mode", f.Name)}
	}
	return nil
}

func applyIsland(p *Pair, _ []*Side, f Fault) error {
	if err := needUCCX(p, f); err != nil {
		return err
	}
	if !f.Clear {
		p.a.setMaster(true)
		p.b.setMaster(true)
		return nil
	}
	if !p.a.Alive() {
		return nil // nobody to hand mastership back to
	}
	p.a.setMaster(true)
	p.b.setMaster(false)
	return nil
}

func applyMaster(p *Pair, sides []*Side, f Fault) error {
	if err := needUCCX(p, f); err != nil {
		return err
	}
	if len(sides) != 1 {
		return &FaultError{Msg: "fault master needs side A or B"}
	}
	sides[0].setMaster(true)
	p.other(sides[0]).setMaster(false)
	return nil
}

func applyMaintenance(_ *Pair, sides []*Side, f Fault) error {
	for _, s := range sides {
		s.mu.Lock()
		if !s.f.maintenance || f.Clear {
			s.f.maintenanceSince = time.Now()
		}
		s.f.maintenance = !f.Clear
		s.mu.Unlock()
	}
	return nil
}

func applyForcedLogout(p *Pair, _ []*Side, f Fault) error {
	if f.Clear {
		for _, t := range p.logoutTimers {
			t.Stop()
		}
		p.logoutTimers = nil
		return nil
	}
	if f.Agent != "" && !p.cc.exists(f.Agent) {
		return &FaultError{Msg: fmt.Sprintf("unknown agent %q", f.Agent)}
	}
	agent := f.Agent
	p.logoutTimers = append(p.logoutTimers, time.AfterFunc(f.Duration, func() {
		_, _ = p.cc.forceLogout(agent) // the agent exists: checked above
	}))
	return nil
}

func applyReset(p *Pair, _ []*Side, _ Fault) error {
	var errs []error
	for _, s := range []*Side{p.a, p.b} {
		if !s.Alive() {
			errs = append(errs, s.listen())
		}
		s.mu.Lock()
		parked := s.takeParkedLocked()
		var swallowed []*wsConn
		if s.f.blackhole {
			swallowed = s.takeWebSocketsLocked()
		}
		s.f = sideFaults{}
		s.master = s == p.a
		s.mu.Unlock()
		closeAll(parked)
		dropAll(swallowed)
		s.xmpp.SetDown(false)
		s.xmpp.SetFinessePresence(true)
	}
	for _, t := range p.logoutTimers {
		t.Stop()
	}
	p.logoutTimers = nil
	return errors.Join(errs...)
}

func (p *Pair) other(s *Side) *Side {
	if s == p.a {
		return p.b
	}
	return p.a
}

func (s *Side) isMaster() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.master
}

func (s *Side) setMaster(m bool) {
	s.mu.Lock()
	s.master = m
	s.mu.Unlock()
}

// activeFaults describes the side's faults for the state report.
func (s *Side) activeFaults() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	add := func(on bool, name FaultName) {
		if on {
			out = append(out, string(name))
		}
	}
	add(s.killed, FaultKill)
	add(s.f.outOfService, FaultOutOfService)
	add(s.f.notificationDown, FaultNotificationDown)
	add(s.f.presenceOff, FaultPresenceUnavailable)
	add(s.f.blackhole, FaultBlackhole)
	add(s.f.maintenance, FaultMaintenance)
	add(s.f.nullCallVariables, FaultNullCallVariables)
	if s.f.burst503 > 0 {
		out = append(out, fmt.Sprintf("%s n=%d", FaultBurst503, s.f.burst503))
	}
	if s.f.failAuth > 0 {
		out = append(out, fmt.Sprintf("%s n=%d", FaultUnauthorized, s.f.failAuth))
	}
	if s.f.latency > 0 {
		out = append(out, fmt.Sprintf("%s duration=%s", FaultLatency, s.f.latency))
	}
	if s.f.capacity > 0 {
		out = append(out, fmt.Sprintf("%s n=%d", FaultCapacity, s.f.capacity))
	}
	return out
}
