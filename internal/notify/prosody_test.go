package notify

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/bosh"
	"github.com/finesse-ha/finesse-ha/internal/testkit/xmpptest"
)

// Integration tests against a real Prosody (internal/testkit/xmpptest).

var testOpts = Options{Wait: 10 * time.Second, RetryBackoff: 100 * time.Millisecond}

func endpoint(srv *xmpptest.Server, user, resource string) Endpoint {
	return Endpoint{
		BOSHURL:  srv.BOSHURL,
		Domain:   srv.Domain,
		Username: user,
		Password: srv.Agents[user],
		Resource: resource,
	}
}

func dial(t *testing.T, srv *xmpptest.Server, d *recDoer, ep Endpoint, opts Options) (Session, *recorder) {
	t.Helper()
	rec := newRecorder()
	s, err := NewBOSHDialer(d, opts).Dial(testCtx(t), ep, rec.listener())
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s, rec
}

func admin(t *testing.T, srv *xmpptest.Server) *xmpptest.Client {
	t.Helper()
	a, err := srv.Admin(testCtx(t))
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	return a
}

func userUpdate(id, state, requestID string) string {
	return fmt.Sprintf(`<Update><data><user><loginId>%s</loginId><state>%s</state></user></data><event>PUT</event><requestId>%s</requestId><source>/finesse/api/User/%s</source></Update>`,
		id, state, requestID, id)
}

func TestProsodyLoginPingAndClose(t *testing.T) {
	srv := xmpptest.Start(t, xmpptest.Options{})
	d := newRecDoer()
	s, rec := dial(t, srv, d, endpoint(srv, "1001", "crm"), testOpts)

	require.NoError(t, s.Ping(testCtx(t)), "ping the server")
	assert.Equal(t, 1, d.count("mechanism=\"PLAIN\""), "one SASL exchange")
	assert.Equal(t, 1, d.count("xmpp:restart='true'"), "one stream restart, after SASL")
	assert.Equal(t, 1, d.count("<priority>0</priority>"), "initial presence with priority 0")

	// The server pings us: answered by the session (not service-unavailable).
	a := admin(t, srv)
	require.NoError(t, a.Ping(testCtx(t), srv.JID("1001")+"/crm"))

	require.NoError(t, s.Close())
	assert.Equal(t, 1, d.count("type='terminate'"), "Close terminates the BOSH session")
	assert.Equal(t, 1, d.count(`type='unavailable'`), "with an unavailable presence")
	assert.ErrorIs(t, s.Ping(testCtx(t)), ErrClosed)
	assert.ErrorIs(t, s.Subscribe(testCtx(t), "/x"), ErrClosed)
	assert.Zero(t, rec.lostCount(), "Close does not report Lost")
}

func TestProsodyBadPasswordIsUnauthorizedWithoutRetry(t *testing.T) {
	srv := xmpptest.Start(t, xmpptest.Options{})
	d := newRecDoer()
	ep := endpoint(srv, "1001", "crm")
	ep.Password = "wrong-secret-pw"
	_, err := NewBOSHDialer(d, testOpts).Dial(testCtx(t), ep, newRecorder().listener())
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrUnauthorized)
	var ae *AuthError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "not-authorized", ae.Condition)
	assert.NotContains(t, err.Error(), "wrong-secret-pw", "credentials never appear in errors")

	assert.Equal(t, 1, d.count(`mechanism="PLAIN"`), "exactly one authentication attempt")
	assert.Equal(t, 1, d.count("type='terminate'"), "the BOSH session is terminated")
	n := d.requests()
	time.Sleep(300 * time.Millisecond) // longer than the retry backoff
	assert.Equal(t, n, d.requests(), "nothing is sent after Dial returned")
}

func TestProsodyPublishedUpdateArrivesDecoded(t *testing.T) {
	srv := xmpptest.Start(t, xmpptest.Options{})
	a := admin(t, srv)
	node := "/finesse/api/User/1001"
	require.NoError(t, a.CreateNode(testCtx(t), node))
	require.NoError(t, a.SubscribeOther(testCtx(t), node, srv.JID("1001")))

	_, rec := dial(t, srv, newRecDoer(), endpoint(srv, "1001", "crm"), testOpts)
	require.NoError(t, a.PublishUpdate(testCtx(t), node, "i1", userUpdate("1001", "READY", "r-42")))

	u := recv(t, rec.updates, "the update")
	assert.Equal(t, node, u.Node)
	assert.Equal(t, "PUT", string(u.Event))
	assert.Equal(t, "r-42", u.RequestID)
	assert.Equal(t, "/finesse/api/User/1001", u.Source)
	user, err := u.User()
	require.NoError(t, err)
	assert.Equal(t, "READY", string(user.State))
	assert.Equal(t, "1001", user.LoginID)
}

func TestProsodyMalformedUpdateDoesNotKillSession(t *testing.T) {
	srv := xmpptest.Start(t, xmpptest.Options{})
	a := admin(t, srv)
	node := "/finesse/api/User/1001/Dialogs"
	require.NoError(t, a.CreateNode(testCtx(t), node))
	require.NoError(t, a.SubscribeOther(testCtx(t), node, srv.JID("1001")))
	_, rec := dial(t, srv, newRecDoer(), endpoint(srv, "1001", "crm"), testOpts)

	require.NoError(t, a.PublishUpdate(testCtx(t), node, "bad", `<Update><data><dialogs><Dialog>`))
	require.NoError(t, a.PublishUpdate(testCtx(t), node, "json", `{"Update":{}}`))
	require.NoError(t, a.PublishUpdate(testCtx(t), node, "good", userUpdate("1001", "NOT_READY", "after")))

	var pe *PayloadError
	err := recv(t, rec.errs, "the payload error")
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, node, pe.Node)
	err = recv(t, rec.errs, "the JSON payload error")
	assert.ErrorIs(t, err, ErrJSONPayload)
	u := recv(t, rec.updates, "the good update")
	assert.Equal(t, "after", u.RequestID)
	assert.Zero(t, rec.lostCount())
}

func TestProsodyPresenceGate(t *testing.T) {
	srv := xmpptest.Start(t, xmpptest.Options{})
	a := admin(t, srv)
	node := "/finesse/api/User/1001"
	require.NoError(t, a.CreateNode(testCtx(t), node))
	require.NoError(t, a.SubscribeOther(testCtx(t), node, srv.JID("1001")))

	opts := testOpts
	opts.noPresence = true
	s, rec := dial(t, srv, newRecDoer(), endpoint(srv, "1001", "crm"), opts)
	require.NoError(t, s.Ping(testCtx(t)), "the session is up")

	// Without presence the server does not deliver (and does not queue).
	require.NoError(t, a.PublishUpdate(testCtx(t), node, "i1", userUpdate("1001", "READY", "before-presence")))
	require.NoError(t, s.(*xmppSession).sendInitialPresence(testCtx(t), 5*time.Second))
	require.NoError(t, a.PublishUpdate(testCtx(t), node, "i2", userUpdate("1001", "READY", "after-presence")))

	u := recv(t, rec.updates, "the update after presence")
	assert.Equal(t, "after-presence", u.RequestID, "the update published before presence was never delivered")
}

func TestProsodyFinesseUserPresence(t *testing.T) {
	srv := xmpptest.Start(t, xmpptest.Options{})
	_, rec := dial(t, srv, newRecDoer(), endpoint(srv, "1001", "crm"), testOpts)

	assert.False(t, recv(t, rec.presence, "finesse offline at login"))
	fin, err := srv.Finesse(testCtx(t))
	require.NoError(t, err)
	assert.True(t, recv(t, rec.presence, "finesse available"))
	require.NoError(t, fin.Unavailable(testCtx(t)))
	assert.False(t, recv(t, rec.presence, "finesse unavailable"))
	require.NoError(t, fin.Available(testCtx(t)))
	assert.True(t, recv(t, rec.presence, "finesse back"))
	require.NoError(t, fin.Close())
	assert.False(t, recv(t, rec.presence, "finesse gone"))
}

func TestProsodyFinesseAlreadyAvailableAtLogin(t *testing.T) {
	srv := xmpptest.Start(t, xmpptest.Options{})
	fin, err := srv.Finesse(testCtx(t))
	require.NoError(t, err)
	defer fin.Close()
	_, rec := dial(t, srv, newRecDoer(), endpoint(srv, "1002", "crm"), testOpts)
	assert.True(t, recv(t, rec.presence, "finesse available at login"))
}

func TestProsodyExplicitSubscribeAndUnsubscribe(t *testing.T) {
	srv := xmpptest.Start(t, xmpptest.Options{})
	a := admin(t, srv)
	team := "/finesse/api/Team/TheA/Users"
	marker := "/finesse/api/User/1001"
	require.NoError(t, a.CreateNode(testCtx(t), team))
	require.NoError(t, a.CreateNode(testCtx(t), marker))
	require.NoError(t, a.SubscribeOther(testCtx(t), marker, srv.JID("1001")))

	s, rec := dial(t, srv, newRecDoer(), endpoint(srv, "1001", "sup"), testOpts)
	require.NoError(t, s.Subscribe(testCtx(t), team))
	require.NoError(t, a.PublishUpdate(testCtx(t), team, "t1", userUpdate("1002", "READY", "team-1")))
	u := recv(t, rec.updates, "the team update")
	assert.Equal(t, team, u.Node)
	assert.Equal(t, "team-1", u.RequestID)

	require.NoError(t, s.Unsubscribe(testCtx(t), team))
	require.NoError(t, a.PublishUpdate(testCtx(t), team, "t2", userUpdate("1002", "NOT_READY", "team-2")))
	require.NoError(t, a.PublishUpdate(testCtx(t), marker, "m1", userUpdate("1001", "READY", "marker")))
	u = recv(t, rec.updates, "the marker update")
	assert.Equal(t, "marker", u.RequestID, "nothing from the unsubscribed node came first")

	err := s.Subscribe(testCtx(t), "/no/such/node")
	assert.Error(t, err, "a subscription the server refuses is an error")
	require.NoError(t, s.Ping(testCtx(t)), "and the session carries on")
}

func TestProsodyKillIsLostWithinRetryBound(t *testing.T) {
	srv := xmpptest.Start(t, xmpptest.Options{})
	s, rec := dial(t, srv, newRecDoer(), endpoint(srv, "1001", "crm"), testOpts)
	require.NoError(t, s.Ping(testCtx(t)))

	start := time.Now()
	srv.Kill()
	err := recv(t, rec.lost, "Lost")
	took := time.Since(start)
	var le *LostError
	require.ErrorAs(t, err, &le)
	var ae *bosh.AttemptsError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, bosh.DefaultAttempts, ae.Attempts)
	// Backoffs of 100 ms and 200 ms against a refused port: well under a
	// second; the bound is loose for a loaded machine.
	assert.Less(t, took, 5*time.Second)
	t.Logf("lost %v after kill: %v", took, err)

	assert.Error(t, s.Ping(testCtx(t)))
	time.Sleep(200 * time.Millisecond)
	assert.Equal(t, 1, rec.lostCount(), "Lost is reported exactly once")
}

func TestProsodyRestartGivesItemNotFoundThenFreshDialWorks(t *testing.T) {
	srv := xmpptest.Start(t, xmpptest.Options{})
	a := admin(t, srv)
	node := "/finesse/api/User/1001"
	require.NoError(t, a.CreateNode(testCtx(t), node))
	require.NoError(t, a.SubscribeOther(testCtx(t), node, srv.JID("1001")))
	require.NoError(t, a.Close())

	d := newRecDoer()
	_, rec := dial(t, srv, d, endpoint(srv, "1001", "crm"), testOpts)
	// Hold every new request back while Prosody dies and comes back, so the
	// retransmission of the interrupted long-poll reaches the new process.
	d.close()
	srv.Kill()
	srv.Restart()
	d.open()

	err := recv(t, rec.lost, "Lost")
	require.ErrorIs(t, err, bosh.ItemNotFound)
	var te *bosh.TerminateError
	require.ErrorAs(t, err, &te)

	_, rec2 := dial(t, srv, newRecDoer(), endpoint(srv, "1001", "crm"), testOpts)
	a2 := admin(t, srv)
	require.NoError(t, a2.PublishUpdate(testCtx(t), node, "i9", userUpdate("1001", "READY", "after-restart")))
	u := recv(t, rec2.updates, "the update on the fresh session")
	assert.Equal(t, "after-restart", u.RequestID)
}

func TestProsodyResourceConflictIsLost(t *testing.T) {
	srv := xmpptest.Start(t, xmpptest.Options{})
	_, rec1 := dial(t, srv, newRecDoer(), endpoint(srv, "1001", "crm"), testOpts)
	_, rec2 := dial(t, srv, newRecDoer(), endpoint(srv, "1001", "crm"), testOpts)

	err := recv(t, rec1.lost, "Lost of the first session")
	require.ErrorIs(t, err, bosh.RemoteStreamError)
	var te *bosh.TerminateError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, "conflict", te.StreamError)
	assert.Zero(t, rec2.lostCount())
}

func TestProsodyDialHonoursContext(t *testing.T) {
	srv := xmpptest.Start(t, xmpptest.Options{})
	d := newRecDoer()
	d.close() // the server never answers
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := NewBOSHDialer(d, testOpts).Dial(ctx, endpoint(srv, "1001", "crm"), newRecorder().listener())
	require.Error(t, err)
	assert.True(t, errors.Is(err, context.DeadlineExceeded), err.Error())
}

func TestProsodyCloseUndoesExplicitSubscriptions(t *testing.T) {
	srv := xmpptest.Start(t, xmpptest.Options{})
	a := admin(t, srv)
	team, marker := "/finesse/api/Team/TheA/Users", "/finesse/api/User/1001"
	require.NoError(t, a.CreateNode(testCtx(t), team))
	require.NoError(t, a.CreateNode(testCtx(t), marker))
	require.NoError(t, a.SubscribeOther(testCtx(t), marker, srv.JID("1001")))

	s1, _ := dial(t, srv, newRecDoer(), endpoint(srv, "1001", "sup"), testOpts)
	require.NoError(t, s1.Subscribe(testCtx(t), team))
	require.NoError(t, s1.Close())

	// Same full JID again: a leftover subscription would deliver the team
	// update to it.
	_, rec := dial(t, srv, newRecDoer(), endpoint(srv, "1001", "sup"), testOpts)
	require.NoError(t, a.PublishUpdate(testCtx(t), team, "t1", userUpdate("1002", "READY", "team")))
	require.NoError(t, a.PublishUpdate(testCtx(t), marker, "m1", userUpdate("1001", "READY", "marker")))
	u := recv(t, rec.updates, "the marker update")
	assert.Equal(t, "marker", u.RequestID, "the subscription did not outlive its session")
}
