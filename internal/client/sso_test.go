package client

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/clock"
	"github.com/finesse-ha/finesse-ha/internal/failover"
	"github.com/finesse-ha/finesse-ha/internal/finesse"
	"github.com/finesse-ha/finesse-ha/internal/sim"
)

// S21 natively against the simulator in SSO mode: the token source is
// asked once, at 75% of the first token's life, A dies after that and the
// client reaches B with the fresh token; no side ever refused a token.
func TestSSOTokenRefreshAndFailoverAgainstSimulator(t *testing.T) {
	pair := startSim(t, sim.Config{SSO: true})

	const life = 14 * time.Second
	first, _, err := pair.IssueToken(simAgent, life)
	require.NoError(t, err)
	var mu sync.Mutex
	var asked []time.Time
	get := func(context.Context) (string, error) {
		mu.Lock()
		asked = append(asked, time.Now())
		mu.Unlock()
		tok, _, err := pair.IssueToken(simAgent, life)
		return tok, err
	}
	cfg := Config{
		Sides:         boshSides(pair),
		AgentID:       simAgent,
		Auth:          finesse.Auth{Token: first},
		AllowInsecure: true,
		Policy:        failover.Policy{PollInterval: time.Second, Jitter: -1, TransportBackoff: 50 * time.Millisecond},
	}
	rec := newRecorder()
	c, err := New(cfg, simDoer(), clock.Real(), rec.on, WithTokenSource(get))
	require.NoError(t, err)
	start := time.Now()
	c.Start()
	t.Cleanup(func() { _ = c.Close(); <-c.Done() })
	rec.waitFor(t, 10*time.Second, "connected on A", connectedOn("A"))

	time.Sleep(time.Until(start.Add(12 * time.Second)))
	require.NoError(t, pair.Apply(sim.Fault{Name: sim.FaultKill, Side: "A"}))
	rec.waitFor(t, 10*time.Second, "connected on B", connectedOn("B"))

	mu.Lock()
	require.Len(t, asked, 1, "one refresh in the first lifetime")
	at := asked[0].Sub(start)
	mu.Unlock()
	// The JWT's iat is in whole seconds, so 75% lands up to a second early.
	assert.InDelta(t, (life * 3 / 4).Seconds(), at.Seconds(), 1.5, "asked at %v", at)
	for _, s := range []*sim.Side{pair.A(), pair.B()} {
		assert.Empty(t, s.Metrics().UnauthorizedBy, "side %s refused a token", s.Name())
	}
	assert.Equal(t, uint64(1), pair.B().Metrics().BindsBy[simAgent])
}

// Against a real XMPP server: an SSO agent's token is its SASL PLAIN
// password (research/finesse-protocol.md §1.3); REST goes to the simulator
// in SSO mode with the same token as Bearer.
func TestTokenAsSASLPasswordAgainstProsody(t *testing.T) {
	pair, err := sim.New(sim.Config{SSO: true, BOSHMaxWait: time.Second, BOSHInactivity: 5 * time.Second})
	require.NoError(t, err)
	tok, _, err := pair.IssueToken(simAgent, time.Hour)
	require.NoError(t, err)
	pair2, srv := startProsodyPairWith(t, pair, tok)
	_, rec := prosodyClient(t, pair2, srv, finesse.Auth{Token: tok}, "", failover.Policy{PollInterval: time.Second, Jitter: -1})
	conn := rec.waitFor(t, 10*time.Second, "connected with the token", connectedOn("A")).(ConnectionEvent)
	assert.Equal(t, TransportBOSH, conn.Transport)
	assert.Empty(t, pair.A().Metrics().UnauthorizedBy)
}

// S22 against the simulator: B refuses the password (its next logins fail,
// as with AWDB down) while A is dead; the client waits in unauthorized with
// B refused, goes back to A when A returns, and B, counting refusals per
// credential, was asked exactly once with that password.
func TestS22_RefusedOnBBackOnAAgainstSimulator(t *testing.T) {
	pair := startSim(t, sim.Config{Password: testPassword})
	cfg := Config{
		Sides:         boshSides(pair),
		AgentID:       simAgent,
		Auth:          finesse.Auth{Username: simAgent, Password: testPassword},
		AllowInsecure: true,
		Policy:        failover.Policy{PollInterval: 200 * time.Millisecond, Jitter: -1, TransportBackoff: 50 * time.Millisecond, HealthTimeout: time.Second},
	}
	rec := newRecorder()
	c, err := New(cfg, simDoer(), clock.Real(), rec.on)
	require.NoError(t, err)
	c.Start()
	t.Cleanup(func() { _ = c.Close(); <-c.Done() })
	rec.waitFor(t, 10*time.Second, "connected on A", connectedOn("A"))

	require.NoError(t, pair.Apply(sim.Fault{Name: sim.FaultUnauthorized, Side: "B", N: 5}))
	require.NoError(t, pair.Apply(sim.Fault{Name: sim.FaultKill, Side: "A"}))
	ev := rec.waitFor(t, 10*time.Second, "unauthorized", func(ev Event) bool {
		ce, ok := ev.(ConnectionEvent)
		return ok && ce.State == StateUnauthorized
	}).(ConnectionEvent)
	assert.Equal(t, []SideName{SideB}, ev.Refused)

	time.Sleep(2 * time.Second) // ten poll intervals: A is polled, B is not asked
	require.NoError(t, pair.Apply(sim.Fault{Name: sim.FaultRestore, Side: "A"}))
	rec.waitFor(t, 10*time.Second, "back on A", func(ev Event) bool {
		ce, ok := ev.(ConnectionEvent)
		return ok && ce.State == StateConnected && ce.Side == "A" && ce.Reason == ReasonRecovered
	})
	key := sim.CredentialKey(testPassword)
	assert.Equal(t, uint64(1), pair.B().Metrics().UnauthorizedBy[key], "B asked once with the refused password")
	assert.Zero(t, pair.A().Metrics().Unauthorized)
	assert.False(t, pair.LockedOut(simAgent))
}
