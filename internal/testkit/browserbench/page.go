package browserbench

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
	"github.com/finesse-ha/finesse-ha/internal/sim"
	"github.com/finesse-ha/finesse-ha/internal/testkit/browserharness"
)

// The simulator's default agent and the password the bench gives it.
const (
	agent    = "1001001"
	password = "password"
)

// pageTimeout bounds one tab's life: S6 with a slow first load is the
// longest user (~21 s of keepalive after up to ~45 s of loading).
const pageTimeout = 3 * time.Minute

// pageRun is one bench page with one client against one fresh simulator.
type pageRun struct {
	b    *bench
	tab  *browserharness.Tab
	pair *sim.Pair
	// sharedPair: the simulator belongs to another pageRun (a second page
	// of the same agent), which closes it.
	sharedPair bool
}

// pageConfig says how to start a pageRun.
type pageConfig struct {
	mode   finesse.DeploymentType
	setup  func(*sim.Pair) error // faults present before the client starts
	jitter Jitter
	// transport is the client's notification transport; "bosh" if empty.
	transport string
	// harness is the browser to open the page in; nil for the bench's.
	harness *browserharness.Harness
	// runtime is options.runtime; "page" if empty, so the start-up and
	// memory rows measure the client itself, in the page.
	runtime string
	// pair, when set, is the simulator of an earlier page: this page is a
	// second page of the same agent.
	pair *sim.Pair
	// policy replaces the jitter's policy when set.
	policy map[string]int
}

// openPage starts a simulator, signs the agent in (READY), opens the bench
// page and creates the client. The call generator is off: nothing happens
// unless the bench makes it happen.
func (b *bench) openPage(ctx context.Context, pc pageConfig) (*pageRun, error) {
	pair := pc.pair
	if pair == nil {
		var err error
		pair, err = b.h.StartPair(sim.Config{Mode: pc.mode, Password: password, BOSHMaxWait: 30 * time.Second})
		if err != nil {
			return nil, err
		}
	}
	r := &pageRun{b: b, pair: pair, sharedPair: pc.pair != nil}
	fail := func(err error) (*pageRun, error) {
		r.close()
		return nil, err
	}
	if !r.sharedPair {
		if err := pair.SignIn(agent, true); err != nil {
			return fail(err)
		}
	}
	if pc.setup != nil {
		if err := pc.setup(pair); err != nil {
			return fail(err)
		}
	}
	h := pc.harness
	if h == nil {
		h = b.h
	}
	r.tab = h.NewTab(pageTimeout)
	if err := r.tab.Open(pair.ControlURL()+"/bench/bench.html", `!!(window.bench && window.bench.ready)`, 30*time.Second); err != nil {
		return fail(r.explain(fmt.Errorf("opening the bench page: %w", err)))
	}
	options := map[string]any{
		"sides": []any{
			map[string]string{"rest": pair.A().URL(), "bosh": pair.A().BOSHURL()},
			map[string]string{"rest": pair.B().URL(), "bosh": pair.B().BOSHURL()},
		},
		"agent":         map[string]string{"id": agent, "extension": agent},
		"auth":          map[string]string{"username": agent, "password": password},
		"transport":     cmp.Or(pc.transport, "bosh"),
		"allowInsecure": true,
		"wasmURL":       "/" + b.wasmName,
		"runtime":       cmp.Or(pc.runtime, "page"),
	}
	if pc.transport == "websocket" {
		options["fallback"] = false // a WebSocket failure must show, not hide behind BOSH
	}
	if pc.jitter == NoJitter {
		options["policy"] = map[string]int{"jitterMs": 0}
	}
	if pc.policy != nil {
		options["policy"] = pc.policy
	}
	raw, err := json.Marshal(options)
	if err != nil {
		return fail(err)
	}
	var startErr string
	if err := r.tab.Eval(`window.bench.start(`+string(raw)+`)`, &startErr); err != nil {
		return fail(r.explain(err))
	}
	if startErr != "" {
		return fail(r.explain(fmt.Errorf("createClient rejected: %s", startErr)))
	}
	return r, nil
}

// openUntilConnected opens a page (openPage) and waits for the client's
// first `connected` on side, which it returns (page time, ms). On error the
// page is already closed.
func (b *bench) openUntilConnected(ctx context.Context, pc pageConfig, side string) (*pageRun, float64, error) {
	r, err := b.openPage(ctx, pc)
	if err != nil {
		return nil, 0, err
	}
	first, err := r.waitConnected(ctx, side, 0, firstConnectLimit)
	if err != nil {
		r.close()
		return nil, 0, fmt.Errorf("initial connect: %w", err)
	}
	return r, first, nil
}

// openConnected is openUntilConnected plus the page's start-up sample (a
// page that started the Go runtime itself has one).
func (b *bench) openConnected(ctx context.Context, pc pageConfig, side string) (*pageRun, *startupSample, error) {
	r, first, err := b.openUntilConnected(ctx, pc, side)
	if err != nil {
		return nil, nil, err
	}
	st, err := r.startupSample(first)
	if err != nil {
		r.close()
		return nil, nil, err
	}
	return r, st, nil
}

func (r *pageRun) close() {
	if r.tab != nil {
		r.tab.Close()
	}
	if !r.sharedPair {
		r.pair.Close()
	}
}

// explain adds the page's last console lines to err: they are the only
// clue when a page never gets where the bench waits.
func (r *pageRun) explain(err error) error {
	if r.tab == nil {
		return err
	}
	lines := r.tab.Console()
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	if len(lines) == 0 {
		return err
	}
	return fmt.Errorf("%w (browser console: %q)", err, lines)
}

// pageMillis is a time.Time as the page's clock writes it: milliseconds
// since the Unix epoch, fractional.
func pageMillis(t time.Time) float64 { return float64(t.UnixNano()) / 1e6 }

// waitConnected waits until the page saw `connected` on side at or after
// page time after, and returns that page time.
func (r *pageRun) waitConnected(ctx context.Context, side string, after float64, within time.Duration) (float64, error) {
	var at float64
	err := r.poll(ctx, within, fmt.Sprintf(`window.bench.connectedAt(%q, %f)`, side, after), &at, func() bool { return at > 0 })
	if err != nil {
		var last []pageEvent
		_ = r.tab.Eval(`window.bench.events.filter((e) => e.type === 'connection')`, &last)
		return 0, r.explain(fmt.Errorf("not connected on %s within %v (connection events %s): %w", side, within, states(last), err))
	}
	return at, nil
}

var errTimeout = errors.New("timed out")

const pollPeriod = 10 * time.Millisecond

// poll evaluates expr into out until done or within passes. The period
// bounds only when the bench notices, not what it measures: the figures
// are the page's own timestamps (the flood's pacing is the exception, and
// a short period keeps its share small).
func (r *pageRun) poll(ctx context.Context, within time.Duration, expr string, out any, done func() bool) error {
	deadline := time.Now().Add(within)
	for {
		if err := r.tab.Eval(expr, out); err != nil {
			return err
		}
		if done() {
			return nil
		}
		if time.Now().After(deadline) {
			return errTimeout
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pollPeriod):
		}
	}
}

// pageEvent is what the bench page records of a client event.
type pageEvent struct {
	At      float64 `json:"at"`
	Type    string  `json:"type"`
	State   string  `json:"state"`
	Side    string  `json:"side"`
	Reason  string  `json:"reason"`
	Action  string  `json:"action"`
	CallKey string  `json:"callKey"`
	Fatal   bool    `json:"fatal"`
	Message string  `json:"message"`
}

func states(evs []pageEvent) string {
	s := "["
	for i, e := range evs {
		if i > 0 {
			s += " "
		}
		s += e.State + "/" + e.Side
	}
	return s + "]"
}

// startupTimes are one page's createClient milestones, page milliseconds.
type startupTimes struct {
	StartAt        float64 `json:"startAt"`
	InstantiatedAt float64 `json:"instantiatedAt"`
	CreatedAt      float64 `json:"createdAt"`
}

func (r *pageRun) startup() (startupTimes, error) {
	var st startupTimes
	err := r.tab.Eval(`({startAt: window.bench.startAt, instantiatedAt: window.bench.instantiatedAt, createdAt: window.bench.createdAt})`, &st)
	return st, err
}

// pageSnapshotDialog is the part of client.snapshot().dialogs the checks read.
type pageSnapshotDialog struct {
	CallKey       string            `json:"callKey"`
	CallVariables map[string]string `json:"callVariables"`
}

func (r *pageRun) dialogs() ([]pageSnapshotDialog, error) {
	var ds []pageSnapshotDialog
	err := r.tab.Eval(`window.bench.client.snapshot().dialogs`, &ds)
	return ds, err
}

func (r *pageRun) events() ([]pageEvent, error) {
	var evs []pageEvent
	err := r.tab.Eval(`window.bench.events`, &evs)
	return evs, err
}
