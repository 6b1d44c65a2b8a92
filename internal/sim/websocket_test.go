package sim

import (
	"context"
	"errors"
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

// wsLogin logs agentID into side s over XMPP-over-WebSocket.
func wsLogin(t *testing.T, s *Side) *wstest.Client {
	t.Helper()
	c, _, err := wstest.Dial(testCtx(t), s.WSURL(), s.Host(), http.Header{"Origin": {"http://127.0.0.1:1"}})
	require.NoError(t, err)
	t.Cleanup(c.Close)
	require.NoError(t, c.Login(testCtx(t), agentID, password, "crm"))
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
	for {
		e, err := c.Next(ctx)
		if err != nil {
			require.NotErrorIs(t, err, wstest.ErrTimeout, "the socket stayed open")
			var ce websocket.CloseError
			if errors.As(err, &ce) {
				reason = ce.Reason
			}
			return condition, sawClose, websocket.CloseStatus(err), reason
		}
		if cond := e.StreamError(); cond != "" {
			condition = cond
		}
		if e.Is(wstest.NSFraming, "close") {
			sawClose = true
		}
	}
}

func TestWebSocketLoginAndEventsAcrossSides(t *testing.T) {
	p := startPair(t, Config{})
	require.NoError(t, p.SignIn(agentID, false))
	assert.Equal(t, "ws://"+p.B().Addr()+"/ws/", p.B().WSURL())
	c := wsLogin(t, p.B())
	assert.Equal(t, agentID+"@"+p.B().Host()+"/crm", c.JID)
	fin, err := c.Until(testCtx(t), func(e *wstest.Elem) bool {
		return e.XMLName.Local == "presence" && strings.HasPrefix(e.From, "finesse@"+p.B().Host())
	})
	require.NoError(t, err)
	assert.Empty(t, fin.Type, "finesse user available")

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
