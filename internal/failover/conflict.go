package failover

import (
	"errors"
	"time"

	"github.com/finesse-ha/finesse-ha/internal/bosh"
	"github.com/finesse-ha/finesse-ha/internal/notify"
)

// A `conflict` stream error means another session bound the same full JID
// (SPEC §3.3.10). Answering it with an immediate reconnect makes two
// clients of one agent knock each other off in a loop, a bind storm against
// Finesse; so the next bind waits at least PollInterval plus jitter. The
// default resource is unique per session (notify), so a conflict means
// someone chose the same resource on purpose.

// isConflict reports whether err says another session took the resource:
// a stream error inside the XMPP stream (WebSocket), a BOSH
// remote-stream-error carrying it, or a refused resource binding.
func isConflict(err error) bool {
	var se *notify.StreamError
	if errors.As(err, &se) && se.Condition == "conflict" {
		return true
	}
	var te *bosh.TerminateError
	if errors.As(err, &te) && te.StreamError == "conflict" {
		return true
	}
	var be *notify.BindError
	return errors.As(err, &be) && be.Condition == "conflict"
}

// noteConflict starts the pause before the next bind.
func (e *Engine) noteConflict(side int) {
	pause := e.pol.PollInterval + e.jitter()
	e.notif.conflictUntil = e.clk.Now().Add(pause)
	e.record("conflict", side, "another session bound this resource; next bind in "+pause.String())
}

// conflictPause is how long a bind must still wait after a conflict.
func (e *Engine) conflictPause() time.Duration {
	return e.notif.conflictUntil.Sub(e.clk.Now())
}
