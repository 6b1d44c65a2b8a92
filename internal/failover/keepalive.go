package failover

import "context"

// schedulePing arms the next keepalive. One periodic ping is outstanding at
// a time; an unanswered ping is the only way to notice a silent black hole
// (SPEC §3.2), so its timeout is what bounds S6.
func (e *Engine) schedulePing() {
	e.afterStep(e.pol.PingInterval, func() { e.ping(true) })
}

// ping sends one keepalive on the live session. A periodic ping (rearm)
// schedules the next one when answered; an extra one (Recheck) leaves the
// schedule alone. Either way a failure starts the same recovery.
func (e *Engine) ping(rearm bool) {
	if e.notif.sess == nil {
		return
	}
	s, gen := e.notif.sess, e.step.gen
	e.spawn(e.pol.PingTimeout, func(ctx context.Context) func() {
		err := ioErr(ctx, s.Ping(ctx))
		return func() {
			if gen != e.step.gen {
				return
			}
			switch {
			case err == nil:
				if rearm {
					e.schedulePing()
				}
			case classify(err) == kindTimeout:
				e.record("ping", e.cur, "no answer within "+e.pol.PingTimeout.String())
				e.trigger(ReasonKeepaliveTimeout, true)
			default:
				e.record("ping", e.cur, err.Error())
				e.trigger(ReasonNotificationLost, true)
			}
		}
	})
}
