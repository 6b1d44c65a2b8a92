package sim

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/sim/internal/boshtest"
	"github.com/finesse-ha/finesse-ha/internal/sim/internal/wstest"
)

func bearer(t *testing.T, s *Side, token string) int {
	t.Helper()
	return callAs(t, "", "", http.MethodGet, api(s, "User/"+agentID), "", "Authorization", "Bearer "+token).status
}

func saslLogin(t *testing.T, s *Side, secret string) error {
	t.Helper()
	_, err := boshtest.New(s.BOSHURL(), s.Host()).Login(testCtx(t), agentID, secret, "crm", 1)
	return err
}

func wsSASLLogin(t *testing.T, s *Side, secret string) error {
	t.Helper()
	c, _, err := wstest.Dial(testCtx(t), s.WSURL(), s.Host(), nil)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c.Login(testCtx(t), agentID, secret, "crm-ws")
}

// A token from the control API works on REST (Bearer) and as the SASL
// password until its exp; after it, REST answers 401 and the notification
// login not-authorized, each counted for that credential and side.
func TestSSOTokenExpires(t *testing.T) {
	p := startPair(t, Config{SSO: true})
	r := callAs(t, "", "", http.MethodPost, p.ControlURL()+"/control/token?agent="+agentID+"&lifetime=4s", "")
	require.Equal(t, http.StatusOK, r.status, r.body)
	var got struct{ Token, ExpiresAt, Agent string }
	require.NoError(t, json.Unmarshal([]byte(r.body), &got))
	assert.Equal(t, agentID, got.Agent)
	assert.Equal(t, 2, strings.Count(got.Token, "."), "a JWT")

	assert.Equal(t, http.StatusOK, bearer(t, p.A(), got.Token))
	require.NoError(t, saslLogin(t, p.B(), got.Token))
	require.NoError(t, wsSASLLogin(t, p.B(), got.Token), "the token is the SASL password over WebSocket too")
	assert.Equal(t, uint64(2), p.B().Metrics().BindsBy[agentID])
	assert.Equal(t, "SSO", systemInfo(t, p.A()).SystemAuthMode)
	assert.Equal(t, http.StatusUnauthorized, callAs(t, agentID, password, http.MethodGet, api(p.A(), "User/"+agentID), "").status,
		"passwords are refused in SSO mode")

	exp, err := time.Parse(time.RFC3339, got.ExpiresAt)
	require.NoError(t, err)
	time.Sleep(time.Until(exp) + 50*time.Millisecond)
	assert.Equal(t, http.StatusUnauthorized, bearer(t, p.A(), got.Token))
	require.ErrorContains(t, saslLogin(t, p.B(), got.Token), "not-authorized")
	require.ErrorContains(t, wsSASLLogin(t, p.B(), got.Token), "not-authorized")
	key := CredentialKey(got.Token)
	assert.Equal(t, uint64(1), p.A().Metrics().UnauthorizedBy[key])
	assert.Equal(t, uint64(2), p.B().Metrics().UnauthorizedBy[key])
	assert.NotContains(t, key, got.Token)

	r = callAs(t, "", "", http.MethodPost, p.ControlURL()+"/control/token?lifetime=soon", "")
	assert.Equal(t, http.StatusBadRequest, r.status)
	r = callAs(t, "", "", http.MethodPost, p.ControlURL()+"/control/token?agent=nobody", "")
	assert.Equal(t, http.StatusBadRequest, r.status)
}

// Five failed logins lock the account for LockoutFor: even a live token is
// refused until then.
func TestLockoutAfterFiveFailures(t *testing.T) {
	p := startPair(t, Config{SSO: true, LockoutFor: 2 * time.Second})
	tok, _, err := p.IssueToken(agentID, time.Hour)
	require.NoError(t, err)
	stale, _, err := p.IssueToken(agentID, time.Second)
	require.NoError(t, err)
	time.Sleep(1100 * time.Millisecond)
	for range 4 {
		assert.Equal(t, http.StatusUnauthorized, bearer(t, p.A(), stale))
	}
	assert.False(t, p.LockedOut(agentID))
	assert.Equal(t, http.StatusOK, bearer(t, p.A(), tok))
	require.Error(t, saslLogin(t, p.B(), stale)) // the fifth, on the other side
	assert.True(t, p.LockedOut(agentID))
	assert.Equal(t, http.StatusUnauthorized, bearer(t, p.A(), tok), "locked: the right token is refused too")
	time.Sleep(2100 * time.Millisecond)
	assert.Equal(t, http.StatusOK, bearer(t, p.A(), tok))
}

// Without SSO mode, issued tokens still work and passwords too; there is
// no lock-out unless asked for.
func TestPasswordsAndTokensWithoutSSOMode(t *testing.T) {
	p := startPair(t, Config{})
	tok, _, err := p.IssueToken(agentID, time.Hour)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, bearer(t, p.A(), tok))
	require.NoError(t, saslLogin(t, p.A(), tok))
	for range 6 {
		assert.Equal(t, http.StatusUnauthorized, callAs(t, agentID, "wrong", http.MethodGet, api(p.A(), "User/"+agentID), "").status)
	}
	assert.False(t, p.LockedOut(agentID))
	assert.Equal(t, uint64(6), p.A().Metrics().UnauthorizedBy[CredentialKey("wrong")])
	_, _, err = p.IssueToken("nobody", time.Hour)
	require.ErrorIs(t, err, ErrUnknownAgent)
}
