package failover

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/bosh"
	"github.com/finesse-ha/finesse-ha/internal/finesse"
	"github.com/finesse-ha/finesse-ha/internal/notify"
)

// One test per row of SPEC §5. Each asserts the final state, the event
// sequence and a bound in virtual time.

func TestStartConnectsAndSyncs(t *testing.T) {
	h := newHarness(t, 1)
	c := h.startCall("100", "callVariable1", "Chuck Smith")
	m := h.mark()
	h.start("A")
	evs := h.eventsSince(m)
	assert.Equal(t, []string{"connecting/A", "connected/A"}, connTrail(evs))
	ag := agentEvents(evs)
	require.Len(t, ag, 1)
	assert.Equal(t, finesse.StateNotReady, ag[0].State)
	assert.False(t, ag[0].Synthetic, "the first load is not a missed transition")
	ds := dialogEvents(evs)
	require.Len(t, ds, 1)
	assert.Equal(t, DialogAdded, ds[0].Action)
	assert.Equal(t, "ck:152018:ck100:1", ds[0].Dialog.CallKey)
	assert.Equal(t, "Chuck Smith", ds[0].Dialog.CallVariables[0].Value)
	_ = c
	snap := h.e.Snapshot()
	assert.Equal(t, StateConnected, snap.Connection.State)
	require.Len(t, snap.Dialogs, 1)
	require.NotNil(t, snap.Agent)
	assert.Equal(t, finesse.StateNotReady, snap.Agent.State)
	assert.Equal(t, "up", snap.Sides[0].Notification)
	assert.True(t, snap.Sides[0].Active)
	assert.Empty(t, h.A.endpoints[0].Resource, "notify binds a resource unique to the session")
	assert.Equal(t, "fin-a", h.A.endpoints[0].Domain, "XMPP domain from SystemInfo")
}

func TestS1_SideADies(t *testing.T) {
	h := newHarness(t, 1)
	h.startCall("100", "callVariable1", "Chuck Smith", "user.account", "4711")
	h.setAgent(finesse.StateTalking, "", "")
	h.start("A")
	h.run(30 * time.Second)

	m, at := h.mark(), h.now()
	h.A.kill()
	h.run(30 * time.Second)

	evs := h.eventsSince(m)
	conn := connectedWithin(t, evs, "B", at, 5*time.Second, "S1 bound")
	assert.Equal(t, []string{"reconnecting/A", "failing-over/B", "connected/B"}, connTrail(evs))
	assert.Equal(t, ReasonNotificationLost, connEvents(evs)[0].Reason)
	assert.Equal(t, ReasonSwitched, conn.Reason)
	assert.Equal(t, "fake-B", conn.Transport, "the connected event names the new session's transport")
	assert.Empty(t, agentEvents(evs), "agent state intact: nothing changed")
	assert.Empty(t, dialogEvents(evs), "live call intact: same call, same data")
	snap := h.e.Snapshot()
	require.Len(t, snap.Dialogs, 1)
	assert.Equal(t, "Chuck Smith", snap.Dialogs[0].CallVariables[0].Value)
	assert.Equal(t, finesse.StateTalking, snap.Agent.State)
	h.requireConnected("B")
	h.requireNoDuplicateAdded()
}

func TestS2_NotificationServiceDown(t *testing.T) {
	h := newHarness(t, 2)
	h.start("A")
	dialsBefore := h.A.count("Dial")

	m, at := h.mark(), h.now()
	h.A.setNotifyDown(true) // REST (SystemInfo) stays IN_SERVICE
	h.run(time.Minute)

	evs := h.eventsSince(m)
	assert.Equal(t, []string{"reconnecting/A", "failing-over/B", "connected/B"}, connTrail(evs))
	// Three attempts on A (backoff 1 s, 2 s, each after up to 2 s jitter),
	// then the switch (up to 2 s jitter).
	connectedWithin(t, evs, "B", at, 11*time.Second)
	assert.Equal(t, 3, h.A.count("Dial")-dialsBefore, "the transport gets exactly TransportRetries attempts")
	h.requireConnected("B")
}

func TestS3_FinessePresenceUnavailable(t *testing.T) {
	h := newHarness(t, 3)
	h.start("A")
	m, at := h.mark(), h.now()
	h.A.setPresence(false) // webapp down; XMPP and even SystemInfo still answer
	h.run(30 * time.Second)

	evs := h.eventsSince(m)
	assert.Equal(t, []string{"reconnecting/A", "failing-over/B", "connected/B"}, connTrail(evs))
	assert.Equal(t, ReasonPresenceUnavailable, connEvents(evs)[0].Reason)
	connectedWithin(t, evs, "B", at, 5*time.Second)
	h.mu.Lock()
	assert.Empty(t, h.A.sessions, "the session to A is closed after the switch")
	h.mu.Unlock()
	snap := h.e.Snapshot()
	assert.Equal(t, "available", snap.Sides[1].FinessePresence)
	assert.Equal(t, "down", snap.Sides[0].Notification)
}

func TestS4_SideALosesCTI(t *testing.T) {
	h := newHarness(t, 4)
	h.start("A")
	m, at := h.mark(), h.now()
	h.A.setStatus(finesse.StatusOutOfService)
	h.run(30 * time.Second)

	evs := h.eventsSince(m)
	assert.Equal(t, []string{"reconnecting/A", "failing-over/B", "connected/B"}, connTrail(evs))
	assert.Equal(t, ReasonOutOfService, connEvents(evs)[0].Reason)
	connectedWithin(t, evs, "B", at, 5*time.Second)
	h.requireConnected("B")
}

func TestS5_CTIFailoverOnBothSides(t *testing.T) {
	run := func(t *testing.T, bothReturn bool) {
		h := newHarness(t, 5)
		h.start("A")

		// CTI failover begins: REST answers 503 while SystemInfo still says
		// IN_SERVICE. A 503 alone is not a trigger; GET is retried.
		h.A.with(func() { h.A.rest503 = true })
		m := h.mark()
		get := h.e.submit("GET", "/finesse/api/User/1001001", nil)
		h.run(30 * time.Second)
		assert.Empty(t, connTrail(h.eventsSince(m)), "503 must not move the client")
		h.requireDone(get)
		require.ErrorIs(t, get.err, ErrOutOfService)
		assert.Equal(t, 1+3, h.A.count("Do GET"), "first try and Retry503.Count retries")

		// Both sides go OUT_OF_SERVICE.
		h.B.setStatus(finesse.StatusOutOfService)
		h.A.setStatus(finesse.StatusOutOfService)
		h.run(25 * time.Second)
		assert.Equal(t, []string{"reconnecting/A", "disconnected/A"}, connTrail(h.eventsSince(m)))
		put := h.e.submit("PUT", "/finesse/api/User/1001001", []byte("<User><state>READY</state></User>"))
		h.run(time.Second)

		// The sides come back.
		back := h.now()
		h.A.with(func() { h.A.rest503 = false })
		h.B.setStatus(finesse.StatusInService)
		if bothReturn {
			h.A.setStatus(finesse.StatusInService)
		}
		h.run(30 * time.Second)
		evs := h.eventsSince(m)
		if bothReturn {
			assert.Equal(t, []string{"reconnecting/A", "disconnected/A", "reconnecting/A", "connected/A"}, connTrail(evs),
				"prefer the current side")
			// The open session to A hears IN_SERVICE at once; then jitter.
			connectedWithin(t, evs, "A", back, 2*time.Second)
		} else {
			assert.Equal(t, []string{"reconnecting/A", "disconnected/A", "failing-over/B", "connected/B"}, connTrail(evs))
			// Found by the next poll (10 s), then jitter and re-check.
			connectedWithin(t, evs, "B", back, 12*time.Second)
		}
		h.requireDone(put)
		require.NoError(t, put.err, "a PUT waiting for a side is sent once one is usable")
		assert.True(t, put.resp.Confirmed)
		assert.Equal(t, finesse.StateReady, h.e.Snapshot().Agent.State)
	}
	t.Run("both return", func(t *testing.T) { run(t, true) })
	t.Run("only B returns", func(t *testing.T) { run(t, false) })
}

func TestS6_SilentBlackHole(t *testing.T) {
	h := newHarness(t, 6)
	h.start("A")
	h.run(7 * time.Second) // any phase of the ping schedule
	m, at := h.mark(), h.now()
	h.A.setBlackhole(true)
	h.run(time.Minute)

	evs := h.eventsSince(m)
	assert.Equal(t, []string{"reconnecting/A", "failing-over/B", "connected/B"}, connTrail(evs))
	assert.Equal(t, ReasonKeepaliveTimeout, connEvents(evs)[0].Reason)
	connectedWithin(t, evs, "B", at, 30*time.Second, "S6 bound")
	h.requireConnected("B")
}

func TestS6_BlackHoleWorstCasePhase(t *testing.T) {
	// The hole opens right after a ping was answered: the longest detection.
	h := newHarness(t, 66)
	h.start("A")
	h.run(10*time.Second + time.Millisecond)
	at := h.now()
	h.A.setBlackhole(true)
	d, ok := h.runUntil(time.Minute, h.connectedTo("B"))
	require.True(t, ok)
	assert.LessOrEqual(t, d, 30*time.Second)
	_ = at
}

func TestS7_SideARecoversBeforeBConfirmed(t *testing.T) {
	h := newHarness(t, 7)
	h.start("A")
	h.B.with(func() { h.B.latency = 2500 * time.Millisecond })
	m := h.mark()
	h.A.kill()
	h.run(time.Second)
	h.A.revive() // back before B's SystemInfo answer arrives
	h.run(30 * time.Second)

	evs := h.eventsSince(m)
	assert.Equal(t, []string{"reconnecting/A", "connected/A"}, connTrail(evs))
	assert.Zero(t, countSwitches(evs))
	assert.Zero(t, h.B.count("Dial"), "B was never tried")
	h.requireConnected("A")
}

func TestS8_FlappingSideA(t *testing.T) {
	t.Run("B healthy: one switch", func(t *testing.T) {
		h := newHarness(t, 8)
		h.start("A")
		m := h.mark()
		for i := 0; i < 20; i++ { // down 3 s, up 3 s, for two minutes
			h.A.kill()
			h.run(3 * time.Second)
			h.A.revive()
			h.run(3 * time.Second)
		}
		h.run(time.Minute)
		evs := h.eventsSince(m)
		assert.Equal(t, 1, countSwitches(evs), "trail: %v", connTrail(evs))
		h.requireConnected("B")
	})
	t.Run("B out of service: reconnects bounded by the poll interval", func(t *testing.T) {
		h := newHarness(t, 88)
		h.start("A")
		h.B.setStatus(finesse.StatusOutOfService)
		m := h.mark()
		for i := 0; i < 20; i++ {
			h.A.kill()
			h.run(3 * time.Second)
			h.A.revive()
			h.run(3 * time.Second)
		}
		evs := h.eventsSince(m)
		assert.Zero(t, countSwitches(evs))
		connects := 0
		for _, c := range connEvents(evs) {
			if c.State == StateConnected {
				connects++
			}
		}
		assert.LessOrEqual(t, connects, int(2*time.Minute/(10*time.Second))+1)
		h.run(time.Minute)
		h.requireConnected("A")
	})
}

func uccx(h *harness, masterA, masterB bool) {
	for _, f := range []struct {
		s      *fakeSide
		master bool
	}{{h.A, masterA}, {h.B, masterB}} {
		f.s.with(func() {
			f.s.deployment = finesse.DeploymentUCCX
			f.s.status = finesse.StatusOutOfService
			if f.master {
				f.s.status = finesse.StatusInService
			}
		})
	}
}

func TestS9_UCCXIslandMode(t *testing.T) {
	t.Run("client on A stays", func(t *testing.T) {
		h := newHarness(t, 9)
		uccx(h, true, false)
		h.start("A")
		m := h.mark()
		h.B.setStatus(finesse.StatusInService) // island: B becomes master too
		h.A.publishSystemInfo()
		h.run(5 * time.Minute)
		assert.Empty(t, connTrail(h.eventsSince(m)))
		h.requireConnected("A")
		assert.Equal(t, "UCCX", h.e.Snapshot().Sides[0].DeploymentType)
	})
	t.Run("client that starts on B during the island stays on B", func(t *testing.T) {
		h := newHarness(t, 99, startOn(1))
		uccx(h, true, true)
		h.start("B")
		m := h.mark()
		h.run(5 * time.Minute)
		assert.Empty(t, connTrail(h.eventsSince(m)))
		h.requireConnected("B")
	})
}

func TestS10_UCCXIslandHeals(t *testing.T) {
	h := newHarness(t, 10, startOn(1))
	uccx(h, true, true) // island
	h.start("B")
	m, at := h.mark(), h.now()
	h.B.setStatus(finesse.StatusOutOfService) // heal: B drops mastership
	h.run(30 * time.Second)

	evs := h.eventsSince(m)
	assert.Equal(t, []string{"reconnecting/B", "failing-over/A", "connected/A"}, connTrail(evs))
	connectedWithin(t, evs, "A", at, 5*time.Second)
	h.requireConnected("A")
}

func TestS11_FirstSignedInOnB(t *testing.T) {
	h := newHarness(t, 11, startOn(1))
	h.start("B")
	assert.Zero(t, h.A.count("Dial"))
	m, at := h.mark(), h.now()
	h.B.kill()
	h.run(30 * time.Second)

	evs := h.eventsSince(m)
	assert.Equal(t, []string{"reconnecting/B", "failing-over/A", "connected/A"}, connTrail(evs))
	connectedWithin(t, evs, "A", at, 5*time.Second)
	h.requireConnected("A")
}

func TestS11_StartSideDeadAtStart(t *testing.T) {
	h := newHarness(t, 111, startOn(1))
	h.B.kill()
	h.e.Start()
	h.run(5 * time.Second)
	assert.Equal(t, []string{"connecting/B", "connecting/A", "connected/A"}, connTrail(h.eventsSince(0)))
	h.requireConnected("A")
}

func TestS12_BothDownThenBReturns(t *testing.T) {
	h := newHarness(t, 12)
	h.start("A")
	m := h.mark()
	h.B.kill()
	h.A.kill()
	polls := h.A.count("SystemInfo")
	h.run(2 * time.Minute)
	assert.Equal(t, []string{"reconnecting/A", "disconnected/A"}, connTrail(h.eventsSince(m)))
	// Keep trying on the poll schedule: first check at once, then every 10 s.
	assert.InDelta(t, 13, h.A.count("SystemInfo")-polls, 1)

	back := h.now()
	h.B.revive()
	h.run(time.Minute)
	evs := h.eventsSince(m)
	assert.Equal(t, []string{"reconnecting/A", "disconnected/A", "failing-over/B", "connected/B"}, connTrail(evs))
	connectedWithin(t, evs, "B", back, 10*time.Second+2*time.Second+time.Millisecond)
}

func TestS13_CallEndsDuringGap(t *testing.T) {
	h := newHarness(t, 13)
	c := h.startCall("200", "callVariable1", "Ada")
	h.start("A")
	m := h.mark()
	h.A.kill()
	h.run(100 * time.Millisecond) // in the gap (jitter before the switch)
	h.endCall(c)                  // nobody hears the DELETE
	h.run(30 * time.Second)

	h.requireConnected("B")
	ds := dialogEvents(h.eventsSince(m))
	require.Len(t, ds, 1, "%+v", ds)
	assert.Equal(t, DialogRemoved, ds[0].Action)
	assert.True(t, ds[0].Synthetic)
	assert.Equal(t, "ck:152018:ck200:1", ds[0].Dialog.CallKey)
	assert.Equal(t, "Ada", ds[0].Dialog.CallVariables[0].Value, "the removed call keeps its data")
	assert.Empty(t, h.e.Snapshot().Dialogs)
	h.requireNoDuplicateAdded()

	// A late copy of the ended call does not bring it back.
	h.callEvent(finesse.EventPut, c)
	h.run(time.Second)
	assert.Len(t, dialogEvents(h.eventsSince(m)), 1)
}

func TestS14_CallStartsDuringGapAndCallDataLost(t *testing.T) {
	h := newHarness(t, 14)
	x := h.startCall("300", "callVariable1", "Grace", "user.account", "4711")
	h.start("A")
	h.B.with(func() {
		h.B.nullCallData = true // B lost the call data in the failover
		h.B.idPrefix = "b-"     // and the dialog ids differ
	})
	m := h.mark()
	h.A.kill()
	h.run(100 * time.Millisecond)
	y := h.startCall("301", "callVariable1", "Linus") // starts in the gap
	h.run(30 * time.Second)
	h.requireConnected("B")

	ds := dialogEvents(h.eventsSince(m))
	require.Len(t, ds, 2, "%+v", ds)
	up, add := ds[0], ds[1]
	assert.Equal(t, DialogUpdated, up.Action)
	assert.True(t, up.Synthetic)
	assert.Equal(t, "ck:152018:ck300:1", up.Dialog.CallKey, "same call despite the new dialog id")
	assert.Equal(t, "b-300", up.Dialog.ID)
	assert.True(t, up.Dialog.Restored)
	assert.Equal(t, []CallVariable{
		{Name: "callVariable1", Value: "Grace", Restored: true},
		{Name: "user.account", Value: "4711", Restored: true},
	}, up.Dialog.CallVariables)
	assert.Equal(t, "0612345678", up.Dialog.FromAddress)
	assert.Contains(t, up.Dialog.RestoredFields, "fromAddress")
	assert.Equal(t, "ACD_IN", up.Dialog.CallType)

	assert.Equal(t, DialogAdded, add.Action)
	assert.True(t, add.Synthetic)
	assert.Equal(t, "ck:152018:ck301:1", add.Dialog.CallKey)
	assert.False(t, add.Dialog.Restored, "nothing known about a call that started in the gap")

	// B keeps sending copies without data: the cache keeps filling them.
	h.changeCall(x, func(c *fakeCall) { c.state = finesse.DialogHeld })
	h.run(time.Second)
	ds = dialogEvents(h.eventsSince(m))
	require.Len(t, ds, 3)
	assert.Equal(t, "HELD", ds[2].Dialog.State)
	assert.Equal(t, "Grace", ds[2].Dialog.CallVariables[0].Value)
	assert.True(t, ds[2].Dialog.CallVariables[0].Restored)

	// Duplicate POST republished by the server after reconnect: no second added.
	h.callEvent(finesse.EventPost, y)
	h.run(time.Second)
	h.requireNoDuplicateAdded()
	assert.Len(t, h.addedPerCall(), 2)
}

// S15: B refuses the credentials after A died (AWDB down, cache expired).
// The engine waits in unauthorized (B refused), keeps watching A, never
// sends B the refused credential again, and new credentials resume it.
func TestS15_UnauthorizedAfterSwitch(t *testing.T) {
	h := newHarness(t, 15)
	h.start("A")
	h.B.with(func() { h.B.refuse[testPassword] = true }) // AWDB down, cache expired
	m := h.mark()
	h.A.kill()
	h.run(30 * time.Second)

	evs := h.eventsSince(m)
	assert.Equal(t, []string{"reconnecting/A", "failing-over/B", "unauthorized/B"}, connTrail(evs))
	last := connEvents(evs)[2]
	assert.Equal(t, []string{"B"}, last.Refused)
	errs := errorEvents(evs)
	require.Len(t, errs, 1)
	assert.False(t, errs[0].Fatal, "a waiting state, not a stop")
	assert.Equal(t, ErrCodeUnauthorized, errs[0].Code)
	assert.Equal(t, "B", errs[0].Side)

	bOps := func() int {
		n := 0
		h.B.with(func() {
			for _, c := range h.B.ops {
				n += c
			}
		})
		return n
	}
	before, polls := bOps(), h.A.count("SystemInfo")
	h.run(10 * time.Minute)
	assert.Equal(t, before, bOps(), "B is never asked again with the refused password")
	assert.Equal(t, 1, h.B.count("Dial"))
	assert.GreaterOrEqual(t, h.A.count("SystemInfo")-polls, 50, "A is still watched on the poll schedule")
	assert.Equal(t, StateUnauthorized, h.e.Snapshot().Connection.State)
	h.B.with(func() { assert.Equal(t, 1, h.B.got401[testPassword], "one 401 per side per credential") })

	// The page hands over new credentials: B may be tried with them.
	require.NoError(t, h.e.SetAuth(finesse.Auth{Username: h.agentID, Password: "n3w-Pa55word"}))
	took, ok := h.runUntil(15*time.Second, h.connectedTo("B"))
	require.True(t, ok, "setAuth resumes: %v", connTrail(h.eventsSince(m)))
	assert.LessOrEqual(t, took, 5*time.Second)
	eps := h.B.endpoints
	assert.Equal(t, "n3w-Pa55word", eps[len(eps)-1].Password, "the next login uses the new password")
	h.requireNoSecrets()
}

func TestS16_ForcedLogoutAfterSwitch(t *testing.T) {
	run := func(t *testing.T, optIn bool) {
		h := newHarness(t, 16, withPolicy(func(p *Policy) {
			p.ReloginAfterForcedLogout = optIn
			p.RestoreAgentState = optIn
		}))
		h.setAgent(finesse.StateReady, "", "")
		h.start("A")
		h.A.kill()
		h.run(10 * time.Second)
		h.requireConnected("B")
		m := h.mark()
		h.run(50 * time.Second)
		h.setAgent(finesse.StateLogout, finesse.ForcedLogoutReasonCode, "") // the old side's forced logout
		h.run(10 * time.Second)

		ag := agentEvents(h.eventsSince(m))
		require.NotEmpty(t, ag)
		assert.Equal(t, finesse.StateLogout, ag[0].State)
		assert.True(t, ag[0].ForcedLogout)
		assert.Equal(t, finesse.StateReady, ag[0].Previous)
		assert.Equal(t, "255", ag[0].ReasonCode)
		if !optIn {
			assert.Len(t, ag, 1)
			assert.Zero(t, h.B.count("SignIn"), "no re-login without the opt-in")
			assert.Equal(t, finesse.StateLogout, h.agentState())
			return
		}
		assert.Equal(t, 1, h.B.count("SignIn"), "re-login on the current side")
		assert.Zero(t, h.A.count("SignIn"))
		assert.Equal(t, finesse.StateReady, h.agentState(), "and back to the state before")
		last := ag[len(ag)-1]
		assert.Equal(t, finesse.StateReady, last.State)
	}
	t.Run("reported", func(t *testing.T) { run(t, false) })
	t.Run("opt-in re-login", func(t *testing.T) { run(t, true) })
}

func TestS17_MaintenanceMode(t *testing.T) {
	var delays []time.Duration
	for seed := uint64(170); seed < 175; seed++ {
		h := newHarness(t, seed)
		h.start("A")
		m, at := h.mark(), h.now()
		h.A.setMaintenance(true)
		h.run(30 * time.Second)
		evs := h.eventsSince(m)
		assert.Equal(t, []string{"failing-over/B", "connected/B"}, connTrail(evs), "proactive: no disconnection first")
		conn := connectedWithin(t, evs, "B", at, 2*time.Second, "within the jitter bound")
		delays = append(delays, conn.Since.Sub(at))
		assert.Equal(t, ReasonMaintenance, connEvents(evs)[0].Reason)
	}
	assert.Greater(t, len(distinct(delays)), 1, "jitter spreads the moment of the move: %v", delays)
}

func TestS17_MaintenanceWaitsForTheOtherSide(t *testing.T) {
	h := newHarness(t, 177)
	h.start("A")
	h.B.setStatus(finesse.StatusOutOfService)
	m := h.mark()
	h.A.setMaintenance(true)
	h.run(time.Minute)
	assert.Empty(t, connTrail(h.eventsSince(m)), "stay on the side in maintenance while it is the only one")
	h.requireConnected("A")

	back := h.now()
	h.B.setStatus(finesse.StatusInService)
	h.run(time.Minute)
	evs := h.eventsSince(m)
	assert.Equal(t, []string{"failing-over/B", "connected/B"}, connTrail(evs))
	connectedWithin(t, evs, "B", back, 10*time.Second+2*time.Second, "next check, then jitter")
}

func distinct(ds []time.Duration) map[time.Duration]bool {
	m := map[time.Duration]bool{}
	for _, d := range ds {
		m[d] = true
	}
	return m
}

// TestS18_BusySideIsPolledAgainSoon is one agent of the S18 storm: A dies
// while B, flooded by every other agent, answers SystemInfo with 503. A 503
// means "retry in a few seconds" (SPEC §3.2), so the agent polls again
// after a short, growing, jittered pause rather than the 10 s poll
// interval, and reaches B within seconds of B taking it.
func TestS18_BusySideIsPolledAgainSoon(t *testing.T) {
	h := newHarness(t, 18)
	h.start("A")
	h.B.with(func() { h.B.sysInfo503 = true })
	m, at := h.mark(), h.now()
	h.A.kill()
	h.run(2500 * time.Millisecond)
	h.B.with(func() { h.B.sysInfo503 = false })
	h.run(30 * time.Second)
	// Pauses of 1 s then 2 s, each plus up to 2 s of jitter, then the
	// switch's jitter: at most 9 s. The poll interval alone is 10 s.
	connectedWithin(t, h.eventsSince(m), "B", at, 9*time.Second)
	busy := 0
	for _, e := range h.e.History() {
		if e.What == "busy" {
			busy++
		}
	}
	assert.Positive(t, busy, "the history says why the poll came early")
}

// TestS18_BusyPausesGrow: while B keeps refusing, the pauses double up to
// the poll interval, so the agents a side turned away do not hammer it.
func TestS18_BusyPausesGrow(t *testing.T) {
	h := newHarness(t, 19)
	h.start("A")
	polls := h.B.count("SystemInfo")
	h.B.with(func() { h.B.sysInfo503 = true })
	h.A.kill()
	h.run(60 * time.Second)
	assert.False(t, h.connectedTo("B")(), "B refuses every poll")
	// Pauses of 1, 2, 4, 8, then 10 s, each plus up to 2 s of jitter: 8 to
	// 11 polls in a minute, where the poll interval alone gives 7 and a
	// flat 1 s would give 60.
	n := h.B.count("SystemInfo") - polls
	assert.GreaterOrEqual(t, n, 8, "polled sooner than the poll interval")
	assert.LessOrEqual(t, n, 11, "backed off while B stays busy")
}

// S23: another session keeps binding the client's full JID. Each conflict
// is reported as reason conflict, and the next bind waits at least the poll
// interval: over 60 s there is no bind storm.
func TestS23_ConflictIsNotABindStorm(t *testing.T) {
	h := newHarness(t, 23)
	h.start("A")
	m := h.mark()
	h.A.with(func() { h.A.conflictAfter = 100 * time.Millisecond })
	h.A.dropSessions("restart") // the next session is the first to be taken over
	h.run(60 * time.Second)

	var conflicts int
	for _, c := range connEvents(h.eventsSince(m)) {
		if c.Reason == ReasonConflict {
			conflicts++
			assert.Equal(t, StateReconnecting, c.State)
		}
	}
	assert.GreaterOrEqual(t, conflicts, 3)
	h.A.with(func() {
		times := h.A.dialTimes[1:] // from the first taken-over session on
		require.GreaterOrEqual(t, len(times), 2)
		assert.LessOrEqual(t, len(times), 1+int(60*time.Second/h.e.pol.PollInterval), "binds over 60 s")
		for k := 2; k < len(times); k++ {
			assert.GreaterOrEqual(t, times[k].Sub(times[k-1]), h.e.pol.PollInterval, "bind %d came too soon", k)
		}
	})
	assert.Zero(t, h.B.count("Dial"), "a conflict is not a reason to leave the side")
}

// A bind refused with conflict during the dial waits the same pause.
func TestConflictAtBindWaits(t *testing.T) {
	h := newHarness(t, 231)
	h.start("A")
	h.A.with(func() { h.A.bindConflict = true })
	h.A.dropSessions("restart")
	dials := h.A.count("Dial")
	h.run(60 * time.Second)
	assert.LessOrEqual(t, h.A.count("Dial")-dials, 1+int(60*time.Second/h.e.pol.PollInterval))
	assert.Zero(t, h.B.count("Dial"))

	assert.True(t, isConflict(fmt.Errorf("dial: %w", &notify.BindError{Condition: "conflict"})))
	assert.True(t, isConflict(&notify.LostError{Cause: &bosh.TerminateError{Condition: "remote-stream-error", StreamError: "conflict"}}))
	assert.False(t, isConflict(&notify.StreamError{Condition: "system-shutdown"}))
	assert.False(t, isConflict(nil))
}
