// Package failover is the failover engine of SPEC §3: it keeps one agent
// connected to a Finesse duplex pair, moves it to the other side when the
// current one fails, and re-syncs agent state and calls so that the page
// loses no call, no call data and no event.
//
// # Wiring
//
//	e, err := failover.New(failover.Config{
//		AgentID: "1001001", Extension: "1001001",
//		Sides: []failover.Side{
//			{Host: "fin-a", REST: failover.FinesseREST(clientA), Dialer: dialer, Endpoint: epA},
//			{Host: "fin-b", REST: failover.FinesseREST(clientB), Dialer: dialer, Endpoint: epB},
//		},
//		Clock: clock.Real(), OnEvent: forward,
//	})
//	e.Start()
//	resp, err := e.Request(ctx, "PUT", "/finesse/api/User/1001001", body)
//	e.Recheck() // the tab is visible again or back online: check health now
//	e.Close(); <-e.Done()
//
// Adapters are wrapped so that a panic in one becomes a *PanicError of
// that call instead of stalling the engine.
//
// # No I/O, no clock of its own
//
// The engine talks to each side only through a REST interface and a
// notify.Dialer, tells time only through a clock.Clock, and draws jitter
// from a Rand. Production code (internal/client) passes the real REST
// client, the BOSH dialer and clock.Real(); tests pass fakes and a
// clock.Virtual, and every scenario of SPEC §5 runs in virtual time. A test
// in this package fails if its source calls time.Now, time.Sleep, timers of
// package time or context.WithTimeout/WithDeadline, or imports net/http.
//
// # Why a reactor (and not a pure Step function)
//
// All inputs — timer fires, I/O results, notification callbacks, the
// page's calls — are posted as functions to one queue and run one at a time
// (loop.go). Blocking I/O runs on short-lived goroutines that post their
// result back. The engine owns no goroutine: whoever posts into an idle
// queue drains it, so an idle engine is only a few clock timers, and 2,000
// engines in one process cost 2,000 sets of timers, not 2,000 goroutines.
//
// A pure state machine (Step(input) -> commands) plus a runner was the
// alternative. It would make tests deterministic without goroutines, but
// the runner — the code that actually calls REST and the dialer, applies
// timeouts and routes callbacks — would then run only in production. With
// the reactor, the scenario tests drive exactly the production code path
// through fake sides, and stay deterministic because:
//   - time moves only when the test advances the virtual clock;
//   - the test waits until the engine is quiescent (no queued input, every
//     in-flight I/O goroutine blocked inside a fake on something only the
//     virtual clock can release) before firing the next timer;
//   - the only concurrent I/O is the pair of SystemInfo polls of a round,
//     and the decision waits for both, so their arrival order is irrelevant.
//
// # What the engine holds, and where
//
// Two parts do no I/O and keep no time, and are tested on their own: the
// agent and call model (model.go, model_agent.go, model_calls.go: Finesse
// objects in, events out) and the request broker (broker.go: the page's
// requests from admission until answered). The Engine is the reactor and
// the recovery state machine that drive them; its files are named after
// what they hold (engine_model.go feeds the model, engine_requests.go sends
// the broker's requests), and its own state is grouped by purpose: reactor,
// lifetime, step, recovery, notifySession, credentials, secretSet.
//
// Every step change bumps a generation counter and cancels the step's
// context; continuations of an older step see the counter changed and do
// nothing. That is the whole concurrency story: no state is shared with the
// I/O goroutines, which receive copies and return closures.
//
// # Health and triggers
//
// A side is usable when (in Cisco's order) its SystemInfo status is
// IN_SERVICE, a notification session to it can be opened (TransportRetries
// attempts with doubling backoff), and the `finesse` user's presence is not
// explicitly unavailable. No presence news at all counts as usable: Finesse
// sends presence only on change, and a missing presence must never block a
// failover. Triggers while connected: session lost; SystemInfo (notification)
// not IN_SERVICE; finesse presence unavailable; ping unanswered within
// PingTimeout (black hole); finesseMMode IN_PROGRESS (proactive move, made
// only once the other side is in service). REST 503 is never a trigger.
//
// # Recovery
//
// A recovery polls SystemInfo of both sides at once, then: reconnects to the
// current side if it is usable; else, if the other side is usable, waits a
// random jitter, checks the current side once more and switches only if it
// is still down; else reports disconnected and polls again every
// PollInterval, forever. When the current side went out of service or lost
// its finesse presence, the session stays open, and a SystemInfo IN_SERVICE
// or presence-available notification on it starts the next round at once.
//
// UCCE and UCCX need no separate rules: UCCX reports only the master
// IN_SERVICE, so "switch only to IN_SERVICE" moves clients to the master,
// island mode (both masters) triggers nothing, and the node that drops
// mastership on heal goes OUT_OF_SERVICE, which is a trigger. A healthy UCCE
// client is never moved back to side A because nothing triggers a move.
// SystemInfo's deploymentType is reported per side in Snapshot.
//
// # Credentials
//
// The engine owns the agent's credential (credentials.go): each REST call
// carries, on its context, the credential current when it started, and each
// notification login gets it as the SASL PLAIN password. A 401 is so
// attributed to exactly the credential sent, and recorded per side: that
// side is never sent that credential again (five failed logins lock a
// Finesse account), while the other side keeps being used or watched. With
// no side left to ask, the engine waits in StateUnauthorized until SetAuth
// or a token from Config.GetToken, which is asked at 75% of a JWT's
// lifetime, else on a token's first 401, never twice within 10 s. A token
// past its exp is never sent (guard.go checks at the last moment too).
//
// A conflict stream error (another session bound the same full JID) makes
// the next bind wait PollInterval plus jitter (conflict.go).
//
// # Re-sync and call continuity
//
// After every (re)connect the engine GETs User and Dialogs and diffs them
// with what it knew: missed transitions are emitted with Synthetic set.
// Calls are identified by CCE call key, else dialog id (plus a participant
// match for key-less calls whose id changed), so a call gets exactly one
// "added" over its life. Call data (call and ECC variables, from/to,
// DNIS, dialed number, call type) is cached per call; a value that the
// server's copy lacks after a gap is filled in and marked restored.
// Notifications that arrive while a re-sync runs are held and replayed on
// top of it. LOGIN is re-issued when the new side reports the agent signed
// out although it was signed in before the gap.
package failover
