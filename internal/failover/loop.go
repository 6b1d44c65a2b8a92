package failover

import (
	"context"
	"fmt"
	"time"

	"github.com/finesse-ha/finesse-ha/internal/clock"
)

// The reactor. Every input — a timer firing, an I/O result, a notification,
// a call from the page — becomes a func posted to one queue. Whichever
// goroutine finds the queue idle drains it, running inputs one at a time
// under stateMu, and delivers the events they produced in order. There is no
// goroutine of the engine's own: an idle engine is a few timers (see doc.go).

// post queues an input and, unless another goroutine is already draining,
// drains the queue on the calling goroutine.
func (e *Engine) post(f func()) {
	e.qmu.Lock()
	e.queue = append(e.queue, f)
	if e.draining {
		e.qmu.Unlock()
		return
	}
	e.draining = true
	e.qmu.Unlock()
	for {
		e.qmu.Lock()
		if len(e.queue) == 0 {
			e.draining = false
			e.qmu.Unlock()
			return
		}
		next := e.queue[0]
		e.queue[0] = nil
		e.queue = e.queue[1:]
		e.qmu.Unlock()
		e.runInput(next)
	}
}

// runInput runs one input with the state lock held, then hands the events it
// produced to OnEvent with the lock released (so a handler may call Snapshot).
func (e *Engine) runInput(f func()) {
	e.stateMu.Lock()
	func() {
		defer func() {
			if r := recover(); r != nil {
				// A panic must never end the runtime (in wasm it would end
				// the page's softphone): report it and keep going.
				e.emit(ErrorEvent{Code: ErrCodeInternal, Message: e.scrub(fmt.Sprint("internal error: ", r))})
			}
		}()
		f()
	}()
	e.maybeDone()
	out := e.outbox
	e.outbox = nil
	e.stateMu.Unlock()
	for _, ev := range out {
		e.deliver(ev)
	}
}

func (e *Engine) deliver(ev Event) {
	if e.onEvent == nil {
		return
	}
	defer func() { _ = recover() }() // a failing handler must not stop the engine
	e.onEvent(ev)
}

// emit queues an event for delivery after the current input.
func (e *Engine) emit(ev Event) { e.outbox = append(e.outbox, ev) }

// spawn runs blocking I/O on its own goroutine. op gets a context that ends
// after timeout (on the engine's clock), when the current step ends, or on
// Close; op returns the continuation to run back on the reactor (or nil).
// Continuations must check that their step is still current (e.gen).
func (e *Engine) spawn(timeout time.Duration, op func(ctx context.Context) func()) {
	e.spawnIn(e.stepCtx, timeout, op)
}

func (e *Engine) spawnIn(parent context.Context, timeout time.Duration, op func(ctx context.Context) func()) {
	ctx, release := e.withTimeout(withCred(parent, e.cred, e.clk), timeout)
	e.inflight.Add(1)
	go func() {
		var cont func()
		func() {
			defer func() {
				if r := recover(); r != nil {
					msg := e.scrub(fmt.Sprint("internal error in I/O: ", r))
					cont = func() { e.emit(ErrorEvent{Code: ErrCodeInternal, Message: msg}) }
				}
			}()
			cont = op(ctx)
		}()
		release()
		e.post(func() {
			e.inflight.Add(-1)
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
	e.timers[r] = struct{}{}
	r.t = e.clk.AfterFunc(d, func() {
		e.post(func() {
			if r.stopped {
				return
			}
			delete(e.timers, r)
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
	delete(e.timers, r)
}

func (e *Engine) stopAllTimers() {
	for r := range e.timers {
		r.stopped = true
		r.t.Stop()
	}
	clear(e.timers)
}

// maybeDone closes Done once the engine is closed and no I/O is left.
func (e *Engine) maybeDone() {
	if e.closed && e.inflight.Load() == 0 && !e.doneClosed {
		e.doneClosed = true
		close(e.done)
	}
}

// quiescent reports, for tests, that no input is queued or running and that
// every spawned I/O goroutine is one of the blocked ones the caller knows of.
func (e *Engine) quiescent(blocked int64) bool {
	e.qmu.Lock()
	idle := len(e.queue) == 0 && !e.draining
	e.qmu.Unlock()
	return idle && e.inflight.Load() == blocked
}
