package failover

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/clock"
	"github.com/finesse-ha/finesse-ha/internal/finesse"
	"github.com/finesse-ha/finesse-ha/internal/notify"
)

func TestConfigValidation(t *testing.T) {
	h := newHarness(t, 50)
	good := func() Config {
		return Config{
			AgentID: "1001", Clock: clock.NewVirtual(t0),
			Sides: []Side{{REST: h.A, Dialer: h.A}, {REST: h.B, Dialer: h.B}},
		}
	}
	cases := map[string]func(*Config){
		"AgentID":         func(c *Config) { c.AgentID = " " },
		"Sides":           func(c *Config) { c.Sides = nil },
		"Sides[1].REST":   func(c *Config) { c.Sides[1].REST = nil },
		"Sides[0].Dialer": func(c *Config) { c.Sides[0].Dialer = nil },
		"StartSide":       func(c *Config) { c.StartSide = 2 },
		"Clock":           func(c *Config) { c.Clock = nil },
	}
	for field, mutate := range cases {
		c := good()
		mutate(&c)
		_, err := New(c)
		var ce *ConfigError
		require.ErrorAs(t, err, &ce, field)
		assert.Equal(t, field, ce.Field)
		assert.Contains(t, err.Error(), field)
	}
	_, err := New(good())
	require.NoError(t, err)
	c := good()
	c.Sides = c.Sides[:1]
	_, err = New(c)
	require.NoError(t, err, "a single side is allowed")
}

func TestDefaultPolicy(t *testing.T) {
	p := DefaultPolicy()
	assert.Equal(t, 10*time.Second, p.PollInterval)
	assert.Equal(t, 3, p.TransportRetries)
	assert.Equal(t, 2*time.Second, p.Jitter)
	assert.LessOrEqual(t, p.PingInterval, 20*time.Second)
	assert.False(t, p.RestoreAgentState)
	assert.False(t, p.ReloginAfterForcedLogout)
	assert.False(t, p.RetryPOST)
	assert.Equal(t, RetryPolicy{Count: 3, Backoff: 2 * time.Second}, p.Retry503)

	p = Policy{PingInterval: time.Minute, Jitter: -1, Retry503: RetryPolicy{Count: -1}, TransportRetries: -5}.withDefaults()
	assert.Equal(t, 20*time.Second, p.PingInterval, "Finesse wants a ping at least every 20 s")
	assert.Zero(t, p.Jitter)
	assert.Zero(t, p.Retry503.Count)
	assert.Equal(t, 1, p.TransportRetries)
}

func TestNoJitterPolicy(t *testing.T) {
	h := newHarness(t, 51, withPolicy(func(p *Policy) { p.Jitter = -1 }))
	h.start("A")
	m, at := h.mark(), h.now()
	h.A.kill()
	h.run(10 * time.Second)
	conn, ok := firstConnected(h.eventsSince(m), "B")
	require.True(t, ok)
	assert.Equal(t, at, conn.Since, "no jitter: switched in the same instant of virtual time")
}

func TestSubscriptionsReissuedOnEveryConnect(t *testing.T) {
	h := newHarness(t, 52, func(c *Config) { c.Subscriptions = []string{"/finesse/api/Team/1/Users", " "} })
	h.start("A")
	h.e.Subscribe("/finesse/api/Queue/7")
	h.e.Subscribe("/finesse/api/Queue/7") // twice: once
	h.run(time.Second)
	h.A.with(func() {
		assert.Equal(t, []string{"/finesse/api/Team/1/Users", "/finesse/api/Queue/7"}, h.A.subscribed)
	})
	h.e.Unsubscribe("/finesse/api/Team/1/Users")
	h.e.Unsubscribe("/not/subscribed")
	h.run(time.Second)
	h.A.kill()
	h.run(10 * time.Second)
	h.requireConnected("B")
	h.B.with(func() {
		assert.Equal(t, []string{"/finesse/api/Queue/7"}, h.B.subscribed, "explicit subscriptions follow to the new side")
	})
}

func TestSubscribeFailureIsReportedNotFatal(t *testing.T) {
	h := newHarness(t, 53, func(c *Config) { c.Subscriptions = []string{"/finesse/api/Team/1/Users"} })
	h.start("A")
	h.A.with(func() { h.A.sessions[0].closed = true }) // the session rejects commands
	m := h.mark()
	h.e.Subscribe("/finesse/api/Queue/1")
	h.run(time.Second)
	errs := errorEvents(h.eventsSince(m))
	require.NotEmpty(t, errs)
	assert.Equal(t, ErrCodeSubscribe, errs[0].Code)
}

func TestCloseEndsEverything(t *testing.T) {
	h := newHarness(t, 54)
	h.start("A")
	h.e.Close()
	h.e.Close()
	h.settle()
	select {
	case <-h.e.Done():
	default:
		t.Fatal("Done not closed")
	}
	evs := h.eventsSince(0)
	last, ok := evs[len(evs)-1].(ConnectionEvent)
	require.True(t, ok)
	assert.Equal(t, StateClosed, last.State)
	assert.Equal(t, ReasonClosed, last.Reason)
	assert.Zero(t, h.clk.Pending(), "no timer left behind")
	h.mu.Lock()
	assert.Empty(t, h.A.sessions, "session closed")
	h.mu.Unlock()
	m := h.mark()
	h.e.Start()
	h.run(time.Minute)
	assert.Empty(t, h.eventsSince(m), "a closed engine stays closed")
}

func TestCloseDuringConnectClosesTheNewSession(t *testing.T) {
	h := newHarness(t, 55)
	h.A.with(func() { h.A.latency = 5 * time.Second })
	h.e.Start()
	h.run(6 * time.Second) // SystemInfo answered; dial done, User GET waiting
	h.e.Close()
	h.run(10 * time.Second)
	select {
	case <-h.e.Done():
	default:
		t.Fatal("Done not closed")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	assert.Empty(t, h.A.sessions)
}

func TestSecretsNeverLeak(t *testing.T) {
	h := newHarness(t, 57, func(c *Config) { c.Secrets = []string{"sso-token-XYZ"} })
	h.start("A")
	h.B.with(func() { h.B.unauthorized = true }) // the fake puts the password in its error text
	h.A.kill()
	h.run(30 * time.Second)
	h.requireNoSecrets()

	basic := "Basic " + "MTAwMTAwMTpzM2NyZXQtUGE1NXdvcmQ=" // 1001001:s3cret-Pa55word
	assert.NotContains(t, h.e.secrets.scrub("header "+basic+" and sso-token-XYZ"), "MTAwMTAwMTpzM2NyZXQtUGE1NXdvcmQ")
	assert.NotContains(t, h.e.secrets.scrub("token sso-token-XYZ"), "sso-token-XYZ")
}

func TestHandlerPanicDoesNotStopTheEngine(t *testing.T) {
	h := newHarness(t, 58)
	h.onEvent = func(Event) { panic("host bug") }
	h.start("A")
	h.A.kill()
	h.run(10 * time.Second)
	h.requireConnected("B")
}

func TestAdapterPanicBecomesAnError(t *testing.T) {
	h := newHarness(t, 59)
	h.start("A")
	h.A.with(func() { h.A.panicOn = "Do GET" })
	p := h.e.submit("GET", "/finesse/api/User/1001001", nil)
	h.run(time.Second)
	h.requireDone(p)
	require.ErrorIs(t, p.err, ErrRejected)
	assert.Contains(t, p.err.Error(), "panicked: fake adapter bug")
	h.requireConnected("A")

	// A panicking poll must not freeze recovery.
	h.B.with(func() { h.B.panicOn = "SystemInfo" })
	m := h.mark()
	h.A.kill()
	h.run(time.Minute)
	h.B.with(func() { h.B.panicOn = "" })
	h.run(time.Minute)
	assert.Equal(t, []string{"reconnecting/A", "disconnected/A", "failing-over/B", "connected/B"}, connTrail(h.eventsSince(m)))
}

func TestEngineBugInAnInputIsReported(t *testing.T) {
	h := newHarness(t, 159)
	h.start("A")
	evs := inLoop(h, func() { panic("engine bug") })
	errs := errorEvents(evs)
	require.Len(t, errs, 1)
	assert.Equal(t, ErrCodeInternal, errs[0].Code)
	evs = inLoop(h, func() {
		h.e.spawn(0, func(context.Context) func() { panic("io bug with " + testPassword) })
	})
	errs = errorEvents(evs)
	require.Len(t, errs, 1)
	assert.NotContains(t, errs[0].Message, testPassword)
	h.A.kill()
	h.run(10 * time.Second)
	h.requireConnected("B")
}

func TestNotificationsAppliedAndForwarded(t *testing.T) {
	h := newHarness(t, 60)
	h.start("A")
	m := h.mark()
	c := h.startCall("9", "callVariable1", "x")
	h.changeCall(c, func(c *fakeCall) { c.state = finesse.DialogHeld })
	h.endCall(c)
	h.setAgent(finesse.StateReady, "", "")
	h.run(time.Second)
	evs := h.eventsSince(m)
	var kinds []string
	for _, ev := range evs {
		switch v := ev.(type) {
		case NotificationEvent:
			kinds = append(kinds, "n")
		case DialogEvent:
			kinds = append(kinds, string(v.Action))
			assert.False(t, v.Synthetic)
		case AgentEvent:
			kinds = append(kinds, "agent:"+string(v.State))
			assert.Equal(t, finesse.StateNotReady, v.Previous)
		}
	}
	assert.Equal(t, []string{"n", "added", "n", "updated", "n", "removed", "n", "agent:READY"}, kinds)
	for _, ev := range evs {
		if n, ok := ev.(NotificationEvent); ok {
			assert.NotEmpty(t, n.XML)
			assert.Equal(t, "A", n.Side)
		}
	}
}

func TestForeignAndBrokenNotifications(t *testing.T) {
	h := newHarness(t, 61)
	h.start("A")
	m := h.mark()
	var l notify.Listener
	h.mu.Lock()
	l = h.A.sessions[0].l
	h.mu.Unlock()
	other := finesse.User{LoginID: "2002", State: finesse.StateReady}
	l.Update(makeUpdate("/finesse/api/Team/1/Users", finesse.EventPut, "/finesse/api/User/2002", "", &other))
	l.Update(&finesse.Update{Node: "/finesse/api/User/1001001", Event: finesse.EventPut, Data: []byte("<User><state>"), Raw: "x"})
	l.Update(&finesse.Update{Node: "/finesse/api/User/1001001/Dialogs", Event: finesse.EventPut,
		Data: []byte("<apiErrors><apiError><errorType>CTI</errorType><errorMessage>boom</errorMessage></apiError></apiErrors>"), Raw: "x"})
	l.Error(errors.New("undecodable item on node /finesse/api/User/1001001"))
	l.Update(nil)
	h.settle()
	evs := h.eventsSince(m)
	assert.Empty(t, agentEvents(evs), "another agent's state is not ours")
	errs := errorEvents(evs)
	require.Len(t, errs, 3)
	assert.Equal(t, ErrCodeDecode, errs[0].Code)
	assert.NotContains(t, errs[0].Message, "<state>", "payload never echoed")
	assert.Equal(t, ErrCodeAPI, errs[1].Code)
	assert.Contains(t, errs[1].Message, "boom")
	assert.Equal(t, ErrCodeDecode, errs[2].Code)
	assert.Equal(t, finesse.StateNotReady, h.e.Snapshot().Agent.State)
}

func TestSignInAgainWhenFoundSignedOut(t *testing.T) {
	h := newHarness(t, 62)
	h.setAgent(finesse.StateReady, "", "")
	h.start("A")
	m := h.mark()
	h.A.kill()
	h.run(100 * time.Millisecond)
	h.setAgent(finesse.StateLogout, "", "") // signed out during the gap (UCCX engine failover)
	h.run(10 * time.Second)
	h.requireConnected("B")
	assert.Equal(t, 1, h.B.count("SignIn"))
	ag := agentEvents(h.eventsSince(m))
	require.Len(t, ag, 1, "%+v", ag)
	assert.Equal(t, finesse.StateNotReady, ag[0].State)
	assert.Equal(t, finesse.StateReady, ag[0].Previous)
	assert.True(t, ag[0].Synthetic)
	assert.Equal(t, finesse.StateReady, h.e.Snapshot().Agent.Previous)
}

func TestNoSignInForAnAgentSignedOutBefore(t *testing.T) {
	h := newHarness(t, 63)
	h.setAgent(finesse.StateLogout, "", "")
	h.start("A")
	h.A.kill()
	h.run(10 * time.Second)
	h.requireConnected("B")
	assert.Zero(t, h.B.count("SignIn"), "a deliberate logout is respected")
}

func TestRestoreAgentStateOptIn(t *testing.T) {
	for _, optIn := range []bool{false, true} {
		t.Run(fmt.Sprint(optIn), func(t *testing.T) {
			h := newHarness(t, 64, withPolicy(func(p *Policy) { p.RestoreAgentState = optIn }))
			h.setAgent(finesse.StateReady, "", "")
			h.start("A")
			h.A.kill()
			h.run(100 * time.Millisecond)
			h.setAgent(finesse.StateNotReady, "50041", "") // "Connection failure"
			h.run(10 * time.Second)
			h.requireConnected("B")
			if optIn {
				assert.Equal(t, 1, h.B.count("SetState"))
				assert.Equal(t, finesse.StateReady, h.agentState())
			} else {
				assert.Zero(t, h.B.count("SetState"))
				assert.Equal(t, finesse.StateNotReady, h.agentState())
				assert.Equal(t, finesse.StateReady, h.e.Snapshot().Agent.Previous, "offered to the host instead")
			}
		})
	}
}

func TestPingFailureIsATrigger(t *testing.T) {
	h := newHarness(t, 65)
	h.start("A")
	h.mu.Lock()
	h.A.sessions[0].closed = true // dead without a Lost callback
	h.mu.Unlock()
	m := h.mark()
	h.run(15 * time.Second)
	evs := connEvents(h.eventsSince(m))
	require.NotEmpty(t, evs)
	assert.Equal(t, ReasonNotificationLost, evs[0].Reason)
	h.requireConnected("A")
}

func TestSingleSideKeepsTrying(t *testing.T) {
	h := newHarness(t, 66, func(c *Config) { c.Sides = c.Sides[:1] })
	h.start("A")
	m := h.mark()
	h.A.kill()
	h.run(time.Minute)
	h.A.revive()
	h.run(time.Minute)
	assert.Equal(t, []string{"reconnecting/A", "disconnected/A", "reconnecting/A", "connected/A"}, connTrail(h.eventsSince(m)))
}

// A refusal is per side: A's 401 on SystemInfo is the only thing A is asked
// with that credential, and B, which has not refused it, is used.
func TestSystemInfo401IsPerSide(t *testing.T) {
	h := newHarness(t, 67)
	h.A.with(func() { h.A.sysInfo401 = true })
	h.e.Start()
	h.run(10 * time.Minute)
	h.requireConnected("B")
	assert.Equal(t, 1, h.A.count("SystemInfo"))
	assert.Zero(t, h.A.count("Dial"))
}

func TestSnapshotSides(t *testing.T) {
	h := newHarness(t, 68)
	h.start("A")
	h.B.kill()
	h.A.setMaintenance(true)
	h.run(time.Second)
	s := h.e.Snapshot()
	require.Len(t, s.Sides, 2)
	assert.True(t, s.Sides[0].Maintenance)
	assert.Equal(t, "fin-a", s.Sides[0].ReportedHost)
	assert.Equal(t, "UNREACHABLE", s.Sides[1].Status)
	assert.NotEmpty(t, s.Sides[1].LastError)
	assert.Equal(t, "UCCE", s.Sides[0].DeploymentType)
}

func TestHistoryRing(t *testing.T) {
	hi := newHistory(3)
	for i := 0; i < 5; i++ {
		hi.add(HistoryEntry{What: fmt.Sprint(i)})
	}
	var whats []string
	for _, e := range hi.list() {
		whats = append(whats, e.What)
	}
	assert.Equal(t, []string{"2", "3", "4"}, whats)
	assert.Empty(t, newHistory(0).list())
}

func TestClassify(t *testing.T) {
	assert.Equal(t, kindUnauthorized, classify(fmt.Errorf("x: %w", finesse.ErrUnauthorized)))
	assert.Equal(t, kindUnauthorized, classify(notify.ErrUnauthorized))
	assert.Equal(t, kindOutOfService, classify(finesse.ErrOutOfService))
	assert.Equal(t, kindTransport, classify(finesse.ErrTransport))
	assert.Equal(t, kindTimeout, classify(ErrTimeout))
	assert.Equal(t, kindOther, classify(errors.New("x")))
	assert.Equal(t, kindOther, classify(nil))
	for _, k := range []errKind{kindOther, kindUnauthorized, kindOutOfService, kindTransport, kindTimeout, kindCanceled} {
		assert.NotEmpty(t, k.String())
		assert.Error(t, k.sentinel())
	}
	assert.Equal(t, kindOutOfService, kindOfStatus(503))
	assert.Equal(t, kindUnauthorized, kindOfStatus(401))
	assert.Equal(t, kindOther, kindOfStatus(404))
	assert.True(t, strings.HasPrefix(snippet(nil), "no body"))
	assert.Len(t, snippet([]byte(strings.Repeat("a", 500))), 203)
}

func TestForcedLogoutFoundByResyncIsReportedNotUndone(t *testing.T) {
	for _, optIn := range []bool{false, true} {
		t.Run(fmt.Sprint(optIn), func(t *testing.T) {
			h := newHarness(t, 69, withPolicy(func(p *Policy) { p.ReloginAfterForcedLogout = optIn }))
			h.setAgent(finesse.StateReady, "", "")
			h.start("A")
			m := h.mark()
			h.A.kill()
			h.run(100 * time.Millisecond)
			h.setAgent(finesse.StateLogout, finesse.ForcedLogoutReasonCode, "")
			h.run(10 * time.Second)
			h.requireConnected("B")
			ag := agentEvents(h.eventsSince(m))
			require.Len(t, ag, 1)
			assert.True(t, ag[0].Synthetic)
			if optIn {
				assert.Equal(t, 1, h.B.count("SignIn"))
				assert.Equal(t, finesse.StateNotReady, ag[0].State)
			} else {
				assert.Zero(t, h.B.count("SignIn"))
				assert.True(t, ag[0].ForcedLogout)
				assert.Equal(t, finesse.StateReady, ag[0].Previous)
			}
		})
	}
}

// A runtime that keeps a copy of History (a worker's pages) learns of every
// entry through OnHistory when it is recorded, not at the next event.
func TestOnHistoryHandsOverEveryEntryAtOnce(t *testing.T) {
	var mu sync.Mutex
	var got []HistoryEntry
	var h *harness
	connectedBefore := map[string]string{} // the last connection event when a state entry arrived
	h = newHarness(t, 61, func(c *Config) {
		c.OnHistory = func(e HistoryEntry) {
			h.mu.Lock()
			last := ""
			if cs := connEvents(h.events); len(cs) > 0 {
				last = string(cs[len(cs)-1].State) + "/" + cs[len(cs)-1].Side
			}
			h.mu.Unlock()
			mu.Lock()
			defer mu.Unlock()
			got = append(got, e)
			if e.What == string(StateConnected) {
				connectedBefore[e.Side] = last
			}
		}
	})
	entries := func() []HistoryEntry {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(got)
	}
	h.start("A")
	assert.Equal(t, h.e.History(), entries())

	// A recheck of a healthy side is history without an event.
	m := h.mark()
	h.e.Recheck()
	h.settle()
	assert.Empty(t, h.eventsSince(m))
	require.NotEmpty(t, entries())
	assert.Equal(t, "recheck", entries()[len(entries())-1].What)
	assert.Equal(t, h.e.History(), entries())

	// A failover records polls and a jitter wait between events; every entry
	// arrives in order, and a state's entry after the state's event.
	h.A.kill()
	h.run(time.Minute)
	h.requireConnected("B")
	assert.Equal(t, h.e.History(), entries())
	whats := map[string]bool{}
	for _, e := range entries() {
		whats[e.What] = true
	}
	assert.True(t, whats["poll"] && whats["jitter"], "entries: %v", entries())
	assert.Equal(t, map[string]string{"A": "connected/A", "B": "connected/B"}, connectedBefore)
}

func TestOnHistoryPanicDoesNotStopTheEngine(t *testing.T) {
	h := newHarness(t, 62, func(c *Config) { c.OnHistory = func(HistoryEntry) { panic("host bug") } })
	h.start("A")
	h.A.kill()
	h.run(time.Minute)
	h.requireConnected("B")
}
