package xmppd

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// RFC 7395 framing.
const (
	nsFraming = "urn:ietf:params:xml:ns:xmpp-framing"
	// WebSocketSubprotocol is the subprotocol a client must offer (RFC 7395 §3.1).
	WebSocketSubprotocol = "xmpp"
	// wsCloseWait bounds how long Close waits for WebSocket sessions to
	// finish their closing handshake, so a stopping side neither hangs on a
	// silent client nor exits before the close frames are out.
	wsCloseWait = time.Second
)

// ServeWebSocket is the XMPP-over-WebSocket endpoint (RFC 7395): one XMPP
// element per text message, <open/> and <close/> of the framing namespace
// instead of a stream header, the same stream logic as BOSH behind it.
//
// A handshake that does not offer the "xmpp" subprotocol is refused with
// HTTP 400 before any upgrade, so a client can never mistake the socket for
// an XMPP one; a handshake beyond the capacity limit (Config.Admit) gets
// HTTP 503. Any origin may connect unless Config.WebSocketOrigins narrows
// it. The handler returns when the session has ended.
func (s *Server) ServeWebSocket(w http.ResponseWriter, r *http.Request) {
	if !offersSubprotocol(r, WebSocketSubprotocol) {
		http.Error(w, `XMPP over WebSocket needs the subprotocol "xmpp" (RFC 7395)`, http.StatusBadRequest)
		return
	}
	if s.cfg.Admit != nil && !s.cfg.Admit() {
		http.Error(w, "over capacity", http.StatusServiceUnavailable)
		return
	}
	opts := &websocket.AcceptOptions{
		Subprotocols:   []string{WebSocketSubprotocol},
		OriginPatterns: s.cfg.WebSocketOrigins,
		// Browser pages of other origins (the demo, the CRM) must be able
		// to connect, as they may call REST and BOSH through CORS.
		InsecureSkipVerify: len(s.cfg.WebSocketOrigins) == 0,
	}
	c, err := websocket.Accept(w, r, opts)
	if err != nil {
		return // Accept has answered with an HTTP error
	}
	c.SetReadLimit(maxBodyBytes)
	ws := &wsSession{srv: s, conn: c, wake: make(chan struct{}, 1), done: make(chan struct{})}
	ws.st = newStream(s, ws)
	s.mu.Lock()
	s.websockets[ws] = struct{}{}
	s.mu.Unlock()
	s.wsOpened.Add(1)
	s.wsWG.Add(1)
	go ws.writeLoop()
	ws.readLoop()
}

// offersSubprotocol reports whether the handshake lists proto among its
// Sec-WebSocket-Protocol tokens (RFC 6455 §4.1: comma-separated, possibly
// over several header lines).
func offersSubprotocol(r *http.Request, proto string) bool {
	for _, line := range r.Header.Values("Sec-WebSocket-Protocol") {
		for tok := range strings.SplitSeq(line, ",") {
			if strings.TrimSpace(tok) == proto {
				return true
			}
		}
	}
	return false
}

// wsSession is one XMPP stream over one WebSocket. The handler goroutine
// reads and feeds the stream; a writer goroutine sends what the stream and
// the server queue, so that deliver and terminate never block on a client.
type wsSession struct {
	srv  *Server
	conn *websocket.Conn
	st   *stream

	mu      sync.Mutex
	queue   [][]byte
	opened  bool   // the server's <open/> is queued: a stream error may follow it
	closing bool   // a farewell is queued; nothing else goes out
	reason  string // close frame reason (the stream error condition)
	wake    chan struct{}

	endOnce sync.Once
	done    chan struct{} // closed when the session has ended for any reason
}

// deliver implements sink.
func (ws *wsSession) deliver(elem []byte) {
	ws.mu.Lock()
	if ws.closing {
		ws.mu.Unlock()
		return
	}
	ws.queue = append(ws.queue, elem)
	ws.mu.Unlock()
	ws.signal()
}

// terminate implements sink: the stream error, the framing's <close/>, then
// a close frame 1000 whose reason names the condition. A stream error before
// the client's <open/> is preceded by the server's own <open/>, as RFC 6120
// §4.9.1.1 wants for errors before the stream header.
func (ws *wsSession) terminate(condition, text string) {
	ws.mu.Lock()
	if ws.closing {
		ws.mu.Unlock()
		return
	}
	if !ws.opened {
		ws.queue = append(ws.queue, ws.srv.wsOpen())
	}
	ws.queue = append(ws.queue, streamErrorXML(condition, text), wsCloseElement)
	ws.closing, ws.reason = true, condition
	ws.mu.Unlock()
	ws.unregister()
	ws.signal()
}

// closeStream answers the client's <close/> with ours (RFC 7395 §3.6) and
// closes the socket normally.
func (ws *wsSession) closeStream() {
	ws.mu.Lock()
	if ws.closing {
		ws.mu.Unlock()
		return
	}
	ws.queue = append(ws.queue, wsCloseElement)
	ws.closing = true
	ws.mu.Unlock()
	ws.unregister()
	ws.signal()
}

var wsCloseElement = []byte("<close xmlns='" + nsFraming + "'/>")

// wsOpen renders the server's <open/> (RFC 7395 §3.4).
func (s *Server) wsOpen() []byte {
	return []byte("<open xmlns='" + nsFraming + "' from='" + esc(s.cfg.Domain) + "' id='" + randomID() +
		"' version='1.0' xml:lang='en'/>")
}

func (ws *wsSession) signal() {
	select {
	case ws.wake <- struct{}{}:
	default: // a wake-up is already pending
	}
}

// unregister removes the session from the server, once: it no longer counts
// as open, Reset no longer reaches it and its resource is free.
func (ws *wsSession) unregister() {
	ws.endOnce.Do(func() {
		s := ws.srv
		s.mu.Lock()
		delete(s.websockets, ws)
		s.mu.Unlock()
		ws.st.end()
		close(ws.done)
	})
}

// readLoop feeds the client's elements to the stream until the socket ends.
func (ws *wsSession) readLoop() {
	defer func() {
		ws.unregister()
		// A socket that failed without a farewell is released at once.
		ws.mu.Lock()
		farewell := ws.closing
		ws.mu.Unlock()
		if !farewell {
			_ = ws.conn.CloseNow()
		}
	}()
	for {
		typ, data, err := ws.conn.Read(context.Background())
		if err != nil {
			return // closed by either side, or the read limit was exceeded
		}
		if ws.isClosing() {
			continue // keep reading until the peer's close frame arrives
		}
		if typ != websocket.MessageText {
			ws.terminate("unsupported-encoding", "RFC 7395 carries XMPP in text messages")
			continue
		}
		if len(strings.TrimSpace(string(data))) == 0 {
			continue // a whitespace keepalive: harmless
		}
		e, err := parseElement(data)
		if err != nil {
			ws.terminate("not-well-formed", "")
			continue
		}
		ws.handle(e)
	}
}

func (ws *wsSession) isClosing() bool {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return ws.closing
}

// handle routes one element: framing <open/> and <close/>, or a stanza for
// the stream.
func (ws *wsSession) handle(e *element) {
	if e.name.Space == nsFraming {
		switch e.name.Local {
		case "open":
			ws.open(e)
		case "close":
			ws.closeStream()
		default:
			ws.terminate("unsupported-stanza-type", "")
		}
		return
	}
	ws.mu.Lock()
	opened := ws.opened
	ws.mu.Unlock()
	if !opened {
		ws.terminate("not-authorized", "send <open/> first")
		return
	}
	if e.name.Space == nsStream {
		ws.terminate("unsupported-stanza-type", "") // e.g. a stray <stream:stream>
		return
	}
	if se := ws.st.handle(e); se != nil {
		ws.terminate(se.condition, se.text)
	}
}

// open answers the client's <open/>: the first one and every restart after
// SASL success (RFC 7395 §3.5) get the server's <open/> and the features of
// the stream's current state.
func (ws *wsSession) open(e *element) {
	s := ws.srv
	switch to := e.attr("", "to"); {
	case to == "":
		ws.terminate("improper-addressing", "")
		return
	case !strings.EqualFold(to, s.cfg.Domain):
		ws.terminate("host-unknown", "")
		return
	}
	if v := e.attr("", "version"); v != "" && v != "1.0" {
		ws.terminate("unsupported-version", "")
		return
	}
	ws.mu.Lock()
	ws.queue = append(ws.queue, s.wsOpen())
	ws.opened = true
	ws.mu.Unlock()
	if s.isDown() {
		// The notification service is down: the stream starts and ends at
		// once, as a BOSH session creation is answered with terminate.
		ws.terminate("remote-connection-failed", "")
		return
	}
	ws.st.restart()
}

// writeLoop sends the queued elements, one per text message, and after a
// farewell closes the socket with 1000.
func (ws *wsSession) writeLoop() {
	defer ws.srv.wsWG.Done()
	ctx := context.Background()
	for {
		select {
		case <-ws.wake:
		case <-ws.done:
			// Ended: flush what is left (a farewell) before stopping.
		}
		ws.mu.Lock()
		batch, closing, reason := ws.queue, ws.closing, ws.reason
		ws.queue = nil
		ws.mu.Unlock()
		for _, elem := range batch {
			if err := ws.conn.Write(ctx, websocket.MessageText, elem); err != nil {
				_ = ws.conn.CloseNow()
				ws.unregister()
				return
			}
		}
		if closing {
			err := ws.conn.Close(websocket.StatusNormalClosure, reason)
			if err != nil && !errors.Is(err, context.DeadlineExceeded) {
				_ = ws.conn.CloseNow()
			}
			return
		}
		select {
		case <-ws.done:
			if !ws.isClosing() {
				return // the socket failed: nothing more can be sent
			}
		default:
		}
	}
}
