package sim

import (
	"context"
	"fmt"
	"log"
	"maps"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
	"github.com/finesse-ha/finesse-ha/internal/sim/xmppd"
)

// Side is one Finesse node of the pair: REST under /finesse/api, BOSH
// under /http-bind and XMPP over WebSocket under /ws/ on its own listener,
// so that killing it really refuses connections.
type Side struct {
	name string // "A" or "B"
	host string // node name and XMPP domain
	pair *Pair
	xmpp *xmppd.Server
	ctr  sideCounters

	mu     sync.Mutex
	addr   string // host:port, fixed once the first listener is up
	srv    *http.Server
	ln     net.Listener
	killed bool
	master bool // UCCX mastership
	f      sideFaults
	parked map[net.Conn]struct{}
	// websockets are the hijacked WebSocket connections (websocket.go).
	websockets map[*wsConn]struct{}
	// refusedBy counts refused logins per CredentialKey; bindsBy counts
	// resource binds per agent (sso.go).
	refusedBy map[string]uint64
	bindsBy   map[string]uint64
}

// sideFaults are the faults injected into one side.
type sideFaults struct {
	outOfService, notificationDown, presenceOff, blackhole, maintenance, nullCallVariables bool
	maintenanceSince                                                                       time.Time
	burst503, failAuth, capacity                                                           int
	latency                                                                                time.Duration
}

func newSide(p *Pair, name, host string, port int) *Side {
	s := &Side{
		name:       name,
		host:       host,
		pair:       p,
		addr:       net.JoinHostPort(p.cfg.Listen, strconv.Itoa(port)),
		parked:     make(map[net.Conn]struct{}),
		websockets: make(map[*wsConn]struct{}),
	}
	s.xmpp = xmppd.New(xmppd.Config{
		Domain:        host,
		Authenticate:  s.authenticateSASL,
		OnBind:        s.noteBind,
		AutoNodes:     autoNodes,
		MaxWait:       p.cfg.BOSHMaxWait,
		Inactivity:    p.cfg.BOSHInactivity,
		PingInterval:  p.cfg.ServerPing,
		BeforeRespond: s.beforeBOSHResponse,
		Admit:         s.admitWork,
	})
	return s
}

// autoNodes are the nodes Finesse subscribes every agent to.
func autoNodes(user string) []string {
	return []string{userNode(user), dialogsNode(user), "/finesse/api/SystemInfo"}
}

// Name returns "A" or "B".
func (s *Side) Name() string { return s.name }

// Host returns the node name: SystemInfo's host and this side's XMPP domain.
func (s *Side) Host() string { return s.host }

// Addr returns the listening address, host:port.
func (s *Side) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// URL returns the REST base URL, e.g. http://127.0.0.1:41000 (the API is
// under /finesse/api).
func (s *Side) URL() string { return "http://" + s.Addr() }

// BOSHURL returns the BOSH endpoint URL.
func (s *Side) BOSHURL() string { return s.URL() + "/http-bind/" }

// Port returns the listening port.
func (s *Side) Port() int {
	_, p, _ := net.SplitHostPort(s.Addr())
	n, _ := strconv.Atoi(p)
	return n
}

// Alive reports whether the side is listening (not killed).
func (s *Side) Alive() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.killed && s.srv != nil
}

// Status returns what SystemInfo says now, with the reason.
func (s *Side) Status() (finesse.Status, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.statusLocked()
}

func (s *Side) statusLocked() (finesse.Status, string) {
	switch {
	case s.f.outOfService:
		return finesse.StatusOutOfService, "fault: out-of-service"
	case s.pair.cfg.Mode == finesse.DeploymentUCCX && !s.master:
		return finesse.StatusOutOfService, "standby: not the UCCX master"
	}
	return finesse.StatusInService, ""
}

// Metrics returns the side's counters.
func (s *Side) Metrics() Metrics {
	s.mu.Lock()
	parked := len(s.parked)
	refusedBy, bindsBy := maps.Clone(s.refusedBy), maps.Clone(s.bindsBy)
	s.mu.Unlock()
	return Metrics{
		Requests:         s.ctr.requests.Load(),
		REST:             s.ctr.rest.Load(),
		BOSH:             s.ctr.bosh.Load(),
		WS:               s.ctr.ws.Load(),
		WSOpen:           s.xmpp.Stats().WebSockets,
		PeakRPS:          s.ctr.all.peakValue(),
		PeakWork:         s.ctr.work.peakValue(),
		Status503:        s.ctr.status503.Load(),
		CapacityRejected: s.ctr.capacityRejected.Load(),
		Unauthorized:     s.ctr.unauthorized.Load() + s.xmpp.Stats().AuthFailures,
		UnauthorizedBy:   refusedBy,
		BindsBy:          bindsBy,
		Parked:           parked,
		XMPP:             s.xmpp.Stats(),
	}
}

// Sessions lists the XMPP full JIDs bound on this side and whether each
// has available presence (tests check, e.g., that no client binds
// "desktop").
func (s *Side) Sessions() map[string]bool { return s.xmpp.Bound() }

// BindsOf counts the notification sessions agent has bound on this side so far.
func (s *Side) BindsOf(agent string) uint64 { return s.xmpp.BindsOf(agent) }

func (s *Side) faults() sideFaults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.f
}

// listen starts serving; the first call fixes the port for later restores.
func (s *Side) listen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return nil
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("sim: side %s: %w", s.name, err)
	}
	s.addr = ln.Addr().String()
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          log.New(logWriter(s.pair.cfg.Logf), "side "+s.name+": ", 0),
	}
	s.srv, s.ln = srv, ln
	s.killed = false
	go func() { _ = srv.Serve(ln) }() // returns ErrServerClosed on kill and close
	return nil
}

// kill closes the listener and every connection at once, like a process
// that dies: clients get connection refused or reset, WebSockets end
// without a close frame, and the XMPP sessions are gone (a restarted side
// does not know their sids).
func (s *Side) kill() {
	srv, ln, parked, websockets := s.detach()
	if srv != nil {
		_ = srv.Close()
		// Serve may not have taken the listener over yet; close it here so
		// that the port is free when kill returns.
		_ = ln.Close()
	}
	closeAll(parked)
	// Before the XMPP reset: its stream errors must find the sockets gone.
	dropAll(websockets)
	s.xmpp.Reset("system-shutdown")
}

// shutdown stops the side gracefully: held BOSH requests are answered with
// terminate system-shutdown, WebSockets get the system-shutdown stream error
// and a close frame 1000, before the listener goes.
func (s *Side) shutdown(ctx context.Context) {
	s.xmpp.Close()
	srv, ln, parked, websockets := s.detach()
	closeAll(parked)
	dropAll(websockets) // those that did not finish their close handshake
	if srv != nil {
		if err := srv.Shutdown(ctx); err != nil {
			_ = srv.Close()
		}
		_ = ln.Close()
	}
}

// detach takes the server, the listener and every held connection (parked
// and WebSocket) off the side, which counts as killed from now on; kill and
// shutdown differ only in how they close what it hands them.
func (s *Side) detach() (*http.Server, net.Listener, []net.Conn, []*wsConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	srv, ln := s.srv, s.ln
	s.srv, s.ln, s.killed = nil, nil, true
	return srv, ln, s.takeParkedLocked(), s.takeWebSocketsLocked()
}

func (s *Side) takeParkedLocked() []net.Conn {
	conns := make([]net.Conn, 0, len(s.parked))
	for c := range s.parked {
		conns = append(conns, c)
	}
	clear(s.parked)
	return conns
}

func closeAll(conns []net.Conn) {
	for _, c := range conns {
		_ = c.Close()
	}
}

// ServeHTTP is the side's request pipeline: count, black hole, latency,
// CORS, then BOSH, WebSocket or REST.
func (s *Side) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	s.ctr.requests.Add(1)
	s.ctr.all.hit(now)
	path := r.URL.Path
	isBOSH := path == "/http-bind" || path == "/http-bind/"
	isREST := strings.HasPrefix(path, "/finesse/api/")
	isWS := isWebSocketPath(path)
	switch {
	case isBOSH:
		s.ctr.bosh.Add(1)
	case isWS:
		s.ctr.ws.Add(1)
	case isREST:
		s.ctr.rest.Add(1)
	}
	f := s.faults()
	if f.blackhole {
		s.park(w, r)
		return
	}
	if f.latency > 0 {
		t := time.NewTimer(f.latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
		if s.faults().blackhole {
			s.park(w, r)
			return
		}
	}
	setCORS(w, r)
	if isPreflight(r) {
		w.WriteHeader(http.StatusOK)
		return
	}
	switch {
	case isBOSH:
		s.xmpp.ServeHTTP(w, r)
	case isWS:
		s.xmpp.ServeWebSocket(&wsWriter{ResponseWriter: w, side: s}, r)
	case isREST:
		s.serveREST(w, r)
	default:
		writeAPIError(w, &apiError{status: http.StatusNotFound, typ: "Not Found", msg: "No such resource"})
	}
}

// park takes the connection over and never answers: the black hole. The
// connection stays open until the fault is cleared or the side stops.
func (s *Side) park(w http.ResponseWriter, r *http.Request) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		<-r.Context().Done()
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	s.mu.Lock()
	if !s.f.blackhole || s.srv == nil {
		s.mu.Unlock()
		_ = conn.Close()
		return
	}
	s.parked[conn] = struct{}{}
	s.mu.Unlock()
}

// beforeBOSHResponse keeps held BOSH answers inside a black hole that
// opened while they waited.
func (s *Side) beforeBOSHResponse(w http.ResponseWriter, r *http.Request) bool {
	if s.faults().blackhole {
		s.park(w, r)
		return false
	}
	return true
}

// admitWork applies the capacity limit to one unit of work (a REST request,
// a new BOSH session or a WebSocket handshake) and counts it.
func (s *Side) admitWork() bool {
	n := s.ctr.work.hit(time.Now())
	s.mu.Lock()
	limit := s.f.capacity
	s.mu.Unlock()
	if limit > 0 && n > limit {
		s.ctr.capacityRejected.Add(1)
		s.ctr.status503.Add(1)
		return false
	}
	return true
}

// spend consumes one unit of a counted fault (a 503 burst, forced
// authentication failures) and reports whether there was one.
func (s *Side) spend(count func(*sideFaults) *int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := count(&s.f); *n > 0 {
		*n--
		return true
	}
	return false
}

func (s *Side) takeBurst() bool {
	return s.spend(func(f *sideFaults) *int { return &f.burst503 })
}

func (s *Side) takeAuthFailure() bool {
	return s.spend(func(f *sideFaults) *int { return &f.failAuth })
}

// authenticateSASL checks XMPP credentials: the agent's password or an
// SSO token, as Finesse's notification service does (sso.go).
func (s *Side) authenticateSASL(user, password string) bool {
	if !s.pair.cc.exists(user) {
		s.refused("", password)
		return false
	}
	_, ok := s.checkLogin(user, password, false)
	return ok
}

// systemInfo renders this side's SystemInfo.
func (s *Side) systemInfo() *finesse.SystemInfo {
	p := s.pair
	s.mu.Lock()
	status, reason := s.statusLocked()
	f := s.f
	s.mu.Unlock()
	mmode, mtime := "", "-1"
	if f.maintenance {
		mmode = finesse.MaintenanceInProgress
		mtime = strconv.Itoa(int(time.Since(f.maintenanceSince) / time.Millisecond))
	}
	auth := "NON_SSO"
	switch {
	case p.cfg.SSO:
		auth = "SSO"
	case p.cfg.Token != "":
		auth = "HYBRID"
	}
	node := func(x *Side) *finesse.Node {
		return &finesse.Node{Host: x.host, HTTPSPort: strconv.Itoa(x.Port()), XMPPPort: "5222", XMPPSecurePort: "5223"}
	}
	return &finesse.SystemInfo{
		CurrentTimestamp:       timestamp(time.Now()),
		DeploymentType:         p.cfg.Mode,
		LastCTIHeartbeatStatus: "success",
		CTIVersion:             "24",
		CTIHeartbeatInterval:   "5",
		CTITimeInMMode:         "-1",
		FinesseMMode:           mmode,
		FinesseTimeInMMode:     mtime,
		PeripheralID:           "5000",
		PrimaryNode:            node(p.a),
		SecondaryNode:          node(p.b),
		Status:                 status,
		StatusReason:           reason,
		SystemAuthMode:         auth,
		TimezoneOffset:         "0",
		URI:                    "/finesse/api/SystemInfo",
		XMPPDomain:             s.host,
		XMPPPubSubDomain:       s.xmpp.PubSubDomain(),
	}
}

// logWriter adapts Logf to the io.Writer log.Logger wants.
type logWriter func(format string, args ...any)

func (l logWriter) Write(b []byte) (int, error) {
	l("%s", strings.TrimRight(string(b), "\n"))
	return len(b), nil
}
