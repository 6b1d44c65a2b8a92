package client

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/clock"
	"github.com/finesse-ha/finesse-ha/internal/failover"
	"github.com/finesse-ha/finesse-ha/internal/finesse"
	"github.com/finesse-ha/finesse-ha/internal/sim"
	"github.com/finesse-ha/finesse-ha/internal/testkit/xmpptest"
)

// The notification side of these tests is a real Prosody (internal/testkit/xmpptest)
// serving the simulator's XMPP domain, so the simulator's REST API and
// SystemInfo (which names the domain) go with Prosody's BOSH.

// prosodyClient starts a client on side A of pair with Prosody for its
// notifications.
func prosodyClient(t *testing.T, pair *sim.Pair, srv *xmpptest.Server, auth finesse.Auth, resource string, pol failover.Policy, opts ...Option) (*Client, *recorder) {
	t.Helper()
	cfg := Config{
		Sides:         []SideConfig{{REST: pair.A().URL(), BOSH: srv.BOSHURL + "/"}},
		AgentID:       simAgent,
		Auth:          auth,
		AllowInsecure: true,
		Resource:      resource,
		Policy:        pol,
	}
	rec := newRecorder()
	c, err := New(cfg, simDoer(), clock.Real(), rec.on, opts...)
	require.NoError(t, err)
	c.Start()
	t.Cleanup(func() { _ = c.Close(); <-c.Done() })
	return c, rec
}

func startProsodyPair(t *testing.T, simCfg sim.Config, xmppPassword string) (*sim.Pair, *xmpptest.Server) {
	t.Helper()
	simCfg.BOSHMaxWait, simCfg.BOSHInactivity = time.Second, 5*time.Second
	pair, err := sim.New(simCfg)
	require.NoError(t, err)
	return startProsodyPairWith(t, pair, xmppPassword)
}

// startProsodyPairWith starts pair (built, not started) and a Prosody for
// its side A's domain whose agent password is xmppPassword.
func startProsodyPairWith(t *testing.T, pair *sim.Pair, xmppPassword string) (*sim.Pair, *xmpptest.Server) {
	t.Helper()
	require.NoError(t, pair.Start())
	t.Cleanup(func() { _ = pair.Close() })
	srv := xmpptest.Start(t, xmpptest.Options{Domain: pair.A().Host(), Agents: map[string]string{simAgent: xmppPassword}})
	// Finesse's webapp is up: the `finesse` user is available.
	fin, err := srv.Finesse(t.Context())
	require.NoError(t, err)
	t.Cleanup(func() { _ = fin.Close() })
	require.NoError(t, fin.Available(t.Context()))
	return pair, srv
}

// connectAttempts counts the notification logins a client began.
func connectAttempts(c *Client) int {
	n := 0
	for _, h := range c.History() {
		if h.What == "connect" {
			n++
		}
	}
	return n
}

// S23 against Prosody: two clients of one agent that chose the same
// resource take it from each other; each reports reason conflict and binds
// no more often than once per poll interval.
func TestS23_ConflictAgainstProsody(t *testing.T) {
	pair, srv := startProsodyPair(t, sim.Config{Password: testPassword}, testPassword)
	pol := failover.Policy{PollInterval: time.Second, Jitter: 200 * time.Millisecond, TransportBackoff: 50 * time.Millisecond}
	auth := finesse.Auth{Username: simAgent, Password: testPassword}
	c1, rec1 := prosodyClient(t, pair, srv, auth, "crm", pol)
	rec1.waitFor(t, 10*time.Second, "first client connected", connectedOn("A"))
	c2, rec2 := prosodyClient(t, pair, srv, auth, "crm", pol)
	rec1.waitFor(t, 10*time.Second, "first client told conflict", func(ev Event) bool {
		ce, ok := ev.(ConnectionEvent)
		return ok && ce.Reason == ReasonConflict
	})
	start := connectAttempts(c1) + connectAttempts(c2)
	const window = 8 * time.Second
	time.Sleep(window)
	binds := connectAttempts(c1) + connectAttempts(c2) - start
	// Two clients, each at most one bind per poll interval, plus one each
	// in flight at the window's edges.
	assert.LessOrEqual(t, binds, 2*int(window/pol.PollInterval)+2, "binds in %v", window)
	assert.Positive(t, binds, "they do keep trying")
	t.Logf("binds of both clients in %v with poll interval %v: %d", window, pol.PollInterval, binds)
	for _, rec := range []*recorder{rec1, rec2} {
		for _, ev := range rec.all() {
			if ce, ok := ev.(ConnectionEvent); ok && ce.State == StateReconnecting {
				assert.Equal(t, ReasonConflict, ce.Reason, "every loss here is the conflict")
			}
		}
	}
}

// Two clients of one agent without a resource option get distinct
// resources and never conflict.
func TestDefaultResourcesNeverConflictAgainstProsody(t *testing.T) {
	pair, srv := startProsodyPair(t, sim.Config{Password: testPassword}, testPassword)
	pol := failover.Policy{PollInterval: time.Second, Jitter: -1}
	auth := finesse.Auth{Username: simAgent, Password: testPassword}
	_, rec1 := prosodyClient(t, pair, srv, auth, "", pol)
	_, rec2 := prosodyClient(t, pair, srv, auth, "", pol)
	rec1.waitFor(t, 10*time.Second, "first connected", connectedOn("A"))
	rec2.waitFor(t, 10*time.Second, "second connected", connectedOn("A"))
	time.Sleep(3 * time.Second)
	for _, rec := range []*recorder{rec1, rec2} {
		var trail []string
		for _, ev := range rec.all() {
			if ce, ok := ev.(ConnectionEvent); ok {
				trail = append(trail, string(ce.State))
			}
		}
		assert.Equal(t, "connecting connected", strings.Join(trail, " "))
	}
}
