// Package clock is the only source of time for the failover engine.
//
// The engine never reads the wall clock or sleeps: it asks a Clock for the
// current time and for timers. Production code passes Real(); tests pass a
// *Virtual and move time forward explicitly, so that minutes of failover
// behaviour run in milliseconds and always in the same order.
package clock

import "time"

// Timer is a scheduled call that can be cancelled.
type Timer interface {
	// Stop prevents the call if it has not started yet and reports whether
	// it did so (false: it already ran, is running, or was stopped before).
	Stop() bool
}

// Clock tells the time and runs functions later.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f in its own goroutine (Real) or from Advance (Virtual)
	// once d has elapsed. A d <= 0 fires at the next opportunity.
	AfterFunc(d time.Duration, f func()) Timer
}

// Real returns the wall clock backed by package time. In a browser (GOOS=js)
// its timers are JavaScript timeouts: no goroutine spins while waiting.
func Real() Clock { return realClock{} }

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }
