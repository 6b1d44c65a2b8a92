package main

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/coder/websocket"
)

// WebSocket endpoints of the test host, for wasm/jsws. Each offers-and-
// selects the xmpp subprotocol (except /ws/noproto) and accepts the test
// page's origin (another loopback port, as a CRM page would be another
// origin than Finesse). ID names the socket for /ws/closed:
//
//	/ws/echo[?id=ID]                   every message back, same type
//	/ws/close?code=N&reason=R[&n=K]    sends K (default 1) messages "m0".."m<K-1>", then closes with N and R
//	/ws/drop[?id=ID]                   after the first client message, cuts TCP without a close frame (1006)
//	/ws/noproto                        accepts without selecting a subprotocol, then echoes
//	GET /ws/closed?id=ID               once socket ID ended: "<code> <reason>" of the client's close
//	                                   frame, "none" without one; 504 after 10 s
//
// Close frames and disconnects are reported by the server, not timed by
// the client, so the tests assert what was sent without sleeping.

// wsMaxMessage is larger than the 100 KB message of the echo test; the
// library's default read limit is 32 KiB.
const wsMaxMessage = 1 << 20

func (h *testHost) wsRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /ws/echo", h.wsEcho(true))
	mux.HandleFunc("GET /ws/noproto", h.wsEcho(false))
	mux.HandleFunc("GET /ws/close", h.wsClose)
	mux.HandleFunc("GET /ws/drop", h.wsDrop)
	mux.HandleFunc("GET /ws/closed", h.wsClosed)
}

func (h *testHost) wsAccept(w http.ResponseWriter, r *http.Request, xmpp bool) (*websocket.Conn, bool) {
	opts := &websocket.AcceptOptions{OriginPatterns: []string{"127.0.0.1:*", "localhost:*"}}
	if xmpp {
		opts.Subprotocols = []string{"xmpp"}
	}
	c, err := websocket.Accept(w, r, opts)
	if err != nil {
		h.log.Printf("ws accept %s: %v", r.URL.Path, err)
		return nil, false
	}
	c.SetReadLimit(wsMaxMessage)
	return c, true
}

func (h *testHost) wsEcho(xmpp bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, ok := h.wsAccept(w, r, xmpp)
		if !ok {
			return
		}
		defer c.CloseNow()
		id := r.URL.Query().Get("id")
		for {
			typ, msg, err := c.Read(h.ctx)
			if err != nil {
				h.wsEnded(id, err)
				return
			}
			if err := c.Write(h.ctx, typ, msg); err != nil {
				h.wsEnded(id, err)
				return
			}
		}
	}
}

func (h *testHost) wsClose(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	code, err := strconv.Atoi(q.Get("code"))
	if err != nil || code < 1000 || code > 4999 {
		http.Error(w, "code must be 1000..4999", http.StatusBadRequest)
		return
	}
	n := 1
	if s := q.Get("n"); s != "" {
		if n, err = strconv.Atoi(s); err != nil || n < 0 || n > 10_000 {
			http.Error(w, "n must be 0..10000", http.StatusBadRequest)
			return
		}
	}
	c, ok := h.wsAccept(w, r, true)
	if !ok {
		return
	}
	defer c.CloseNow()
	for i := range n {
		if err := c.Write(h.ctx, websocket.MessageText, []byte("m"+strconv.Itoa(i))); err != nil {
			return
		}
	}
	// Close waits (up to 5 s) for the browser's answering close frame.
	_ = c.Close(websocket.StatusCode(code), q.Get("reason"))
}

func (h *testHost) wsDrop(w http.ResponseWriter, r *http.Request) {
	c, ok := h.wsAccept(w, r, true)
	if !ok {
		return
	}
	defer c.CloseNow()
	_, _, err := c.Read(h.ctx)
	h.wsEnded(r.URL.Query().Get("id"), err)
	// No close frame: the TCP connection just ends, as when Finesse is killed.
	_ = c.CloseNow()
}

// wsEnded records how socket id ended and wakes /ws/closed.
func (h *testHost) wsEnded(id string, err error) {
	if id == "" {
		return
	}
	seen := "none"
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		seen = strconv.Itoa(int(ce.Code)) + " " + ce.Reason
	}
	h.mu.Lock()
	h.wsSeen[id] = seen
	h.mu.Unlock()
	h.happened("wsgone", id)
}

func (h *testHost) wsClosed(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	if id == "" {
		http.Error(w, "need id", http.StatusBadRequest)
		return
	}
	select {
	case <-h.event("wsgone", id):
		h.mu.Lock()
		seen := h.wsSeen[id]
		h.mu.Unlock()
		_, _ = w.Write([]byte(seen))
	case <-time.After(10 * time.Second):
		http.Error(w, "socket "+id+" still open after 10s", http.StatusGatewayTimeout)
	case <-r.Context().Done():
	}
}
