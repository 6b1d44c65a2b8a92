package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/finesse-ha/finesse-ha/internal/testkit/xmpptest"
)

// prosodyHost runs one real Prosody (internal/testkit/xmpptest) for the browser
// tests of wasm/jsws, and a small CORS-enabled control server that lets a
// test in Chromium do what Finesse and a crash would do to it:
//
//	POST /publish?node=N&id=I  body: an <Update> document. Creates node N if
//	                           needed, subscribes the agent's bare JID (as
//	                           Finesse's automatic subscriptions do) and
//	                           publishes the body as item I, escaped the way
//	                           Finesse does. 204 when Prosody accepted it.
//	POST /kill                 SIGKILL: every WebSocket drops without a close frame (1006).
//	POST /stop                 SIGTERM: Prosody's own shutdown (system-shutdown, then close).
//	POST /restart              starts Prosody again on the same ports with the same data.
//
// The publisher logs in per request (a few ms on loopback) rather than
// keeping a session, so a kill and restart in between needs no care.
// Prosody serves only the jsws tests: killing it cannot disturb another
// package's tests running at the same time.
type prosodyHost struct {
	URL   string
	srv   *xmpptest.Server
	agent string

	http *http.Server
	log  *log.Logger
	mu   sync.Mutex // one control action at a time: a publish never races a restart
}

// prosodyAgent is the login id the browser tests use.
const prosodyAgent = "1001"

func newProsodyHost(srv *xmpptest.Server, logTo io.Writer) (*prosodyHost, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	h := &prosodyHost{
		URL:   "http://" + ln.Addr().String(),
		srv:   srv,
		agent: prosodyAgent,
		log:   log.New(logTo, "prosodyhost: ", 0),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /publish", h.publish)
	mux.HandleFunc("POST /kill", h.lifecycle(func() error { srv.Kill(); return nil }))
	mux.HandleFunc("POST /stop", h.lifecycle(func() error { srv.Stop(); return nil }))
	mux.HandleFunc("POST /restart", h.lifecycle(srv.Relaunch))
	h.http = &http.Server{Handler: cors(mux), ReadHeaderTimeout: 10 * time.Second, ErrorLog: h.log}
	go func() {
		if err := h.http.Serve(ln); err != nil && err != http.ErrServerClosed {
			h.log.Print(err)
		}
	}()
	return h, nil
}

func (h *prosodyHost) Close() { _ = h.http.Close() }

// maxUpdate bounds a published document; Finesse's are a few KiB.
const maxUpdate = 1 << 20

func (h *prosodyHost) publish(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	node, id := q.Get("node"), q.Get("id")
	if node == "" || id == "" {
		http.Error(w, "need node and id", http.StatusBadRequest)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxUpdate+1))
	if err != nil || len(body) == 0 || len(body) > maxUpdate {
		http.Error(w, "need an <Update> body of at most 1 MiB", http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	if err := h.publishUpdate(ctx, node, id, string(body)); err != nil {
		h.log.Printf("publish %s: %v", node, err)
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *prosodyHost) publishUpdate(ctx context.Context, node, id, update string) error {
	a, err := h.srv.Admin(ctx)
	if err != nil {
		return fmt.Errorf("admin login: %w", err)
	}
	defer a.Close()
	if err := a.CreateNode(ctx, node); err != nil {
		return fmt.Errorf("create node: %w", err)
	}
	if err := a.SubscribeOther(ctx, node, h.srv.JID(h.agent)); err != nil {
		return fmt.Errorf("subscribe %s: %w", h.agent, err)
	}
	return a.PublishUpdate(ctx, node, id, update)
}

// lifecycle answers 204 once action is done: after /kill the process has
// exited, after /restart Prosody serves again.
func (h *prosodyHost) lifecycle(action func() error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		defer h.mu.Unlock()
		if err := action(); err != nil {
			h.log.Printf("%s: %v", r.URL.Path, err)
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// startProsody is the Prosody fixture. Without `prosody` it follows
// xmpptest's rule: under CI=true (or FINESSE_HA_REQUIRE_DEPS=1) the run
// fails, as it does without Chromium; elsewhere the tests are told why
// through EnvProsodySkip and skip themselves, so a developer without
// Prosody can still run the rest of the browser suite.
func startProsody() (map[string]string, func(), error) {
	srv, err := xmpptest.Launch(xmpptest.Options{})
	if errors.Is(err, xmpptest.ErrNoProsody) {
		if xmpptest.Required() {
			return nil, nil, fmt.Errorf("%w — required because CI=true or FINESSE_HA_REQUIRE_DEPS=1", err)
		}
		return map[string]string{EnvProsodySkip: "prosody is not installed (apt-get install prosody)"}, func() {}, nil
	}
	if err != nil {
		return nil, nil, err
	}
	h, err := newProsodyHost(srv, os.Stderr)
	if err != nil {
		_ = srv.Close()
		return nil, nil, err
	}
	env := map[string]string{
		// Finesse's path ends in a slash (/ws/); Prosody serves both.
		EnvProsodyWS:       srv.WebSocketURL + "/",
		EnvProsodyDomain:   srv.Domain,
		EnvProsodyAgent:    prosodyAgent,
		EnvProsodyPassword: srv.Agents[prosodyAgent],
		EnvProsodyControl:  h.URL,
	}
	return env, func() {
		h.Close()
		_ = srv.Close()
	}, nil
}
