package sim

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
	"github.com/finesse-ha/finesse-ha/internal/sim/internal/wstest"
)

// wsLogin logs agentID into side s over XMPP-over-WebSocket, from another
// origin as a browser page would, and returns once the initial presence is
// in (the finesse user's presence, which it requires available, has come).
func wsLogin(t *testing.T, s *Side) *wstest.Client {
	t.Helper()
	c, _, err := wstest.Dial(testCtx(t), s.WSURL(), s.Host(), http.Header{"Origin": {"http://127.0.0.1:1"}})
	require.NoError(t, err)
	t.Cleanup(c.Close)
	require.NoError(t, c.Login(testCtx(t), agentID, password, "crm"))
	fin, err := c.Until(testCtx(t), func(e *wstest.Elem) bool {
		return e.XMLName.Local == "presence" && e.From == "finesse@"+s.Host()+"/finesse"
	})
	require.NoError(t, err)
	require.Empty(t, fin.Type, "the finesse user is available")
	return c
}

// wsNextUpdate reads c until an event on node arrives and decodes it.
func wsNextUpdate(t *testing.T, c *wstest.Client, node string) *finesse.Update {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var found wstest.Event
	_, err := c.Until(ctx, func(e *wstest.Elem) bool {
		for _, ev := range e.Events() {
			if ev.Node == node {
				found = ev
				return true
			}
		}
		return false
	})
	require.NoError(t, err, "waiting for an event on %s", node)
	u, err := finesse.DecodeUpdate(found.Node, []byte(found.Update))
	require.NoError(t, err)
	return u
}

// wsEnd reads c until the socket closes; it returns the last stream error
// condition, whether <close/> came, and the close status and reason
// (status -1: no close frame).
func wsEnd(t *testing.T, c *wstest.Client) (condition string, sawClose bool, status websocket.StatusCode, reason string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	end, err := c.ReadToEnd(ctx)
	require.NoError(t, err, "the socket stayed open")
	return end.Condition, end.SawClose, end.Status, end.Reason
}

func TestWebSocketLoginAndEventsAcrossSides(t *testing.T) {
	p := startPair(t, Config{})
	require.NoError(t, p.SignIn(agentID, false))
	assert.Equal(t, "ws://"+p.B().Addr()+"/ws/", p.B().WSURL())
	c := wsLogin(t, p.B())
	assert.Equal(t, agentID+"@"+p.B().Host()+"/crm", c.JID)

	putState(t, p.A(), "<User><state>READY</state></User>", "requestId", "ws-1")
	u := wsNextUpdate(t, c, userNode(agentID))
	assert.Equal(t, "ws-1", u.RequestID)
	user, err := u.User()
	require.NoError(t, err)
	assert.Equal(t, finesse.StateReady, user.State)

	st := p.State().Sides[1]
	assert.Equal(t, p.B().WSURL(), st.WSURL)
	assert.Equal(t, uint64(1), st.Metrics.WS, "one handshake")
	assert.Equal(t, 1, st.Metrics.WSOpen)
	assert.Equal(t, uint64(0), st.Metrics.BOSH)
	assert.Equal(t, map[string]bool{agentID + "@" + p.B().Host() + "/crm": true}, p.B().Sessions())
}

func TestWebSocketWithoutSubprotocolIsRefused(t *testing.T) {
	p := startPair(t, Config{})
	_, resp, err := websocket.Dial(testCtx(t), p.A().WSURL(), nil)
	require.Error(t, err)
	require.NotNil(t, resp)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Equal(t, 0, p.A().Metrics().WSOpen)
}

func TestKillDropsWebSocketWithoutCloseFrame(t *testing.T) {
	p := startPair(t, Config{})
	c := wsLogin(t, p.A())
	apply(t, p, Fault{Name: FaultKill, Side: "A"})
	cond, sawClose, status, _ := wsEnd(t, c)
	assert.Empty(t, cond, "a dead process says nothing")
	assert.False(t, sawClose)
	assert.Equal(t, websocket.StatusCode(-1), status, "abnormal closure (1006): no close frame")

	apply(t, p, Fault{Name: FaultRestore, Side: "A"})
	c = wsLogin(t, p.A())
	assert.Equal(t, 1, p.A().Metrics().WSOpen)
}

func TestNotificationDownEndsWebSocketWithStreamError(t *testing.T) {
	p := startPair(t, Config{})
	c := wsLogin(t, p.A())
	apply(t, p, Fault{Name: FaultNotificationDown, Side: "A"})
	cond, sawClose, status, reason := wsEnd(t, c)
	assert.Equal(t, "remote-connection-failed", cond)
	assert.True(t, sawClose)
	assert.Equal(t, websocket.StatusNormalClosure, status)
	assert.Equal(t, "remote-connection-failed", reason)

	// A new stream is opened and ended at once; REST keeps working.
	c2, _, err := wstest.Dial(testCtx(t), p.A().WSURL(), p.A().Host(), nil)
	require.NoError(t, err)
	t.Cleanup(c2.Close)
	_, err = c2.Open(testCtx(t))
	require.NoError(t, err)
	cond, _, status, _ = wsEnd(t, c2)
	assert.Equal(t, "remote-connection-failed", cond)
	assert.Equal(t, websocket.StatusNormalClosure, status)
	assert.Equal(t, http.StatusOK, rest(t, http.MethodGet, api(p.A(), "User/"+agentID), "").status)

	apply(t, p, Fault{Name: FaultNotificationUp, Side: "A"})
	wsLogin(t, p.A())
}

func TestPresenceUnavailableAndForcedLogoutReachWebSocket(t *testing.T) {
	p := startPair(t, Config{})
	require.NoError(t, p.SignIn(agentID, false))
	c := wsLogin(t, p.A())
	isFinesse := func(e *wstest.Elem) bool {
		return e.XMLName.Local == "presence" && strings.HasPrefix(e.From, "finesse@")
	}
	apply(t, p, Fault{Name: FaultPresenceUnavailable, Side: "A"})
	e, err := c.Until(testCtx(t), isFinesse)
	require.NoError(t, err)
	assert.Equal(t, "unavailable", e.Type)

	apply(t, p, Fault{Name: FaultForcedLogout, Agent: agentID})
	u := wsNextUpdate(t, c, userNode(agentID))
	user, err := u.User()
	require.NoError(t, err)
	assert.Equal(t, finesse.StateLogout, user.State)
	assert.Equal(t, finesse.ForcedLogoutReasonCode, user.ReasonCodeID)
}

func TestBlackholeSilencesWebSocketWithoutClosing(t *testing.T) {
	p := startPair(t, Config{})
	require.NoError(t, p.SignIn(agentID, false))
	c := wsLogin(t, p.A())
	apply(t, p, Fault{Name: FaultBlackhole, Side: "A"})

	require.NoError(t, p.SignIn(agentID, true)) // an event for the session
	require.NoError(t, c.Send(testCtx(t), "<iq xmlns='jabber:client' type='get' id='hole' to='"+p.A().Host()+"'><ping xmlns='urn:xmpp:ping'/></iq>"))
	quiet, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	e, err := c.Next(quiet)
	require.ErrorIs(t, err, wstest.ErrTimeout, "nothing delivered or answered, socket still open; got %v", e)
	assert.Equal(t, 1, p.A().Metrics().WSOpen, "the server still has the session")

	// A handshake inside the hole is swallowed too.
	short, cancel2 := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel2()
	_, _, err = wstest.Dial(short, p.A().WSURL(), p.A().Host(), nil)
	require.Error(t, err)

	// Clearing the hole resets the socket: what fell in is lost.
	apply(t, p, Fault{Name: FaultBlackhole, Side: "A", Clear: true})
	_, sawClose, status, _ := wsEnd(t, c)
	assert.False(t, sawClose)
	assert.Equal(t, websocket.StatusCode(-1), status)
	wsLogin(t, p.A())
}

func TestCapacityRefusesWebSocketHandshakesWith503(t *testing.T) {
	p := startPair(t, Config{})
	apply(t, p, Fault{Name: FaultCapacity, Side: "A", N: 1})
	// Five handshakes span at most two wall-clock seconds: at most two are
	// admitted.
	refused := 0
	for range 5 {
		c, resp, err := wstest.Dial(testCtx(t), p.A().WSURL(), p.A().Host(), nil)
		if err != nil {
			require.NotNil(t, resp, err)
			assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
			refused++
			continue
		}
		c.Close()
	}
	assert.GreaterOrEqual(t, refused, 3)
	m := p.A().Metrics()
	assert.Equal(t, uint64(5), m.WS)
	assert.Equal(t, uint64(refused), m.CapacityRejected)
}

func TestLatencyDelaysWebSocketAnswers(t *testing.T) {
	p := startPair(t, Config{})
	c := wsLogin(t, p.A())
	const lat = 200 * time.Millisecond
	apply(t, p, Fault{Name: FaultLatency, Side: "A", Duration: lat})
	start := time.Now()
	require.NoError(t, c.Send(testCtx(t), "<iq xmlns='jabber:client' type='get' id='slow' to='"+p.A().Host()+"'><ping xmlns='urn:xmpp:ping'/></iq>"))
	_, err := c.Until(testCtx(t), func(e *wstest.Elem) bool { return e.ID == "slow" })
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), lat, "the answer waited for the added latency")
}

func TestPairCloseSendsSystemShutdownOverWebSocket(t *testing.T) {
	p := startPair(t, Config{})
	c := wsLogin(t, p.A())
	done := make(chan struct{})
	go func() { _ = p.Close(); close(done) }()
	cond, sawClose, status, reason := wsEnd(t, c)
	assert.Equal(t, "system-shutdown", cond)
	assert.True(t, sawClose)
	assert.Equal(t, websocket.StatusNormalClosure, status)
	assert.Equal(t, "system-shutdown", reason)
	<-done
}

func TestOutOfServiceAndUnauthorizedOverWebSocket(t *testing.T) {
	p := startPair(t, Config{})
	c := wsLogin(t, p.A())
	apply(t, p, Fault{Name: FaultOutOfService, Side: "A"})
	si, err := wsNextUpdate(t, c, "/finesse/api/SystemInfo").SystemInfo()
	require.NoError(t, err)
	assert.Equal(t, finesse.StatusOutOfService, si.Status)

	apply(t, p, Fault{Name: FaultUnauthorized, Side: "B", N: 1})
	c2, _, err := wstest.Dial(testCtx(t), p.B().WSURL(), p.B().Host(), nil)
	require.NoError(t, err)
	t.Cleanup(c2.Close)
	err = c2.Login(testCtx(t), agentID, password, "crm")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not-authorized", "the SASL failure of the unauthorized fault")
	assert.Equal(t, uint64(1), p.B().Metrics().Unauthorized)
}
