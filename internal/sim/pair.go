package sim

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

// Pair is a simulated duplex Finesse deployment: sides A and B over one
// shared contact center, a call generator, and a control API on its own
// port for fault injection.
type Pair struct {
	cfg  Config
	cc   *center
	a, b *Side
	auth *authBook // SSO tokens and lock-out (sso.go)

	// faultMu serialises faults so that the status change each one causes
	// is published exactly once.
	faultMu      sync.Mutex
	logoutTimers []*time.Timer

	control     *http.Server
	controlAddr string

	// served lists the static files the control port answered with 200, by
	// URL path: tests check which assets a page (or its workers) loaded.
	servedMu sync.Mutex
	served   []string

	startOnce, closeOnce sync.Once
	stop                 chan struct{}
	wg                   sync.WaitGroup
}

// New validates cfg and builds a pair; Start opens its listeners.
func New(cfg Config) (*Pair, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	p := &Pair{cfg: cfg, stop: make(chan struct{}), auth: newAuthBook()}
	p.cc = newCenter(cfg, p.publish)
	p.a = newSide(p, "A", cfg.HostA, cfg.PortA)
	p.b = newSide(p, "B", cfg.HostB, cfg.PortB)
	p.a.master = true // UCCX: A starts as master; UCCE ignores mastership
	p.controlAddr = net.JoinHostPort(cfg.Listen, strconv.Itoa(cfg.ControlPort))
	return p, nil
}

// Start opens the listeners of both sides and the control API, and starts
// the call generator. On error everything opened is closed again.
func (p *Pair) Start() error {
	err := errors.New("sim: already started")
	p.startOnce.Do(func() { err = p.start() })
	return err
}

func (p *Pair) start() error {
	if err := p.a.listen(); err != nil {
		p.Close()
		return err
	}
	if err := p.b.listen(); err != nil {
		p.Close()
		return err
	}
	ln, err := net.Listen("tcp", p.controlAddr)
	if err != nil {
		p.Close()
		return err
	}
	p.controlAddr = ln.Addr().String()
	p.control = &http.Server{Handler: p.controlHandler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = p.control.Serve(ln) }()
	if p.cfg.CallEvery > 0 {
		p.wg.Add(1)
		go p.generateCalls()
	}
	p.cfg.Logf("sim: %s pair up: A %s (%s), B %s (%s), control %s",
		p.cfg.Mode, p.a.URL(), p.a.host, p.b.URL(), p.b.host, p.ControlURL())
	return nil
}

// Close stops everything: held BOSH requests are answered with terminate
// system-shutdown, then listeners close. It is safe to call more than once.
func (p *Pair) Close() error {
	p.closeOnce.Do(func() {
		close(p.stop)
		p.wg.Wait()
		p.faultMu.Lock()
		for _, t := range p.logoutTimers {
			t.Stop()
		}
		p.faultMu.Unlock()
		p.cc.close()
		// Long enough for in-flight answers (held BOSH requests were just
		// answered with terminate); connections that never sent a request
		// would otherwise hold Shutdown for 5 s.
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		var wg sync.WaitGroup
		for _, s := range []*Side{p.a, p.b} {
			wg.Go(func() { s.shutdown(ctx) })
		}
		if p.control != nil {
			wg.Go(func() { _ = p.control.Shutdown(ctx) })
		}
		wg.Wait()
	})
	return nil
}

// A returns side A (primary node).
func (p *Pair) A() *Side { return p.a }

// B returns side B (secondary node).
func (p *Pair) B() *Side { return p.b }

// Side returns side "A" or "B" (case-insensitive), or nil.
func (p *Pair) Side(name string) *Side {
	switch name {
	case "A", "a":
		return p.a
	case "B", "b":
		return p.b
	}
	return nil
}

// Mode returns the deployment type.
func (p *Pair) Mode() finesse.DeploymentType { return p.cfg.Mode }

// ControlURL returns the control API's base URL.
func (p *Pair) ControlURL() string { return "http://" + p.controlAddr }

// Agents returns the agent ids.
func (p *Pair) Agents() []string { return p.cfg.agentIDs() }

// User returns agent id's User document, as GET User would.
func (p *Pair) User(id string) (*finesse.User, error) { return p.cc.user(id) }

// Dialogs returns agent id's live dialogs, with their call variables.
func (p *Pair) Dialogs(id string) (*finesse.Dialogs, error) { return p.cc.dialogs(id) }

// OfferCall rings an incoming call (ALERTING, with call variables, ECC
// variables and a CCE call key) at agent id, or at a random READY agent if
// id is empty. It returns the dialog id.
func (p *Pair) OfferCall(id string) (string, error) { return p.cc.offer(id) }

// SignIn signs agent id in and, if ready, makes it READY, as if its desktop
// had done so: a shortcut for tests and load set-up. Events are published.
func (p *Pair) SignIn(id string, ready bool) error {
	if err := p.cc.changeState(id, userChange{State: finesse.StateLogin, Extension: id}, ""); err != nil {
		return err
	}
	if ready {
		return p.cc.changeState(id, userChange{State: finesse.StateReady}, "")
	}
	return nil
}

// publish sends a change to both sides' subscribers. It runs with the
// center's lock held, so it only renders and queues.
func (p *Pair) publish(u *update) {
	var plain string
	for _, s := range []*Side{p.a, p.b} {
		nulled := u.dialog != nil && s.faults().nullCallVariables
		if nulled {
			s.xmpp.Publish(u.node, u.render(true))
			continue
		}
		if plain == "" {
			plain = u.render(false)
		}
		s.xmpp.Publish(u.node, plain)
	}
}

// generateCalls offers a call to a random READY agent every CallEvery.
func (p *Pair) generateCalls() {
	defer p.wg.Done()
	t := time.NewTicker(p.cfg.CallEvery)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			_, _ = p.cc.offer("") // nobody READY: no call this time
		}
	}
}

// StaticServed is the URL paths of the static files (Config.Static) served
// so far with status 200, in order; requests from a page's workers count too,
// which the page's own performance entries do not show.
func (p *Pair) StaticServed() []string {
	p.servedMu.Lock()
	defer p.servedMu.Unlock()
	return append([]string(nil), p.served...)
}

// recordServed wraps a static file handler so that StaticServed sees what it
// served.
func (p *Pair) recordServed(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r)
		if sw.status == http.StatusOK {
			p.servedMu.Lock()
			p.served = append(p.served, r.URL.Path)
			p.servedMu.Unlock()
		}
	})
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}
