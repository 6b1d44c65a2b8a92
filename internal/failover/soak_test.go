package failover

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

// TestSoak_RandomFaults drives the engine through hours of virtual time
// with a seeded random schedule of faults, calls and page requests, and
// checks the invariants after every step:
//   - never connected to a side that is not IN_SERVICE (checked on the
//     connected event itself);
//   - connected at most two minutes after a side has been made healthy;
//   - exactly one "added" per call, and after healing the page's calls are
//     the server's calls, with the right call data;
//   - every page request resolves; history stays bounded;
//   - after Close, Done closes and no goroutine is left behind.
func TestSoak_RandomFaults(t *testing.T) {
	hours := 3 * time.Hour
	if testing.Short() {
		hours = 30 * time.Minute
	}
	for _, seed := range []uint64{1, 7, 42} {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { soak(t, seed, hours) })
	}
}

func soak(t *testing.T, seed uint64, length time.Duration) {
	baseline := runtime.NumGoroutine()
	h := newHarness(t, seed, withPolicy(func(p *Policy) { p.HistoryCap = 64 }))
	rnd := rand.New(rand.NewPCG(seed, 99))

	var violations []string
	h.onEvent = func(ev Event) { // runs with h.mu held
		if c, ok := ev.(ConnectionEvent); ok && c.State == StateConnected {
			f := h.A
			if c.Side == "B" {
				f = h.B
			}
			if f.status != finesse.StatusInService || f.dead {
				violations = append(violations, fmt.Sprintf("%s: connected to %s while %s dead=%v", c.Since.Sub(t0), c.Side, f.status, f.dead))
			}
		}
	}

	h.start("A")
	var requests []*pendingRequest
	var calls []*fakeCall
	callSeq := 0
	step := 0
	for h.now().Sub(t0) < length {
		step++
		f := h.sides[rnd.IntN(2)]
		action := rnd.IntN(20)
		switch action {
		case 0:
			f.kill()
		case 1:
			f.revive()
		case 2:
			f.setNotifyDown(rnd.IntN(2) == 0)
		case 3:
			f.setStatus(finesse.StatusOutOfService)
		case 4:
			f.setStatus(finesse.StatusInService)
		case 5:
			f.setPresence(rnd.IntN(3) != 0)
		case 6:
			f.setBlackhole(rnd.IntN(3) == 0)
		case 7:
			f.setMaintenance(rnd.IntN(3) == 0)
		case 8:
			f.with(func() { f.rest503 = rnd.IntN(3) == 0 })
		case 9:
			f.with(func() { f.latency = time.Duration(rnd.IntN(4)) * time.Second })
		case 10:
			f.with(func() { f.nullCallData = rnd.IntN(2) == 0 })
		case 11, 12:
			callSeq++
			calls = append(calls, h.startCall(fmt.Sprint(callSeq), "callVariable1", fmt.Sprint("customer-", callSeq)))
		case 13:
			if len(calls) > 0 {
				k := rnd.IntN(len(calls))
				h.endCall(calls[k])
				calls = slices.Delete(calls, k, k+1)
			}
		case 14:
			if len(calls) > 0 {
				h.changeCall(calls[rnd.IntN(len(calls))], func(c *fakeCall) {
					c.state = []finesse.DialogState{finesse.DialogActive, finesse.DialogHeld}[rnd.IntN(2)]
				})
			}
		case 15:
			h.setAgent([]finesse.AgentState{finesse.StateReady, finesse.StateNotReady, finesse.StateTalking}[rnd.IntN(3)], "", "")
		case 16:
			requests = append(requests, h.e.submit("PUT", "/finesse/api/User/1001001", []byte("<User><state>READY</state></User>")))
		case 17:
			requests = append(requests, h.e.submit("GET", "/finesse/api/User/1001001", nil))
		}
		h.run(time.Duration(1+rnd.IntN(60)) * time.Second)
		require.Empty(t, violations)
		require.LessOrEqual(t, len(h.e.History()), 64)
		h.requireNoDuplicateAdded()

		if step%15 == 0 {
			healed := h.sides[rnd.IntN(2)]
			healed.with(func() {
				healed.dead, healed.notifyDown, healed.blackhole, healed.rest503 = false, false, false, false
				healed.latency, healed.presence, healed.nullCallData = 0, true, false
			})
			healed.setMaintenance(false)
			healed.setStatus(finesse.StatusInService)
			healed.setPresence(true)
			_, ok := h.runUntil(2*time.Minute, func() bool { return h.e.Snapshot().Connection.State == StateConnected })
			require.True(t, ok, "step %d: not connected 2 min after healing %s: %v", step, healed.name, h.e.History())
			h.run(2 * time.Minute)
			checkCallsMatch(t, h, calls)
			for i, p := range requests {
				select {
				case <-p.done:
				default:
					t.Fatalf("step %d: request %d (%s) never resolved", step, i, p.method)
				}
			}
			requests = nil
		}
	}
	evs := h.eventsSince(0)
	t.Logf("seed %d: %d steps, %d calls, %d events (%d connection, %d switches, %d dialog) over %s",
		seed, step, callSeq, len(evs), len(connEvents(evs)), countSwitches(evs), len(dialogEvents(evs)), length)

	h.close()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > baseline+2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	require.LessOrEqual(t, runtime.NumGoroutine(), baseline+2, "goroutines left behind")
}

// checkCallsMatch compares the page's calls with the server's, once stable
// and connected: same calls (by call key), and every call variable the page
// shows is the true value (restored values included).
func checkCallsMatch(t *testing.T, h *harness, calls []*fakeCall) {
	t.Helper()
	if h.e.Snapshot().Connection.State != StateConnected {
		return // a fault of the other side may have struck again; covered next time
	}
	want := map[string]*fakeCall{}
	for _, c := range calls {
		want["ck:"+c.key[0]+":"+c.key[1]+":"+c.key[2]] = c
	}
	got := h.e.Snapshot().Dialogs
	require.Len(t, got, len(want), "calls on the page vs on the server")
	for _, d := range got {
		c := want[d.CallKey]
		require.NotNil(t, c, "unknown call %s on the page", d.CallKey)
		for _, v := range d.CallVariables {
			if v.Value == "" {
				continue
			}
			require.Equal(t, c.vars[0].Value, v.Value, "call data of %s", d.CallKey)
		}
	}
}
