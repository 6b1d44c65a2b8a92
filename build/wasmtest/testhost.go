package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// testHost is the CORS-enabled HTTP server the fetch tests in Chromium talk
// to. Endpoints (all answer OPTIONS preflights; see handler):
//
//	GET  [/oos]/finesse/api/SystemInfo  SystemInfo XML (IN_SERVICE, or OUT_OF_SERVICE under /oos)
//	ANY  /echo                          JSON {method, path, query, header, body} of the request
//	GET  /status/{code}                 that status; 401/403/404/500/503 with an ApiErrors body
//	GET  /slow?ms=N                     "done" after N ms (a long-poll), or nothing if the client leaves
//	GET  /stream?id=ID&chunks=N         N chunks "chunk <i>\n"; chunk i+1 only after POST /stream/next?id=ID
//	POST /stream/next?id=ID             releases the next chunk of stream ID
//	GET  /big?size=N                    N bytes, byte i = i % 251 (a prime, so chunk seams show)
//	GET  /hang?id=ID[&after=headers]    never completes; after=headers sends headers and one chunk first
//	GET  /arrived?id=ID                 waits until /hang ID has arrived: 200 "arrived", or 504 after 10 s
//	GET  /disconnected?id=ID            waits until the client of /hang or /stream ID has gone:
//	                                    200 "disconnected", or 504 after 10 s
//	/ws/...                             WebSocket endpoints for wasm/jsws (wshost.go)
//
// The stream and disconnect endpoints are driven by the test, not by
// clocks, so the tests assert order and cause without timing bounds.
type testHost struct {
	URL string
	// WSURL is URL with the ws scheme, the base of the /ws/ endpoints.
	WSURL string

	srv *http.Server
	ln  net.Listener
	log *log.Logger

	// ctx is the lifetime of the WebSockets: http.Server.Close does not
	// reach hijacked connections, so Close cancels it.
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	streams map[string]chan struct{} // stream id -> "send next chunk"
	events  map[string]chan struct{} // "arrived:ID", "gone:ID", "wsgone:ID" -> closed when that happened
	wsSeen  map[string]string        // socket id -> how it ended, for /ws/closed
}

func newTestHost(addr string, logTo io.Writer) (*testHost, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	h := &testHost{
		URL:     "http://" + ln.Addr().String(),
		WSURL:   "ws://" + ln.Addr().String(),
		ln:      ln,
		log:     log.New(logTo, "testhost: ", 0),
		streams: map[string]chan struct{}{},
		events:  map[string]chan struct{}{},
		wsSeen:  map[string]string{},
	}
	h.ctx, h.cancel = context.WithCancel(context.Background())
	h.srv = &http.Server{Handler: h.handler(), ReadHeaderTimeout: 10 * time.Second, ErrorLog: h.log}
	go func() {
		if err := h.srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			h.log.Print(err)
		}
	}()
	return h, nil
}

// Close stops the server at once: hanging requests are cut, not awaited.
func (h *testHost) Close() {
	h.cancel()
	_ = h.srv.Close()
}

func (h *testHost) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /finesse/api/SystemInfo", h.systemInfo("IN_SERVICE"))
	mux.HandleFunc("GET /oos/finesse/api/SystemInfo", h.systemInfo("OUT_OF_SERVICE"))
	mux.HandleFunc("/echo", h.echo)
	mux.HandleFunc("GET /status/{code}", h.status)
	mux.HandleFunc("GET /slow", h.slow)
	mux.HandleFunc("GET /stream", h.stream)
	mux.HandleFunc("POST /stream/next", h.streamNext)
	mux.HandleFunc("GET /big", h.big)
	mux.HandleFunc("GET /hang", h.hang)
	mux.HandleFunc("GET /arrived", h.await("arrived", "arrived"))
	mux.HandleFunc("GET /disconnected", h.await("gone", "disconnected"))
	h.wsRoutes(mux)
	return cors(mux)
}

// exposedHeaders are the response headers the tests read besides the
// CORS-safelisted ones.
const exposedHeaders = "X-Echo-Method, X-Multi, X-Request-Id"

// cors allows any origin, with credentials, as a reverse proxy in front of
// Finesse would for the CRM's origin: the page (wasmbrowsertest's server) is
// on another port, so every test request is cross-origin like in production.
func cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		if origin := r.Header.Get("Origin"); origin != "" {
			// With credentials "include", "*" is not accepted: echo the origin.
			hd.Set("Access-Control-Allow-Origin", origin)
			hd.Set("Access-Control-Allow-Credentials", "true")
			hd.Add("Vary", "Origin")
		}
		hd.Set("Access-Control-Expose-Headers", exposedHeaders)
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			hd.Set("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS")
			if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
				hd.Set("Access-Control-Allow-Headers", req)
			}
			hd.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (h *testHost) systemInfo(status string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprintf(w, systemInfoXML, status)
	}
}

// systemInfoXML is the UCCE example of research/finesse-protocol.md §1.4.
const systemInfoXML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<SystemInfo>
  <currentTimestamp>2024-05-05T07:34:07.188Z</currentTimestamp>
  <deploymentType>UCCE</deploymentType>
  <lastCTIHeartbeatStatus>success</lastCTIHeartbeatStatus>
  <ctiVersion>24</ctiVersion>
  <ctiHeartbeatInterval>5</ctiHeartbeatInterval>
  <ctiMMode></ctiMMode><ctiTimeInMMode>-1</ctiTimeInMMode>
  <finesseMMode></finesseMMode><finesseTimeInMMode>-1</finesseTimeInMMode>
  <peripheralId>5000</peripheralId>
  <primaryNode><host>fin-a.example.com</host><httpsPort>8445</httpsPort><xmppPort>5222</xmppPort><xmppSecurePort>5223</xmppSecurePort></primaryNode>
  <secondaryNode><host>fin-b.example.com</host><httpsPort>8445</httpsPort><xmppPort>5222</xmppPort><xmppSecurePort>5223</xmppSecurePort></secondaryNode>
  <status>%s</status>
  <statusReason></statusReason>
  <systemAuthMode>NON_SSO</systemAuthMode>
  <timezoneOffset>-420</timezoneOffset>
  <uri>/finesse/api/SystemInfo</uri>
  <xmppDomain>fin-a.example.com</xmppDomain>
  <xmppPubSubDomain>pubsub.fin-a.example.com</xmppPubSubDomain>
  <ctiServers>
    <ctiServer><host>cg-a.example.com</host><connectedDuration>1000</connectedDuration><active>true</active></ctiServer>
    <ctiServer><host>cg-b.example.com</host><connectedDuration>-1</connectedDuration><active>false</active></ctiServer>
  </ctiServers>
</SystemInfo>
`

// EchoReply is what /echo answers.
type EchoReply struct {
	Method string              `json:"method"`
	Path   string              `json:"path"`
	Query  string              `json:"query"`
	Header map[string][]string `json:"header"`
	Body   string              `json:"body"`
}

func (h *testHost) echo(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Echo-Method", r.Method)
	w.Header().Add("X-Multi", "one")
	w.Header().Add("X-Multi", "two")
	if id := r.Header.Get("RequestId"); id != "" {
		w.Header().Set("X-Request-Id", id)
	}
	_ = json.NewEncoder(w).Encode(EchoReply{
		Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header, Body: string(body),
	})
}

// apiErrorsXML is Finesse's error body (research/finesse-protocol.md §1.2).
const apiErrorsXML = `<ApiErrors><ApiError><ErrorType>%s</ErrorType><ErrorData></ErrorData><ErrorMessage>%s</ErrorMessage></ApiError></ApiErrors>`

func (h *testHost) status(w http.ResponseWriter, r *http.Request) {
	code, err := strconv.Atoi(r.PathValue("code"))
	if err != nil || code < 200 || code > 599 {
		http.Error(w, "bad status code", http.StatusBadRequest)
		return
	}
	msg := map[int]string{
		401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND",
		500: "RUNTIME_EXCEPTION", 503: "SERVER_OUT_OF_SERVICE",
	}[code]
	if msg == "" {
		w.WriteHeader(code)
		return
	}
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(code)
	fmt.Fprintf(w, apiErrorsXML, http.StatusText(code), msg)
}

func (h *testHost) slow(w http.ResponseWriter, r *http.Request) {
	ms, err := strconv.Atoi(r.URL.Query().Get("ms"))
	if err != nil || ms < 0 || ms > 60_000 {
		http.Error(w, "ms must be 0..60000", http.StatusBadRequest)
		return
	}
	select {
	case <-time.After(time.Duration(ms) * time.Millisecond):
		_, _ = io.WriteString(w, "done")
	case <-r.Context().Done():
	}
}

func (h *testHost) stream(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	n, err := strconv.Atoi(r.URL.Query().Get("chunks"))
	if id == "" || err != nil || n < 1 || n > 100 {
		http.Error(w, "need id and chunks=1..100", http.StatusBadRequest)
		return
	}
	next := h.streamChan(id)
	defer h.happened("gone", id)
	w.Header().Set("Content-Type", "text/plain")
	flusher := w.(http.Flusher)
	for i := 0; i < n; i++ {
		if i > 0 {
			select {
			case <-next:
			case <-r.Context().Done():
				return
			}
		}
		fmt.Fprintf(w, "chunk %d\n", i)
		flusher.Flush()
	}
}

func (h *testHost) streamNext(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	select {
	case h.streamChan(id) <- struct{}{}:
		w.WriteHeader(http.StatusNoContent)
	case <-time.After(10 * time.Second):
		http.Error(w, "no stream "+id+" waiting for a next chunk", http.StatusGatewayTimeout)
	case <-r.Context().Done():
	}
}

func (h *testHost) streamChan(id string) chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	c, ok := h.streams[id]
	if !ok {
		c = make(chan struct{})
		h.streams[id] = c
	}
	return c
}

func (h *testHost) big(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.URL.Query().Get("size"))
	if err != nil || n < 0 || n > 64<<20 {
		http.Error(w, "size must be 0..64 MiB", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(n))
	buf := make([]byte, 32<<10)
	for off := 0; off < n; {
		k := min(len(buf), n-off)
		for i := range k {
			buf[i] = byte((off + i) % 251)
		}
		if _, err := w.Write(buf[:k]); err != nil {
			return
		}
		off += k
	}
}

func (h *testHost) hang(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	if id == "" {
		http.Error(w, "need id", http.StatusBadRequest)
		return
	}
	h.happened("arrived", id)
	defer h.happened("gone", id)
	if r.URL.Query().Get("after") == "headers" {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "first\n")
		w.(http.Flusher).Flush()
	}
	<-r.Context().Done()
}

// await answers once event happened for the request id given, so a test can
// wait for the server's view without sleeping.
func (h *testHost) await(event, answer string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("id")
		if id == "" {
			http.Error(w, "need id", http.StatusBadRequest)
			return
		}
		select {
		case <-h.event(event, id):
			_, _ = io.WriteString(w, answer)
		case <-time.After(10 * time.Second):
			http.Error(w, "not "+answer+" after 10s", http.StatusGatewayTimeout)
		case <-r.Context().Done():
		}
	}
}

func (h *testHost) event(event, id string) chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	key := event + ":" + id
	c, ok := h.events[key]
	if !ok {
		c = make(chan struct{})
		h.events[key] = c
	}
	return c
}

func (h *testHost) happened(event, id string) {
	c := h.event(event, id)
	h.mu.Lock()
	defer h.mu.Unlock()
	select {
	case <-c:
	default:
		close(c)
	}
}
