package sim

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

func TestFloodDeliversCountAlternatingUpdatesOverWebSocket(t *testing.T) {
	p := startPair(t, Config{})
	require.NoError(t, p.SignIn(agentID, false))
	c := wsLogin(t, p.A())

	const n = 3000
	r := callAs(t, "", "", http.MethodPost, p.ControlURL()+"/control/flood?side=A&agent="+agentID+"&count=3000", "")
	require.Equal(t, http.StatusOK, r.status, r.body)
	var res FloodResult
	require.NoError(t, json.Unmarshal([]byte(r.body), &res))
	assert.Equal(t, FloodResult{Side: "A", Agent: agentID, Node: userNode(agentID), Count: n, Delivered: n,
		FinalState: finesse.StateNotReady}, res)

	var states []finesse.AgentState
	for len(states) < n {
		e, err := c.Next(testCtx(t))
		require.NoError(t, err)
		for _, ev := range e.Events() {
			require.Equal(t, userNode(agentID), ev.Node)
			u, err := finesse.DecodeUpdate(ev.Node, []byte(ev.Update))
			require.NoError(t, err)
			user, err := u.User()
			require.NoError(t, err)
			states = append(states, user.State)
		}
	}
	for i := 1; i < n; i++ {
		require.NotEqual(t, states[i-1], states[i], "update %d is a real change", i)
	}
	assert.Equal(t, finesse.StateNotReady, states[n-1], "the last update is the agent's real state")
	assert.Equal(t, finesse.StateNotReady, getUser(t, p.A()).State, "the flood changes no state")
}

func TestFloodSidesAndErrors(t *testing.T) {
	p := startPair(t, Config{})
	require.NoError(t, p.SignIn(agentID, true))
	boshA, wsB := boshLogin(t, p.A()), wsLogin(t, p.B())
	res, err := p.Flood("b", agentID, 2)
	require.NoError(t, err)
	assert.Equal(t, uint64(2), res.Delivered, "two updates, one session on B")
	assert.Equal(t, finesse.StateReady, res.FinalState)
	u := wsNextUpdate(t, wsB, userNode(agentID))
	user, err := u.User()
	require.NoError(t, err)
	assert.Equal(t, finesse.StateNotReady, user.State, "first of two: the other state")
	_ = boshA

	res, err = p.Flood("", agentID, 1)
	require.NoError(t, err)
	assert.Equal(t, "both", res.Side)
	assert.Equal(t, uint64(2), res.Delivered, "A's BOSH and B's WebSocket session")

	for _, bad := range []string{"side=C&count=1", "count=0", "count=x", "agent=nobody&count=1", "count=100001"} {
		r := callAs(t, "", "", http.MethodPost, p.ControlURL()+"/control/flood?"+bad, "")
		assert.Equal(t, http.StatusBadRequest, r.status, bad)
	}
	assert.Equal(t, http.StatusMethodNotAllowed, callAs(t, "", "", http.MethodGet, p.ControlURL()+"/control/flood?count=1", "").status)
}
