package xmppd

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Config describes one notification service (one Finesse side).
type Config struct {
	// Domain is the XMPP domain (SystemInfo's xmppDomain); PubSubDomain the
	// pubsub service's address (pubsub.<Domain> if empty).
	Domain       string
	PubSubDomain string
	// FinesseUser is the localpart of the user whose presence tells clients
	// that Finesse's webapp is connected ("finesse" if empty).
	FinesseUser string

	// Authenticate checks SASL PLAIN credentials (password or SSO token).
	// It must be safe for concurrent use.
	Authenticate func(username, password string) bool
	// OnBind, if set, is told of every resource bind (metrics per agent).
	OnBind func(username, resource string)
	// AutoNodes lists the nodes a user is subscribed to on bind, as Finesse
	// subscribes agents automatically (User, Dialogs, SystemInfo).
	AutoNodes func(username string) []string

	// MaxWait bounds the BOSH wait a client may ask for (60 s if zero);
	// Inactivity is how long a session may have no request pending before it
	// is destroyed (60 s if zero, Prosody's and Openfire's default order).
	MaxWait    time.Duration
	Inactivity time.Duration
	// PingInterval, when positive, makes the server ping every bound client
	// (XEP-0199) this often, as Openfire does.
	PingInterval time.Duration

	// BeforeRespond is called before any BOSH response is written. Returning
	// false means the hook took over the connection (a black hole) and the
	// response must not be written.
	BeforeRespond func(w http.ResponseWriter, r *http.Request) bool
	// Admit is asked before a new BOSH session is created and before a
	// WebSocket handshake is accepted; false answers HTTP 503 (a capacity
	// limit).
	Admit func() bool

	// WebSocketOrigins are coder/websocket origin patterns allowed to open
	// a WebSocket; empty allows every origin, as the simulator's CORS
	// policy does for REST and BOSH.
	WebSocketOrigins []string
}

// Stats are counters of one server since it was created.
type Stats struct {
	Sessions     int    // BOSH sessions alive now
	WebSockets   int    // XMPP-over-WebSocket sessions open now
	WSOpened     uint64 // WebSocket handshakes accepted so far
	Bound        int    // resources bound now
	Available    int    // resources with available presence now
	Binds        uint64 // resource binds so far
	DesktopBinds uint64 // binds of the resource "desktop", reserved for Cisco's desktop
	AuthFailures uint64 // SASL failures
	Published    uint64 // Publish calls
	Delivered    uint64 // event messages queued to clients
}

// Server is the XMPP side of one simulated Finesse node: c2s streams (over
// one of two framings), presence, ping and a XEP-0060 pubsub service on PubSubDomain with Finesse's automatic nodes.
// Its c2s streams travel over BOSH (ServeHTTP) or WebSocket (ServeWebSocket);
// the stream logic does not know its framing.
type Server struct {
	cfg Config

	mu         sync.RWMutex
	sessions   map[string]*boshSession        // sid -> session
	websockets map[*wsSession]struct{}        // open WebSocket sessions
	tombstones map[string]tombstone           // sid -> how it ended, for late requests
	users      map[string]map[string]*stream  // localpart -> resource -> bound stream
	subs       map[string]map[string]struct{} // node -> subscribed JID (bare or full)
	userBinds  map[string]uint64              // localpart -> resource binds so far
	down       bool                           // notification service down
	finesseOff bool                           // finesse user unavailable

	binds, desktopBinds, authFailures, published, delivered atomic.Uint64
	idSeq, wsOpened                                         atomic.Uint64
	wsWG                                                    sync.WaitGroup // WebSocket writers

	stop     chan struct{}
	stopOnce sync.Once
	wg       sync.WaitGroup
}

type tombstone struct {
	body []byte
	at   time.Time
}

// New returns a running server; Close stops its housekeeping goroutine.
func New(cfg Config) *Server {
	if cfg.PubSubDomain == "" {
		cfg.PubSubDomain = "pubsub." + cfg.Domain
	}
	if cfg.FinesseUser == "" {
		cfg.FinesseUser = "finesse"
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = 60 * time.Second
	}
	if cfg.Inactivity <= 0 {
		cfg.Inactivity = 60 * time.Second
	}
	if cfg.Authenticate == nil {
		cfg.Authenticate = func(string, string) bool { return false }
	}
	s := &Server{
		cfg:        cfg,
		sessions:   make(map[string]*boshSession),
		websockets: make(map[*wsSession]struct{}),
		tombstones: make(map[string]tombstone),
		users:      make(map[string]map[string]*stream),
		subs:       make(map[string]map[string]struct{}),
		userBinds:  make(map[string]uint64),
		stop:       make(chan struct{}),
	}
	s.wg.Add(1)
	go s.housekeeping()
	return s
}

// Domain returns the XMPP domain.
func (s *Server) Domain() string { return s.cfg.Domain }

// PubSubDomain returns the pubsub service address.
func (s *Server) PubSubDomain() string { return s.cfg.PubSubDomain }

// Close terminates every session (system-shutdown) and stops housekeeping.
// It waits, at most wsCloseWait, for WebSocket sessions to send their
// stream error and finish their closing handshake.
func (s *Server) Close() {
	s.Reset("system-shutdown")
	s.stopOnce.Do(func() { close(s.stop) })
	s.wg.Wait()
	closed := make(chan struct{})
	go func() { s.wsWG.Wait(); close(closed) }()
	t := time.NewTimer(wsCloseWait)
	defer t.Stop()
	select {
	case <-closed:
	case <-t.C: // a client that never answers the close frame
	}
}

// Reset ends every session with the given stream error condition and
// forgets them, as a restarted process would: later BOSH requests with
// their sids get item-not-found; WebSockets get the stream error, <close/>
// and a close frame 1000. Subscriptions made explicitly are dropped too.
func (s *Server) Reset(condition string) {
	s.mu.Lock()
	sessions := s.sessions
	websockets := s.websockets
	s.sessions = make(map[string]*boshSession)
	s.websockets = make(map[*wsSession]struct{})
	s.tombstones = make(map[string]tombstone)
	s.users = make(map[string]map[string]*stream)
	s.subs = make(map[string]map[string]struct{})
	s.mu.Unlock()
	for _, b := range sessions {
		b.terminate(condition, "")
	}
	for ws := range websockets {
		ws.terminate(condition, "")
	}
}

// SetDown switches the notification service off (every session ends with
// remote-connection-failed and no new one starts: a new BOSH session is
// answered with that terminate condition, a new WebSocket stream with that
// stream error after its <open/>) or back on.
func (s *Server) SetDown(down bool) {
	if down {
		s.Reset("remote-connection-failed")
	}
	s.mu.Lock()
	s.down = down
	s.mu.Unlock()
}

// SetFinessePresence sets the presence of the finesse user and tells every
// available client about a change.
func (s *Server) SetFinessePresence(available bool) {
	s.mu.Lock()
	changed := s.finesseOff == available
	s.finesseOff = !available
	var targets []*stream
	if changed {
		for _, rs := range s.users {
			for _, st := range rs {
				if st.available {
					targets = append(targets, st)
				}
			}
		}
	}
	s.mu.Unlock()
	for _, st := range targets {
		st.sendFinessePresence(available)
	}
}

// Stats returns the server's counters.
func (s *Server) Stats() Stats {
	s.mu.RLock()
	st := Stats{Sessions: len(s.sessions), WebSockets: len(s.websockets)}
	for _, rs := range s.users {
		st.Bound += len(rs)
		for _, x := range rs {
			if x.available {
				st.Available++
			}
		}
	}
	s.mu.RUnlock()
	st.Binds = s.binds.Load()
	st.DesktopBinds = s.desktopBinds.Load()
	st.AuthFailures = s.authFailures.Load()
	st.Published = s.published.Load()
	st.Delivered = s.delivered.Load()
	st.WSOpened = s.wsOpened.Load()
	return st
}

// Bound lists the full JIDs bound now, with their presence, for reports.
func (s *Server) Bound() map[string]bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make(map[string]bool)
	for _, rs := range s.users {
		for _, st := range rs {
			out[st.jid] = st.available
		}
	}
	return out
}

// Publish sends one pubsub event item on node to every available subscriber.
// payload is the unescaped Finesse <Update> document; it travels escaped as
// the text of <notification xmlns='http://jabber.org/protocol/pubsub'>, as
// Finesse sends it. Publish never blocks on a client.
func (s *Server) Publish(node, payload string) {
	s.published.Add(1)
	itemID := s.newID()
	// The item is the same for every recipient; only the envelope differs.
	item := "<event xmlns='" + nsPubSubEvent + "'><items node='" + esc(node) + "'><item id='" + itemID +
		"'><notification xmlns='" + nsPubSub + "'>" + esc(payload) + "</notification></item></items></event></message>"
	s.mu.RLock()
	defer s.mu.RUnlock()
	for jid := range s.subs[node] {
		local, resource := splitJID(jid)
		for res, st := range s.users[local] {
			if resource != "" && res != resource {
				continue
			}
			if !st.available || st.priority < 0 {
				continue
			}
			// Finesse's message ids name node, recipient and a sequence.
			msg := "<message xmlns='" + nsClient + "' from='" + esc(s.cfg.PubSubDomain) + "' to='" + esc(st.jid) +
				"' id='" + esc(node) + "__" + esc(st.bare()) + "__" + s.newID() + "'>" + item
			st.out.deliver([]byte(msg))
			s.delivered.Add(1)
		}
	}
}

// Subscribers returns how many JIDs are subscribed to node.
func (s *Server) Subscribers(node string) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.subs[node])
}

// subscribe records jid (bare or full) on node.
func (s *Server) subscribe(node, jid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.subs[node]
	if m == nil {
		m = make(map[string]struct{})
		s.subs[node] = m
	}
	m[jid] = struct{}{}
}

// unsubscribe removes jid from node and reports whether it was there.
func (s *Server) unsubscribe(node, jid string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.subs[node]
	if _, ok := m[jid]; !ok {
		return false
	}
	delete(m, jid)
	if len(m) == 0 {
		delete(s.subs, node)
	}
	return true
}

// subscriptions lists the nodes on which jid's bare or full JID is subscribed.
func (s *Server) subscriptions(bare, full string) [][2]string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out [][2]string
	for node, m := range s.subs {
		for _, j := range []string{bare, full} {
			if _, ok := m[j]; ok {
				out = append(out, [2]string{node, j})
			}
		}
	}
	return out
}

// BindsOf counts the resource binds of one user (localpart) so far: the
// notification sessions one agent opened, e.g. one per tab without sharing.
func (s *Server) BindsOf(user string) uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.userBinds[user]
}

// bind registers st under its resource. A stream already bound to the same
// full JID is replaced and told so (conflict), as XMPP servers do; that is
// why Finesse reserves the resource "desktop" for its own desktop.
func (s *Server) bind(st *stream) {
	s.binds.Add(1)
	if s.cfg.OnBind != nil {
		s.cfg.OnBind(st.user, st.resource)
	}
	if st.resource == "desktop" {
		s.desktopBinds.Add(1)
	}
	s.mu.Lock()
	s.userBinds[st.user]++
	rs := s.users[st.user]
	if rs == nil {
		rs = make(map[string]*stream)
		s.users[st.user] = rs
	}
	old := rs[st.resource]
	rs[st.resource] = st
	s.mu.Unlock()
	if old != nil && old != st {
		old.out.terminate("conflict", "Replaced by new connection")
	}
}

// unbind removes st from the registry if it is still the bound stream.
func (s *Server) unbind(st *stream) {
	if st.resource == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if rs := s.users[st.user]; rs[st.resource] == st {
		delete(rs, st.resource)
		if len(rs) == 0 {
			delete(s.users, st.user)
		}
	}
}

// setPresence records st's availability and returns the user's available
// streams (for the presence echo) and whether the finesse user is available.
func (s *Server) setPresence(st *stream, available bool, priority int) (peers []*stream, finesseUp bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st.available = available
	st.priority = priority
	for _, p := range s.users[st.user] {
		if p.available || p == st {
			peers = append(peers, p)
		}
	}
	return peers, !s.finesseOff
}

func (s *Server) isDown() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.down
}

func (s *Server) newID() string {
	return strconv.FormatUint(s.idSeq.Add(1), 36)
}

// housekeeping destroys inactive BOSH sessions, forgets old tombstones and
// sends server pings. One goroutine per server, whatever the session count.
func (s *Server) housekeeping() {
	defer s.wg.Done()
	tick := min(time.Second, s.cfg.Inactivity/4)
	t := time.NewTicker(tick)
	defer t.Stop()
	var lastPing time.Time
	for {
		select {
		case <-s.stop:
			return
		case now := <-t.C:
			s.reap(now)
			if s.cfg.PingInterval > 0 && now.Sub(lastPing) >= s.cfg.PingInterval {
				lastPing = now
				s.pingAll()
			}
		}
	}
}

func (s *Server) reap(now time.Time) {
	var idle []*boshSession
	s.mu.Lock()
	for sid, b := range s.sessions {
		if b.idleSince(now) > s.cfg.Inactivity {
			idle = append(idle, b)
			delete(s.sessions, sid)
		}
	}
	for sid, t := range s.tombstones {
		if now.Sub(t.at) > s.cfg.Inactivity {
			delete(s.tombstones, sid)
		}
	}
	s.mu.Unlock()
	for _, b := range idle {
		b.bury(terminateBody("item-not-found", nil))
	}
}

func (s *Server) pingAll() {
	s.mu.RLock()
	var targets []*stream
	for _, rs := range s.users {
		for _, st := range rs {
			targets = append(targets, st)
		}
	}
	s.mu.RUnlock()
	for _, st := range targets {
		st.out.deliver([]byte("<iq xmlns='" + nsClient + "' type='get' id='s2c-" + s.newID() + "' from='" +
			esc(s.cfg.Domain) + "' to='" + esc(st.jid) + "'><ping xmlns='" + nsPing + "'/></iq>"))
	}
}

// splitJID returns the localpart and resource of a JID (the domain is ours).
func splitJID(jid string) (local, resource string) {
	if i := strings.IndexByte(jid, '/'); i >= 0 {
		jid, resource = jid[:i], jid[i+1:]
	}
	if i := strings.IndexByte(jid, '@'); i >= 0 {
		jid = jid[:i]
	}
	return jid, resource
}

// randomID returns 128 random bits in hex (BOSH sids must be unguessable).
func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// streamErrorXML renders a stream error for a terminate body.
func streamErrorXML(condition, text string) []byte {
	x := "<stream:error xmlns:stream='" + nsStream + "'><" + condition + " xmlns='" + nsStreams + "'/>"
	if text != "" {
		x += "<text xmlns='" + nsStreams + "'>" + esc(text) + "</text>"
	}
	return []byte(x + "</stream:error>")
}
