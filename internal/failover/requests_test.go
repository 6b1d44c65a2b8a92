package failover

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

func TestRequestPUTResolvesWithItsNotification(t *testing.T) {
	h := newHarness(t, 20)
	h.start("A")
	p := h.e.submit("put", "/finesse/api/User/1001001", []byte("<User><state>READY</state></User>"))
	h.run(time.Second)
	h.requireDone(p)
	require.NoError(t, p.err)
	assert.Equal(t, 202, p.resp.Status)
	assert.True(t, p.resp.Confirmed)
	require.NotNil(t, p.resp.Notification)
	assert.Equal(t, p.resp.RequestID, p.resp.Notification.RequestID)
	assert.Regexp(t, `^fha-\d+-[0-9a-f]{8}$`, p.resp.RequestID)
	assert.Equal(t, "A", p.resp.Side)
	assert.Equal(t, finesse.StateReady, h.e.Snapshot().Agent.State, "the notification is applied too")
}

func TestRequestBlockingAPI(t *testing.T) {
	h := newHarness(t, 21)
	h.start("A")
	resp, err := h.e.Request(context.Background(), "GET", "/finesse/api/User/1001001", nil)
	require.NoError(t, err)
	assert.Equal(t, 200, resp.Status)
	assert.Contains(t, resp.Body, "NOT_READY")
	assert.True(t, resp.Confirmed)
}

func TestRequestAsyncErrorRejects(t *testing.T) {
	for _, early := range []bool{false, true} {
		h := newHarness(t, 22)
		h.A.with(func() { h.A.earlyAsync = early })
		h.start("A")
		m := h.mark()
		p := h.e.submit("POST", "/finesse/api/User/1001001/Dialogs", []byte("<Dialog><requestedAction>MAKE_CALL</requestedAction></Dialog>"))
		h.run(time.Second)
		h.requireDone(p)
		require.ErrorIs(t, p.err, ErrRejected, "early=%v", early)
		var re *RequestError
		require.ErrorAs(t, p.err, &re)
		assert.Contains(t, re.Error(), "CF_INVALID_STATE")
		assert.Equal(t, "POST", re.Method)
		assert.Empty(t, errorEvents(h.eventsSince(m)), "the answer went to the request, not the error channel")
	}
}

func TestRequestPOSTNeverRetriedWithoutOptIn(t *testing.T) {
	for _, optIn := range []bool{false, true} {
		h := newHarness(t, 23, withPolicy(func(p *Policy) { p.RetryPOST = optIn }))
		h.start("A")
		h.A.with(func() { h.A.rest503 = true })
		p := h.e.submit("POST", "/finesse/api/User/1001001/Dialogs", []byte("<Dialog/>"))
		h.run(time.Minute)
		h.requireDone(p)
		require.ErrorIs(t, p.err, ErrOutOfService)
		want := 1
		if optIn {
			want = 4
		}
		assert.Equal(t, want, h.A.count("Do POST"), "optIn=%v", optIn)
	}
}

func TestRequestRetryBackoffDoubles(t *testing.T) {
	h := newHarness(t, 24, withPolicy(func(p *Policy) { p.Retry503 = RetryPolicy{Count: 2, Backoff: time.Second} }))
	h.start("A")
	h.A.with(func() { h.A.rest503 = true })
	p := h.e.submit("PUT", "/finesse/api/User/1001001", []byte("<User><state>READY</state></User>"))
	h.run(999 * time.Millisecond)
	assert.Equal(t, 1, h.A.count("Do PUT"))
	h.run(time.Millisecond)
	assert.Equal(t, 2, h.A.count("Do PUT"), "first retry after 1 s")
	h.A.with(func() { h.A.rest503 = false })
	h.run(2 * time.Second)
	assert.Equal(t, 3, h.A.count("Do PUT"), "second after 2 s more")
	h.run(time.Second)
	h.requireDone(p)
	require.NoError(t, p.err)
	assert.True(t, p.resp.Confirmed)
}

func TestRequestWaitsForASideThenFails(t *testing.T) {
	h := newHarness(t, 25)
	h.start("A")
	h.B.kill()
	h.A.kill()
	h.run(time.Second)
	p := h.e.submit("PUT", "/finesse/api/User/1001001", []byte("<User><state>READY</state></User>"))
	h.run(29 * time.Second)
	select {
	case <-p.done:
		t.Fatal("resolved before RequestWait")
	default:
	}
	h.run(2 * time.Second)
	h.requireDone(p)
	require.ErrorIs(t, p.err, ErrNotConnected)
	assert.Zero(t, h.A.count("Do PUT")+h.B.count("Do PUT"), "never sent")
}

func TestRequestUnconfirmedAfterTimeout(t *testing.T) {
	h := newHarness(t, 26)
	h.start("A")
	h.A.with(func() { h.A.doStatus = 202 })
	p := h.e.submit("PUT", "/finesse/api/Dialog/1", []byte("<Dialog/>"))
	h.run(9 * time.Second)
	select {
	case <-p.done:
		t.Fatal("resolved before ConfirmTimeout")
	default:
	}
	h.run(2 * time.Second)
	h.requireDone(p)
	require.NoError(t, p.err)
	assert.False(t, p.resp.Confirmed)
	assert.Nil(t, p.resp.Notification)
}

func TestRequestRejectedStatusAndBadInput(t *testing.T) {
	h := newHarness(t, 27)
	h.start("A")
	h.A.with(func() { h.A.doStatus = 400 })
	p := h.e.submit("PUT", "/finesse/api/Dialog/1", []byte("<Dialog/>"))
	h.run(time.Second)
	h.requireDone(p)
	var re *RequestError
	require.ErrorAs(t, p.err, &re)
	assert.ErrorIs(t, p.err, ErrRejected)
	assert.Equal(t, 400, re.Status)
	assert.Equal(t, "A", re.Side)
	assert.Contains(t, re.Error(), "status 400")
	assert.Contains(t, re.Error(), "forced")

	for _, bad := range [][2]string{{"PATCH", "/finesse/api/User/1"}, {"GET", "https://evil.example/x"}, {"GET", "relative"}} {
		p := h.e.submit(bad[0], bad[1], nil)
		h.run(0)
		h.requireDone(p)
		require.ErrorIs(t, p.err, ErrRejected, "%v", bad)
	}
	assert.Equal(t, 1, h.A.count("Do PUT"), "bad requests are never sent")
}

func TestRequestCanceledByCaller(t *testing.T) {
	h := newHarness(t, 28)
	h.start("A")
	h.A.kill()
	h.B.kill()
	h.run(time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := h.e.Request(ctx, "PUT", "/finesse/api/User/1001001", []byte("<User><state>READY</state></User>"))
	require.ErrorIs(t, err, context.Canceled)
	h.B.revive()
	h.run(time.Minute)
	h.requireConnected("B")
	assert.Zero(t, h.B.count("Do PUT"), "a canceled request is not sent later")
}

// A 401 on the agent's own User is a refusal by A of the credential: A is
// asked nothing more with it and the engine moves to B, which has not
// refused it.
func TestRequest401OnOwnUserMovesToTheOtherSide(t *testing.T) {
	h := newHarness(t, 29)
	h.start("A")
	h.A.with(func() { h.A.doStatus = 401 })
	p := h.e.submit("GET", "/finesse/api/User/1001001", nil)
	h.run(time.Second)
	h.requireDone(p)
	require.ErrorIs(t, p.err, ErrUnauthorized)
	before := h.A.count("User") + h.A.count("SystemInfo") + h.A.count("Dial")
	h.run(5 * time.Minute)
	h.requireConnected("B")
	assert.Equal(t, before, h.A.count("User")+h.A.count("SystemInfo")+h.A.count("Dial"), "A is asked nothing more with the refused credential")
}

// Finesse answers 401 when an agent reads another user's record; that must
// reach the page without ending the agent's session, and nothing is sent
// again to find out which 401 it was: with a bad credential a second request
// would be a second failed login towards the lock-out.
func TestRequest401OnAnotherUsersRecordKeepsRunning(t *testing.T) {
	h := newHarness(t, 291)
	h.start("A")
	users := h.A.count("User")
	h.A.with(func() { h.A.doStatus = 401 })
	p := h.e.submit("GET", "/finesse/api/User/9999999", nil)
	h.run(time.Second)
	h.requireDone(p)
	require.ErrorIs(t, p.err, ErrUnauthorized)
	assert.Equal(t, users, h.A.count("User"), "no second request after a 401")
	h.requireConnected("A")
}

func TestRequestsFailOnClose(t *testing.T) {
	h := newHarness(t, 30)
	h.start("A")
	h.A.kill()
	h.B.kill()
	h.run(time.Second)
	p := h.e.submit("GET", "/finesse/api/User/1001001", nil)
	h.run(time.Second)
	h.e.Close()
	h.settle()
	h.requireDone(p)
	require.ErrorIs(t, p.err, ErrClosed)
	_, err := h.e.Request(context.Background(), "GET", "/x", nil)
	require.ErrorIs(t, err, ErrClosed)
}

func TestRequestTransportFailureRetriedAfterFailover(t *testing.T) {
	h := newHarness(t, 31)
	h.start("A")
	h.A.with(func() { h.A.dead = true }) // REST refuses; the session has not noticed yet
	p := h.e.submit("PUT", "/finesse/api/User/1001001", []byte("<User><state>READY</state></User>"))
	h.run(time.Second)
	h.A.dropSessions("gone") // now the notification side notices
	h.run(30 * time.Second)
	h.requireConnected("B")
	h.requireDone(p)
	require.NoError(t, p.err)
	assert.Equal(t, "B", p.resp.Side, "the retry went to the active side")
	assert.Equal(t, finesse.StateReady, h.agentState())
}

func TestAnswerText(t *testing.T) {
	assert.Equal(t, "Service Unavailable: SERVER_OUT_OF_SERVICE", answerText([]byte(
		"<ApiErrors><ApiError><ErrorType>Service Unavailable</ErrorType><ErrorMessage>SERVER_OUT_OF_SERVICE</ErrorMessage><ErrorData>echo</ErrorData></ApiError></ApiErrors>")))
	assert.Equal(t, "Invalid State", answerText([]byte("<ApiErrors><ApiError><ErrorType>Invalid State</ErrorType></ApiError></ApiErrors>")))
	assert.Equal(t, "<html> <body>Bad gateway</body> </html>", answerText([]byte("<html>\n <body>Bad gateway</body>\n</html>")))
	assert.Equal(t, "no body", answerText(nil))
}
