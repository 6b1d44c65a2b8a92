package sim

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"
)

// The side's XMPP-over-WebSocket endpoint (RFC 7395) is xmppd's; what the
// side adds is the network under it. A WebSocket outlives its HTTP request
// (the connection is hijacked), so the side's faults cannot act on requests
// as they do for REST and BOSH: they act on the hijacked connection instead.
// Each one is wrapped in a wsConn that the side tracks:
//
//   - kill closes the TCP connections without a close frame (the client
//     reads an abnormal closure, 1006), as a dying process does;
//   - blackhole swallows everything both ways and closes nothing; bytes that
//     arrive in the hole are lost, so clearing it resets those connections,
//     as it resets the BOSH requests it held;
//   - latency delays every chunk the client sends, so each answer comes that
//     much later (server pushes are not delayed, like a held BOSH answer).
//
// Notification-down, presence, conflict and a graceful stop are XMPP-level:
// xmppd ends the stream with a stream error, <close/> and a close frame 1000.

// errSideDown refuses a hijack that raced with a kill.
var errSideDown = errors.New("sim: side is down")

// wsWriter hands xmppd's WebSocket Accept a hijacked connection that the
// side controls. Unwrap lets http.ResponseController find the rest.
type wsWriter struct {
	http.ResponseWriter
	side *Side
}

func (w *wsWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Hijack takes the connection over and wraps it. The 101 response is already
// flushed by net/http at this point, so a fresh writer over the wrapper
// loses nothing.
func (w *wsWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	wc := &wsConn{Conn: conn, side: w.side, closed: make(chan struct{})}
	s := w.side
	s.mu.Lock()
	if s.srv == nil {
		s.mu.Unlock()
		_ = conn.Close()
		return nil, nil, errSideDown
	}
	s.websockets[wc] = struct{}{}
	s.mu.Unlock()
	return wc, bufio.NewReadWriter(brw.Reader, bufio.NewWriter(wc)), nil
}

// wsConn is a hijacked WebSocket connection under the side's faults.
type wsConn struct {
	net.Conn
	side   *Side
	once   sync.Once
	closed chan struct{}
}

func (c *wsConn) Read(p []byte) (int, error) {
	if c.side.faults().blackhole {
		return c.swallowed()
	}
	n, err := c.Conn.Read(p)
	if n == 0 {
		return n, err
	}
	f := c.side.faults()
	if f.blackhole {
		return c.swallowed() // arrived in the hole: lost
	}
	if f.latency > 0 {
		t := time.NewTimer(f.latency)
		defer t.Stop()
		select {
		case <-t.C:
		case <-c.closed:
			return 0, net.ErrClosed
		}
	}
	return n, err
}

// swallowed blocks a read inside the black hole until the connection is
// reset (the hole clears, the side dies or stops).
func (c *wsConn) swallowed() (int, error) {
	<-c.closed
	return 0, net.ErrClosed
}

func (c *wsConn) Write(p []byte) (int, error) {
	if c.side.faults().blackhole {
		return len(p), nil // into the hole: the client never sees it
	}
	return c.Conn.Write(p)
}

// Close is the WebSocket library's close. Inside the black hole even the
// TCP FIN must not reach the client, so the socket is parked instead and
// reset when the hole clears.
func (c *wsConn) Close() error {
	s := c.side
	c.once.Do(func() { close(c.closed) })
	s.mu.Lock()
	delete(s.websockets, c)
	if s.f.blackhole && s.srv != nil {
		s.parked[c.Conn] = struct{}{}
		s.mu.Unlock()
		return nil
	}
	s.mu.Unlock()
	return c.Conn.Close()
}

// drop closes the TCP connection at once: no close frame, no FIN delay.
func (c *wsConn) drop() {
	c.once.Do(func() { close(c.closed) })
	_ = c.Conn.Close()
}

// takeWebSocketsLocked empties the side's WebSocket set; s.mu is held.
func (s *Side) takeWebSocketsLocked() []*wsConn {
	out := make([]*wsConn, 0, len(s.websockets))
	for c := range s.websockets {
		out = append(out, c)
	}
	clear(s.websockets)
	return out
}

func dropAll(conns []*wsConn) {
	for _, c := range conns {
		c.drop()
	}
}

// WSURL returns the XMPP-over-WebSocket endpoint, ws://host:port/ws/
// (Finesse serves it as wss://<host>:8445/ws/).
func (s *Side) WSURL() string { return "ws://" + s.Addr() + "/ws/" }

func isWebSocketPath(path string) bool { return path == "/ws" || path == "/ws/" }
