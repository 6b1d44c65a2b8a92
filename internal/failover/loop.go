package failover

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/finesse-ha/finesse-ha/internal/clock"
)

// The reactor. Every input — a timer firing, an I/O result, a notification,
// a call from the page — becomes a func posted to one queue. Whichever
// goroutine finds the queue idle drains it, running inputs one at a time
// under stateMu, and delivers the events they produced in order. There is no
// goroutine of the engine's own: an idle engine is a few timers (see doc.go).

// reactor is the input queue and what runs it. qmu guards the queue;
// stateMu guards the whole engine while an input runs, so that Snapshot and
// History can read it from any goroutine.
type reactor struct {
	qmu      sync.Mutex
	queue    []func()
	draining bool
	stateMu  sync.Mutex
	outbox   []Event        // events of the running input, delivered after it
	histOut  []HistoryEntry // its history entries, for Config.OnHistory
	// inflight counts spawned I/O goroutines; done is closed once the
	// engine is closed and the last of them has returned.
	inflight   atomic.Int64
	done       chan struct{}
	doneClosed bool
	timers     map[*timerRef]struct{} // live reactor timers, for Close
}

// post queues an input and, unless another goroutine is already draining,
// drains the queue on the calling goroutine.
func (e *Engine) post(f func()) {
	e.loop.qmu.Lock()
	e.loop.queue = append(e.loop.queue, f)
	if e.loop.draining {
		e.loop.qmu.Unlock()
		return
	}
	e.loop.draining = true
	e.loop.qmu.Unlock()
	for {
		e.loop.qmu.Lock()
		if len(e.loop.queue) == 0 {
			e.loop.draining = false
			e.loop.qmu.Unlock()
			return
		}
		next := e.loop.queue[0]
		e.loop.queue[0] = nil
		e.loop.queue = e.loop.queue[1:]
		e.loop.qmu.Unlock()
		e.runInput(next)
	}
}

// runInput runs one input with the state lock held, then hands the events it
// produced to OnEvent, and its history entries to OnHistory, with the lock
// released (so a handler may call Snapshot).
func (e *Engine) runInput(f func()) {
	e.loop.stateMu.Lock()
	func() {
		defer func() {
			if r := recover(); r != nil {
				// A panic must never end the runtime (in wasm it would end
				// the page's softphone): report it and keep going.
				e.emit(ErrorEvent{Code: ErrCodeInternal, Message: e.secrets.scrub(fmt.Sprint("internal error: ", r))})
			}
		}()
		f()
	}()
	e.maybeDone()
	out, hist := e.loop.outbox, e.loop.histOut
	e.loop.outbox, e.loop.histOut = nil, nil
	e.loop.stateMu.Unlock()
	for _, ev := range out {
		if e.onEvent != nil {
			e.deliver(func() { e.onEvent(ev) })
		}
	}
	for _, h := range hist {
		e.deliver(func() { e.cfg.OnHistory(h) })
	}
}

// deliver calls a handler; a failing handler must not stop the engine.
func (e *Engine) deliver(call func()) {
	defer func() { _ = recover() }()
	call()
}

// emit queues an event for delivery after the current input.
func (e *Engine) emit(ev Event) { e.loop.outbox = append(e.loop.outbox, ev) }

// spawn runs blocking I/O on its own goroutine. op gets a context that ends
// after timeout (on the engine's clock), when the current step ends, or on
// Close; op returns the continuation to run back on the reactor (or nil).
// Continuations must check that their step is still current (e.step.gen).
func (e *Engine) spawn(timeout time.Duration, op func(ctx context.Context) func()) {
	e.spawnIn(e.step.ctx, timeout, op)
}

func (e *Engine) spawnIn(parent context.Context, timeout time.Duration, op func(ctx context.Context) func()) {
	ctx, release := e.withTimeout(withCred(parent, e.creds.cur, e.clk), timeout)
	e.loop.inflight.Add(1)
	go func() {
		var cont func()
		func() {
			defer func() {
				if r := recover(); r != nil {
					msg := e.secrets.scrub(fmt.Sprint("internal error in I/O: ", r))
					cont = func() { e.emit(ErrorEvent{Code: ErrCodeInternal, Message: msg}) }
				}
			}()
			cont = op(ctx)
		}()
		release()
		e.post(func() {
			e.loop.inflight.Add(-1)
			if cont != nil {
				cont()
			}
		})
	}()
}

// withTimeout is context.WithTimeout on the engine's clock: the deadline is
// a clock timer, so it moves with virtual time. The cause is ErrTimeout.
func (e *Engine) withTimeout(parent context.Context, d time.Duration) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
	if d <= 0 {
		return ctx, func() { cancel(context.Canceled) }
	}
	t := e.clk.AfterFunc(d, func() { cancel(ErrTimeout) })
	return ctx, func() {
		t.Stop()
		cancel(context.Canceled)
	}
}

// ioErr returns the error to classify after an I/O call: the context's
// cause when the context ended (ErrTimeout for our deadlines), else err.
func ioErr(ctx context.Context, err error) error {
	if err != nil && ctx.Err() != nil {
		if c := context.Cause(ctx); c != nil {
			return c
		}
	}
	return err
}

// timerRef is a reactor timer: its function runs as an input. Stopped and
// fired timers forget themselves so Close can stop every live one.
type timerRef struct {
	t       clock.Timer
	stopped bool
}

func (e *Engine) after(d time.Duration, f func()) *timerRef {
	r := &timerRef{}
	e.loop.timers[r] = struct{}{}
	r.t = e.clk.AfterFunc(d, func() {
		e.post(func() {
			if r.stopped {
				return
			}
			delete(e.loop.timers, r)
			f()
		})
	})
	return r
}

func (e *Engine) stopTimer(r *timerRef) {
	if r == nil || r.stopped {
		return
	}
	r.stopped = true
	r.t.Stop()
	delete(e.loop.timers, r)
}

func (e *Engine) stopAllTimers() {
	for r := range e.loop.timers {
		r.stopped = true
		r.t.Stop()
	}
	clear(e.loop.timers)
}

// maybeDone closes Done once the engine is closed and no I/O is left.
func (e *Engine) maybeDone() {
	if e.life.closed && e.loop.inflight.Load() == 0 && !e.loop.doneClosed {
		e.loop.doneClosed = true
		close(e.loop.done)
	}
}

// quiescent reports, for tests, that no input is queued or running and that
// every spawned I/O goroutine is one of the blocked ones the caller knows of.
func (e *Engine) quiescent(blocked int64) bool {
	e.loop.qmu.Lock()
	idle := len(e.loop.queue) == 0 && !e.loop.draining
	e.loop.qmu.Unlock()
	return idle && e.loop.inflight.Load() == blocked
}
