//go:build !js

package notify

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/sim"
	"github.com/finesse-ha/finesse-ha/internal/ws"
)

// The simulator's /ws/ is written from RFC 7395 apart from this client,
// as its BOSH endpoint is (sim_test.go).
func startSim(t *testing.T) (*sim.Pair, string) {
	t.Helper()
	p, err := sim.New(sim.Config{BOSHMaxWait: 5 * time.Second})
	require.NoError(t, err)
	require.NoError(t, p.Start())
	t.Cleanup(func() { _ = p.Close() })
	agent := p.Agents()[0]
	require.NoError(t, p.SignIn(agent, true))
	return p, agent
}

func simWSEndpoint(p *sim.Pair, agent string) Endpoint {
	return Endpoint{
		WebSocketURL: p.A().WSURL(),
		Domain:       p.A().Host(),
		Username:     agent,
		Password:     "password",
		Resource:     "crm",
	}
}

func TestSimulatorWebSocketDeliversDialogEvent(t *testing.T) {
	p, agent := startSim(t)
	rd := &recDial{}
	s, rec := dialWS(t, simWSEndpoint(p, agent), rd, Options{})
	require.NoError(t, s.Ping(testCtx(t)))

	dialogID, err := p.OfferCall(agent)
	require.NoError(t, err)
	waitDialogPost(t, rec, agent, dialogID)
	assert.Equal(t, 1, rd.n, "one socket")
}

func TestSimulatorWebSocketFaults(t *testing.T) {
	p, agent := startSim(t)

	t.Run("notification-down", func(t *testing.T) {
		_, rec := dialWS(t, simWSEndpoint(p, agent), &recDial{}, Options{})
		require.NoError(t, p.Apply(sim.Fault{Name: sim.FaultNotificationDown, Side: "A"}))
		defer func() {
			require.NoError(t, p.Apply(sim.Fault{Name: sim.FaultNotificationDown, Side: "A", Clear: true}))
		}()
		err := recv(t, rec.lost, "Lost")
		var se *StreamError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, "remote-connection-failed", se.Condition)
		var ce *ws.CloseError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, ws.CloseNormal, ce.Code)
	})

	t.Run("unauthorized", func(t *testing.T) {
		require.NoError(t, p.Apply(sim.Fault{Name: sim.FaultUnauthorized, Side: "A", N: 1}))
		rd := &recDial{}
		_, err := NewWebSocketDialer(rd.dial, Options{}).Dial(testCtx(t), simWSEndpoint(p, agent), newRecorder().listener())
		assert.ErrorIs(t, err, ErrUnauthorized)
		assert.Equal(t, 1, rd.count(`mechanism="PLAIN"`))
	})

	t.Run("kill", func(t *testing.T) {
		_, rec := dialWS(t, simWSEndpoint(p, agent), &recDial{}, Options{})
		require.NoError(t, p.Apply(sim.Fault{Name: sim.FaultKill, Side: "A"}))
		err := recv(t, rec.lost, "Lost")
		var ce *ws.CloseError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, ws.CloseAbnormal, ce.Code)

		// The side is down: the socket cannot open, so BOSH on side B is
		// where a fallback dialer would go; here only the error matters.
		_, err = NewWebSocketDialer(new(recDial).dial, Options{}).Dial(testCtx(t), simWSEndpoint(p, agent), newRecorder().listener())
		assert.ErrorIs(t, err, ws.ErrDial)
	})
}
