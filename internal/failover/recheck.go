package failover

// Recheck checks health now instead of waiting for the next timer. Browsers
// throttle timers of hidden tabs (to once a minute or less), so when the tab
// becomes visible again or the network comes back the page calls Recheck to
// learn at once what the timers would have found late.
//
// Connected: a keepalive ping is sent now and SystemInfo of the current side
// is polled; a failed ping or an out-of-service answer starts a recovery
// exactly as the periodic checks would. Disconnected or waiting for a retry:
// the SystemInfo round runs now; switching still waits the usual jitter, so
// many agents whose tabs wake together do not hit the other side at once.
// While a round, a connection attempt or the jitter pause is under way, and
// after Close or an unauthorized stop, Recheck does nothing. Like every input
// it runs on the engine's reactor and never blocks on I/O.
func (e *Engine) Recheck() {
	e.post(func() {
		if !e.life.started || e.life.closed {
			return
		}
		switch e.step.phase {
		case phConnected:
			e.record("recheck", e.cur, "requested")
			e.ping(false)
			e.pollCurrent()
		case phWaiting:
			e.record("recheck", -1, "requested: polling now")
			e.round()
		}
	})
}

// pollCurrent polls SystemInfo of the side in use and applies the answer as
// if it had come as a notification. An unreachable REST alone does not
// trigger a recovery: the ping decides whether the session is alive.
func (e *Engine) pollCurrent() {
	i := e.cur
	e.pollSide(i, func() {
		if si := e.sides[i].info; si != nil && e.step.phase == phConnected && i == e.cur {
			e.onSystemInfo(i, si)
		}
	})
}
