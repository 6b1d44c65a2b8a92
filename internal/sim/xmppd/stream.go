package xmppd

import (
	"bytes"
	"encoding/base64"
	"strconv"
	"strings"
)

// sink is what a framing (BOSH, or RFC 7395 WebSocket) gives a stream: a
// way to queue top-level elements for the client and to end the session. A
// stream never writes to the network itself, so the same stanza logic
// serves every framing.
type sink interface {
	// deliver queues one top-level element for the client; it never blocks.
	deliver(elem []byte)
	// terminate ends the session with a stream error condition of RFC 6120
	// §4.9.3 (system-shutdown, remote-connection-failed, conflict, ...) and
	// an optional text. Each framing says it its own way: BOSH as a
	// terminate body, WebSocket as <stream:error/> and <close/>. It never
	// blocks.
	terminate(condition, text string)
}

type streamState int

const (
	stateAuth  streamState = iota // before SASL success
	stateBind                     // authenticated, no resource yet
	stateBound                    // resource bound: stanzas flow
)

// streamError is a fatal error: the framing ends the session with it.
type streamError struct {
	condition string
	text      string
}

// stream is one client-to-server XMPP stream. Its methods are called by the
// framing with one element at a time, in order, never concurrently.
type stream struct {
	srv *Server
	out sink

	state       streamState
	saslPending bool // PLAIN started without an initial response
	user        string
	resource    string
	jid         string

	// Guarded by srv.mu: read by Publish on other goroutines.
	available bool
	priority  int
}

func newStream(srv *Server, out sink) *stream {
	return &stream{srv: srv, out: out}
}

func (st *stream) bare() string { return st.user + "@" + st.srv.cfg.Domain }

// features returns the stream features for the current state: SASL PLAIN
// before authentication, bind and (optional) session after it.
func (st *stream) features() []byte {
	const open = "<stream:features xmlns:stream='" + nsStream + "' xmlns='" + nsClient + "'>"
	if st.state == stateAuth {
		return []byte(open + "<mechanisms xmlns='" + nsSASL + "'><mechanism>PLAIN</mechanism></mechanisms></stream:features>")
	}
	return []byte(open + "<bind xmlns='" + nsBind + "'><required/></bind>" +
		"<session xmlns='" + nsSession + "'><optional/></session></stream:features>")
}

// restart handles a stream restart (XEP-0206 xmpp:restart, or a new <open/>)
// and queues the features of the new stream.
func (st *stream) restart() {
	st.saslPending = false
	st.out.deliver(st.features())
}

// end is called when the session ends for any reason.
func (st *stream) end() {
	st.srv.unbind(st)
}

// handle processes one top-level element from the client.
func (st *stream) handle(e *element) *streamError {
	switch st.state {
	case stateAuth:
		return st.handleAuth(e)
	case stateBind:
		if isStanza(e, "iq") && e.child(nsBind, "bind") != nil && e.attr("", "type") == "set" {
			st.bindResource(e)
			return nil
		}
		if isStanza(e, "iq") && e.child(nsPing, "ping") != nil {
			st.handleIQ(e) // a ping before bind is harmless; answer it
			return nil
		}
		return &streamError{condition: "not-authorized", text: "bind a resource first"}
	default:
		switch {
		case isStanza(e, "iq"):
			st.handleIQ(e)
		case isStanza(e, "presence"):
			st.handlePresence(e)
		case isStanza(e, "message"):
			// Finesse agents do not message each other; nothing to route.
		default:
			return &streamError{condition: "unsupported-stanza-type"}
		}
		return nil
	}
}

// isStanza reports whether e is the named stanza. Inside a BOSH body an
// unqualified stanza inherits the body's namespace; clients that follow
// XEP-0206 qualify it with jabber:client.
func isStanza(e *element, local string) bool {
	if e.name.Local != local {
		return false
	}
	switch e.name.Space {
	case nsClient, nsHTTPBind, "":
		return true
	}
	return false
}

func (st *stream) handleAuth(e *element) *streamError {
	if e.name.Space != nsSASL {
		return &streamError{condition: "not-authorized", text: "authenticate first"}
	}
	switch e.name.Local {
	case "auth":
		if e.attr("", "mechanism") != "PLAIN" {
			st.saslFailure("invalid-mechanism")
			return nil
		}
		data := strings.TrimSpace(e.text)
		if data == "" {
			// PLAIN without an initial response: ask for it (RFC 6120 6.4.2).
			st.saslPending = true
			st.out.deliver([]byte("<challenge xmlns='" + nsSASL + "'/>"))
			return nil
		}
		st.checkPlain(data)
	case "response":
		if !st.saslPending {
			st.saslFailure("malformed-request")
			return nil
		}
		st.saslPending = false
		st.checkPlain(strings.TrimSpace(e.text))
	case "abort":
		st.saslPending = false
		st.saslFailure("aborted")
	default:
		return &streamError{condition: "not-authorized", text: "authenticate first"}
	}
	return nil
}

// checkPlain verifies a base64 PLAIN message: authzid NUL authcid NUL passwd.
func (st *stream) checkPlain(data string) {
	raw, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		st.saslFailure("incorrect-encoding")
		return
	}
	parts := bytes.Split(raw, []byte{0})
	if len(parts) != 3 || len(parts[1]) == 0 {
		st.saslFailure("malformed-request")
		return
	}
	authz, authc, pass := string(parts[0]), string(parts[1]), string(parts[2])
	// Clients send the bare username; accept user@domain too.
	authc = strings.TrimSuffix(authc, "@"+st.srv.cfg.Domain)
	if authz != "" && authz != authc && authz != authc+"@"+st.srv.cfg.Domain {
		st.saslFailure("invalid-authzid")
		return
	}
	if !st.srv.cfg.Authenticate(authc, pass) {
		st.srv.authFailures.Add(1)
		st.saslFailure("not-authorized")
		return
	}
	st.user = authc
	st.state = stateBind
	st.out.deliver([]byte("<success xmlns='" + nsSASL + "'/>"))
}

func (st *stream) saslFailure(condition string) {
	st.out.deliver([]byte("<failure xmlns='" + nsSASL + "'><" + condition + "/></failure>"))
}

func (st *stream) bindResource(e *element) {
	id := e.attr("", "id")
	res := ""
	if r := e.child(nsBind, "bind").child(nsBind, "resource"); r != nil {
		res = strings.TrimSpace(r.text)
	}
	if res == "" {
		res = "sim-" + randomID()[:12]
	}
	if len(res) > 1023 || strings.ContainsAny(res, "\x00") {
		st.iqError(id, "", "modify", "bad-request", "")
		return
	}
	st.resource = res
	st.jid = st.bare() + "/" + res
	st.srv.bind(st)
	st.state = stateBound
	if st.srv.cfg.AutoNodes != nil {
		for _, node := range st.srv.cfg.AutoNodes(st.user) {
			st.srv.subscribe(node, st.bare())
		}
	}
	st.out.deliver([]byte("<iq xmlns='" + nsClient + "' type='result' id='" + esc(id) + "'><bind xmlns='" + nsBind +
		"'><jid>" + esc(st.jid) + "</jid></bind></iq>"))
}

func (st *stream) handleIQ(e *element) {
	id, typ, to := e.attr("", "id"), e.attr("", "type"), e.attr("", "to")
	if typ == "result" || typ == "error" {
		return // answers to our pings
	}
	if typ != "get" && typ != "set" {
		st.iqError(id, to, "modify", "bad-request", "")
		return
	}
	payload := e.first()
	if payload == nil {
		st.iqError(id, to, "modify", "bad-request", "")
		return
	}
	// Addressed to the server, its pubsub service, or the user's own JID.
	if to != "" && to != st.srv.cfg.Domain && to != st.srv.cfg.PubSubDomain && strings.SplitN(to, "/", 2)[0] != st.bare() {
		st.iqError(id, to, "cancel", "service-unavailable", "")
		return
	}
	switch {
	case payload.name.Space == nsPing && payload.name.Local == "ping":
		st.iqResult(id, to, "")
	case payload.name.Space == nsSession && payload.name.Local == "session":
		st.iqResult(id, to, "")
	case payload.name.Space == nsRoster && payload.name.Local == "query" && typ == "get":
		// The finesse user is in every agent's roster: that is how its
		// presence reaches the client.
		fin := st.srv.cfg.FinesseUser + "@" + st.srv.cfg.Domain
		st.iqResult(id, to, "<query xmlns='"+nsRoster+"'><item jid='"+esc(fin)+"' subscription='both'/></query>")
	case payload.name.Space == nsDiscoInfo && payload.name.Local == "query" && typ == "get":
		st.discoInfo(id, to)
	case payload.name.Space == nsPubSub && payload.name.Local == "pubsub":
		st.handlePubSub(id, to, typ, payload)
	case payload.name.Space == nsBind:
		st.iqError(id, to, "cancel", "not-allowed", "")
	default:
		st.iqError(id, to, "cancel", "service-unavailable", "")
	}
}

func (st *stream) discoInfo(id, to string) {
	var q string
	if to == st.srv.cfg.PubSubDomain {
		q = "<identity category='pubsub' type='service'/><feature var='" + nsPubSub + "'/>" +
			"<feature var='" + nsPubSub + "#subscribe'/>"
	} else {
		q = "<identity category='server' type='im'/><feature var='" + nsPing + "'/>"
	}
	st.iqResult(id, to, "<query xmlns='"+nsDiscoInfo+"'>"+q+"<feature var='"+nsDiscoInfo+"'/></query>")
}

// handlePubSub serves explicit subscriptions (XEP-0060 6.1, 6.2, 5.6).
func (st *stream) handlePubSub(id, to, typ string, ps *element) {
	op := ps.first()
	if op == nil {
		st.iqError(id, to, "modify", "bad-request", "")
		return
	}
	switch {
	case typ == "set" && (op.name.Local == "subscribe" || op.name.Local == "unsubscribe"):
		node, jid := op.attr("", "node"), op.attr("", "jid")
		if node == "" {
			st.iqError(id, to, "modify", "bad-request", "nodeid-required")
			return
		}
		// The service checks the bare JID against the requester's (6.1.3.1).
		if jid == "" || strings.SplitN(jid, "/", 2)[0] != st.bare() {
			st.iqError(id, to, "modify", "bad-request", "invalid-jid")
			return
		}
		if op.name.Local == "unsubscribe" {
			if !st.srv.unsubscribe(node, jid) {
				st.iqError(id, to, "cancel", "unexpected-request", "not-subscribed")
				return
			}
			st.iqResult(id, to, "")
			return
		}
		st.srv.subscribe(node, jid)
		st.iqResult(id, to, "<pubsub xmlns='"+nsPubSub+"'><subscription node='"+esc(node)+"' jid='"+esc(jid)+
			"' subscription='subscribed'/></pubsub>")
	case typ == "get" && op.name.Local == "subscriptions":
		var b strings.Builder
		b.WriteString("<pubsub xmlns='" + nsPubSub + "'><subscriptions>")
		for _, s := range st.srv.subscriptions(st.bare(), st.jid) {
			b.WriteString("<subscription node='" + esc(s[0]) + "' jid='" + esc(s[1]) + "' subscription='subscribed'/>")
		}
		b.WriteString("</subscriptions></pubsub>")
		st.iqResult(id, to, b.String())
	default:
		st.iqError(id, to, "cancel", "feature-not-implemented", "")
	}
}

func (st *stream) handlePresence(e *element) {
	if e.attr("", "to") != "" {
		return // directed presence and subscription requests: nothing to do
	}
	var available bool
	switch e.attr("", "type") {
	case "":
		available = true
	case "unavailable":
	default:
		return
	}
	prio := 0
	if p := e.child(e.name.Space, "priority"); p != nil {
		if n, err := strconv.Atoi(strings.TrimSpace(p.text)); err == nil && n >= -128 && n <= 127 {
			prio = n
		}
	}
	st.srv.mu.RLock()
	wasAvailable := st.available
	st.srv.mu.RUnlock()
	peers, finesseUp := st.srv.setPresence(st, available, prio)
	// Echo the presence to the user's own resources, as servers broadcast
	// presence to the sender (RFC 6121 4.2.2).
	var p string
	if available {
		p = "<presence xmlns='" + nsClient + "' from='" + esc(st.jid) + "'><priority>" + strconv.Itoa(prio) + "</priority></presence>"
	} else {
		p = "<presence xmlns='" + nsClient + "' type='unavailable' from='" + esc(st.jid) + "'/>"
	}
	for _, peer := range peers {
		peer.out.deliver([]byte(p))
	}
	if available && !wasAvailable {
		// Initial presence: the server answers with the roster's presence,
		// i.e. the finesse user's.
		st.sendFinessePresence(finesseUp)
	}
}

// sendFinessePresence tells this client whether the finesse user is there.
func (st *stream) sendFinessePresence(available bool) {
	from := st.srv.cfg.FinesseUser + "@" + st.srv.cfg.Domain + "/finesse"
	p := "<presence xmlns='" + nsClient + "' from='" + esc(from) + "' to='" + esc(st.jid) + "'"
	if !available {
		p += " type='unavailable'"
	}
	st.out.deliver([]byte(p + "/>"))
}

func (st *stream) iqResult(id, from, payload string) {
	if from == "" {
		from = st.srv.cfg.Domain
	}
	x := "<iq xmlns='" + nsClient + "' type='result' id='" + esc(id) + "' from='" + esc(from) + "' to='" + esc(st.jid) + "'"
	if payload == "" {
		st.out.deliver([]byte(x + "/>"))
		return
	}
	st.out.deliver([]byte(x + ">" + payload + "</iq>"))
}

// iqError answers an IQ with a stanza error; appCondition, when set, is a
// pubsub#errors application condition.
func (st *stream) iqError(id, from, typ, condition, appCondition string) {
	if from == "" {
		from = st.srv.cfg.Domain
	}
	x := "<iq xmlns='" + nsClient + "' type='error' id='" + esc(id) + "' from='" + esc(from) + "'"
	if st.jid != "" {
		x += " to='" + esc(st.jid) + "'"
	}
	x += "><error type='" + typ + "'><" + condition + " xmlns='" + nsStanzas + "'/>"
	if appCondition != "" {
		x += "<" + appCondition + " xmlns='" + nsPubSubErrors + "'/>"
	}
	st.out.deliver([]byte(x + "</error></iq>"))
}
