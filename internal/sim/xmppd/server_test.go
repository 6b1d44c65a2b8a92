package xmppd

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/sim/internal/boshtest"
)

const domain = "fin-a.sim"

func newTestServer(t *testing.T, mod func(*Config)) (*Server, string) {
	t.Helper()
	cfg := Config{
		Domain:       domain,
		Authenticate: func(u, p string) bool { return (u == "1001" || u == "1002") && p == "pw" },
		AutoNodes: func(u string) []string {
			return []string{"/finesse/api/User/" + u, "/finesse/api/User/" + u + "/Dialogs", "/finesse/api/SystemInfo"}
		},
		MaxWait:    2 * time.Second,
		Inactivity: 2 * time.Second,
	}
	if mod != nil {
		mod(&cfg)
	}
	s := New(cfg)
	hs := httptest.NewServer(s)
	t.Cleanup(func() { s.Close(); hs.Close() })
	return s, hs.URL + "/http-bind/"
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

func login(t *testing.T, url, user, resource string) *boshtest.Client {
	t.Helper()
	c := boshtest.New(url, domain)
	_, err := c.Login(ctx(t), user, "pw", resource, 1)
	require.NoError(t, err)
	return c
}

// pollUntil polls until a body matches pred.
func pollUntil(t *testing.T, c *boshtest.Client, pred func(*boshtest.Body) bool) *boshtest.Body {
	t.Helper()
	c5, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	b, err := c.PollUntil(c5, pred)
	require.NoError(t, err)
	return b
}

func TestSessionCreationAnnouncesProsodyLikeAttributes(t *testing.T) {
	_, url := newTestServer(t, nil)
	c := boshtest.New(url, domain)
	b, err := c.Create(ctx(t), 30)
	require.NoError(t, err)
	assert.NotEmpty(t, b.SID)
	assert.Equal(t, "2", b.Wait, "wait is capped at MaxWait")
	assert.Equal(t, "1", b.Hold)
	assert.Equal(t, "2", b.Requests)
	assert.Equal(t, domain, b.From)
	assert.Equal(t, "1.6", b.Ver)
	require.NotNil(t, b.Features)
	assert.Equal(t, []string{"PLAIN"}, b.Features.Mechanisms)
	for _, attr := range []string{"inactivity=", "polling=", "xmpp:version='1.0'", "xmlns:xmpp=", "xmlns:stream="} {
		assert.Contains(t, b.Raw, attr)
	}
}

func TestLoginBindsAndReceivesFinessePresence(t *testing.T) {
	s, url := newTestServer(t, nil)
	c := boshtest.New(url, domain)
	bodies, err := c.Login(ctx(t), "1001", "pw", "crm", 1)
	require.NoError(t, err)
	assert.Equal(t, "1001@"+domain+"/crm", c.JID)
	var froms []string
	for _, p := range bodies[0].Presences {
		froms = append(froms, p.From+"|"+p.Type)
	}
	assert.Contains(t, froms, "1001@"+domain+"/crm|", "own presence echoed")
	assert.Contains(t, froms, "finesse@"+domain+"/finesse|", "finesse user available")
	st := s.Stats()
	assert.Equal(t, 1, st.Sessions)
	assert.Equal(t, 1, st.Available)
	assert.Equal(t, 3, len(s.subs), "automatic nodes subscribed on bind")
}

func TestBadPasswordIsNotAuthorized(t *testing.T) {
	s, url := newTestServer(t, nil)
	c := boshtest.New(url, domain)
	_, err := c.Create(ctx(t), 1)
	require.NoError(t, err)
	b, err := c.Send(ctx(t), "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>"+boshtest.Plain("1001", "wrong")+"</auth>")
	require.NoError(t, err)
	require.NotNil(t, b.Failure)
	assert.Contains(t, b.Failure.Inner, "not-authorized")
	assert.NotContains(t, b.Raw, "wrong", "the password never comes back")
	assert.Equal(t, uint64(1), s.Stats().AuthFailures)

	b, err = c.Send(ctx(t), "<iq type='get' id='p'><ping xmlns='urn:xmpp:ping'/></iq>")
	require.NoError(t, err)
	assert.Equal(t, "terminate", b.Type, "stanzas before auth end the stream")
	assert.Equal(t, "remote-stream-error", b.Condition)
	assert.Contains(t, b.Raw, "not-authorized")
}

func TestPlainWithoutInitialResponseGetsChallenge(t *testing.T) {
	_, url := newTestServer(t, nil)
	c := boshtest.New(url, domain)
	_, err := c.Create(ctx(t), 1)
	require.NoError(t, err)
	b, err := c.Send(ctx(t), "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'/>")
	require.NoError(t, err)
	assert.Contains(t, b.Raw, "<challenge")
	b, err = c.Send(ctx(t), "<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"+boshtest.Plain("1001", "pw")+"</response>")
	require.NoError(t, err)
	assert.NotNil(t, b.Success)
}

func TestPublishedEventWakesHeldRequest(t *testing.T) {
	s, url := newTestServer(t, nil)
	c := login(t, url, "1001", "crm")
	done := make(chan *boshtest.Body, 1)
	go func() {
		b, err := c.Poll(ctx(t))
		if err == nil {
			done <- b
		}
		close(done)
	}()
	waitHeld(t, s, c)
	s.Publish("/finesse/api/User/1002", "<Update><event>PUT</event></Update>")
	s.Publish("/finesse/api/User/1001", "<Update><data><user><state>READY</state></user></data><event>PUT</event></Update>")
	select {
	case b := <-done:
		require.NotNil(t, b)
		evs := b.Events()
		require.Len(t, evs, 1, "only the subscribed node arrives")
		assert.Equal(t, "/finesse/api/User/1001", evs[0].Node)
		assert.Equal(t, "<Update><data><user><state>READY</state></user></data><event>PUT</event></Update>", evs[0].Update)
		assert.Contains(t, b.Raw, "&lt;Update&gt;", "the Update travels XML-escaped")
		assert.Equal(t, "pubsub."+domain, b.Messages[0].From)
	case <-time.After(900 * time.Millisecond):
		t.Fatal("held request not answered by the event")
	}
}

func TestEventsNeedAvailablePresence(t *testing.T) {
	s, url := newTestServer(t, nil)
	c := boshtest.New(url, domain)
	_, err := c.Create(ctx(t), 1)
	require.NoError(t, err)
	_, err = c.Send(ctx(t), "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>"+boshtest.Plain("1001", "pw")+"</auth>")
	require.NoError(t, err)
	_, err = c.Send(ctx(t), "", "xmpp:restart='true'")
	require.NoError(t, err)
	_, err = c.Send(ctx(t), "<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>")
	require.NoError(t, err)
	s.Publish("/finesse/api/User/1001", "<Update/>")
	// Publish queues synchronously: nothing queued now is nothing delivered.
	assert.Equal(t, uint64(0), s.Stats().Delivered, "no presence yet: nothing delivered")
	_, err = c.Send(ctx(t), "<presence/>")
	require.NoError(t, err)
	s.Publish("/finesse/api/User/1001", "<Update/>")
	assert.Equal(t, uint64(1), s.Stats().Delivered)
}

func TestRestartWithUndeclaredPrefix(t *testing.T) {
	_, url := newTestServer(t, nil)
	c := boshtest.New(url, domain)
	_, err := c.Create(ctx(t), 1)
	require.NoError(t, err)
	_, err = c.Send(ctx(t), "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>"+boshtest.Plain("1001", "pw")+"</auth>")
	require.NoError(t, err)
	b, err := c.Post(ctx(t), "<body xmlns='http://jabber.org/protocol/httpbind' rid='"+strconv.FormatInt(c.NextRID(), 10)+
		"' sid='"+c.SID()+"' xmpp:restart='true'/>")
	require.NoError(t, err)
	require.NotNil(t, b.Features, b.Raw)
	assert.NotNil(t, b.Features.Bind)
}

func TestWaitExpiryAnswersEmptyBody(t *testing.T) {
	t.Parallel()
	_, url := newTestServer(t, nil)
	c := login(t, url, "1001", "crm")
	start := time.Now()
	b, err := c.Poll(ctx(t))
	require.NoError(t, err)
	assert.Empty(t, b.Type)
	assert.Empty(t, b.Messages)
	assert.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond)
}

func TestSecondRequestReleasesHeldOne(t *testing.T) {
	s, url := newTestServer(t, func(c *Config) { c.MaxWait = 5 * time.Second })
	c := boshtest.New(url, domain)
	_, err := c.Login(ctx(t), "1001", "pw", "crm", 5)
	require.NoError(t, err)
	first := make(chan time.Time, 1)
	go func() {
		_, _ = c.Poll(ctx(t))
		first <- time.Now()
	}()
	// The ping must come second: were it processed first, the poll would
	// carry its answer away.
	waitHeld(t, s, c)
	sent := time.Now()
	b, err := c.Send(ctx(t), "<iq type='get' id='ping1' to='"+domain+"'><ping xmlns='urn:xmpp:ping'/></iq>")
	require.NoError(t, err)
	require.Len(t, b.IQs, 1)
	assert.Equal(t, "result", b.IQs[0].Type)
	assert.Equal(t, "ping1", b.IQs[0].ID)
	select {
	case at := <-first:
		assert.Less(t, at.Sub(sent), 2*time.Second, "hold=1: the older request came back early")
	case <-time.After(3 * time.Second):
		t.Fatal("held request not released")
	}
}

// waitHeld waits until the server holds a request of c's session: a
// sleep is not enough on a loaded machine, and a request that arrives
// after what it should wait for is answered at once instead of woken.
func waitHeld(t *testing.T, s *Server, c *boshtest.Client) {
	t.Helper()
	require.Eventually(t, func() bool {
		s.mu.RLock()
		b := s.sessions[c.SID()]
		s.mu.RUnlock()
		if b == nil {
			return false
		}
		b.mu.Lock()
		defer b.mu.Unlock()
		return b.held != nil
	}, 3*time.Second, 5*time.Millisecond, "the poll is held")
}

func TestRidWindow(t *testing.T) {
	_, url := newTestServer(t, nil)
	c := login(t, url, "1001", "crm")
	// Replay: the same rid gets the same answer.
	rid := c.NextRID()
	doc := c.Doc(rid, c.SID(), "<iq type='get' id='r1'><ping xmlns='urn:xmpp:ping'/></iq>")
	b1, err := c.Post(ctx(t), doc)
	require.NoError(t, err)
	b2, err := c.Post(ctx(t), doc)
	require.NoError(t, err)
	assert.Equal(t, b1.Raw, b2.Raw)

	// A rid far beyond the window ends the session.
	b, err := c.Post(ctx(t), c.Doc(rid+10, c.SID(), ""))
	require.NoError(t, err)
	assert.Equal(t, "terminate", b.Type)
	assert.Equal(t, "item-not-found", b.Condition)
}

func TestOutOfOrderRidIsDeferred(t *testing.T) {
	_, url := newTestServer(t, nil)
	c := login(t, url, "1001", "crm")
	r1, r2 := c.NextRID(), c.NextRID()
	got := make(chan *boshtest.Body, 1)
	go func() {
		b, _ := c.Post(ctx(t), c.Doc(r2, c.SID(), "<iq type='get' id='second'><ping xmlns='urn:xmpp:ping'/></iq>"))
		got <- b
	}()
	time.Sleep(50 * time.Millisecond)
	b1, err := c.Post(ctx(t), c.Doc(r1, c.SID(), "<iq type='get' id='first'><ping xmlns='urn:xmpp:ping'/></iq>"))
	require.NoError(t, err)
	b2 := <-got
	require.NotNil(t, b2)
	ids := b1.Raw + b2.Raw
	assert.Less(t, strings.Index(ids, "first"), strings.Index(ids, "second"), "processed in rid order")
}

func TestUnknownSIDIsItemNotFound(t *testing.T) {
	_, url := newTestServer(t, nil)
	c := boshtest.New(url, domain)
	b, err := c.Post(ctx(t), c.Doc(1, "nope", ""))
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, b.Status)
	assert.Equal(t, "terminate", b.Type)
	assert.Equal(t, "item-not-found", b.Condition)
}

func TestCreationErrors(t *testing.T) {
	_, url := newTestServer(t, nil)
	c := boshtest.New(url, domain)
	for name, tc := range map[string]struct{ doc, cond string }{
		"unknown host": {"<body xmlns='http://jabber.org/protocol/httpbind' rid='1' to='other.test' wait='1' hold='1'/>", "host-unknown"},
		"no to":        {"<body xmlns='http://jabber.org/protocol/httpbind' rid='1' wait='1' hold='1'/>", "improper-addressing"},
		"no rid":       {"<body xmlns='http://jabber.org/protocol/httpbind' to='" + domain + "'/>", "bad-request"},
		"not xml":      {"<body", "bad-request"},
		"wrong ns":     {"<body rid='1' to='" + domain + "'/>", "bad-request"},
	} {
		t.Run(name, func(t *testing.T) {
			b, err := c.Post(ctx(t), tc.doc)
			require.NoError(t, err)
			assert.Equal(t, "terminate", b.Type)
			assert.Equal(t, tc.cond, b.Condition)
		})
	}
}

func TestSameResourceReplacesOldSession(t *testing.T) {
	_, url := newTestServer(t, nil)
	old := login(t, url, "1001", "desktop")
	_ = login(t, url, "1001", "desktop")
	b, err := old.Poll(ctx(t))
	require.NoError(t, err)
	assert.Equal(t, "terminate", b.Type)
	assert.Equal(t, "remote-stream-error", b.Condition)
	assert.Contains(t, b.Raw, "conflict")
}

func TestFinessePresenceChangesReachClients(t *testing.T) {
	s, url := newTestServer(t, nil)
	c := login(t, url, "1001", "crm")
	s.SetFinessePresence(false)
	b := pollUntil(t, c, func(b *boshtest.Body) bool { return len(b.Presences) > 0 })
	assert.Equal(t, "finesse@"+domain+"/finesse", b.Presences[0].From)
	assert.Equal(t, "unavailable", b.Presences[0].Type)
	s.SetFinessePresence(true)
	b = pollUntil(t, c, func(b *boshtest.Body) bool { return len(b.Presences) > 0 })
	assert.Empty(t, b.Presences[0].Type)

	// A client logging in while the finesse user is away is told so.
	s.SetFinessePresence(false)
	c2 := boshtest.New(url, domain)
	bodies, err := c2.Login(ctx(t), "1002", "pw", "crm", 1)
	require.NoError(t, err)
	assert.Contains(t, bodies[0].Presences, boshtest.Presence{From: "finesse@" + domain + "/finesse", Type: "unavailable"})
}

func TestExplicitSubscribeAndUnsubscribe(t *testing.T) {
	s, url := newTestServer(t, nil)
	c := login(t, url, "1001", "crm")
	const node = "/finesse/api/Team/5/Users"
	sub := func(op, jid string) *boshtest.Body {
		b, err := c.Send(ctx(t), "<iq type='set' id='s1' to='pubsub."+domain+"'><pubsub xmlns='http://jabber.org/protocol/pubsub'><"+
			op+" node='"+node+"' jid='"+jid+"'/></pubsub></iq>")
		require.NoError(t, err)
		require.Len(t, b.IQs, 1, b.Raw)
		return b
	}
	b := sub("subscribe", c.JID)
	assert.Equal(t, "result", b.IQs[0].Type)
	assert.Contains(t, b.IQs[0].Inner, "subscription='subscribed'")
	s.Publish(node, "<Update><source>team</source></Update>")
	got := pollUntil(t, c, func(b *boshtest.Body) bool { return len(b.Events()) > 0 })
	assert.Equal(t, node, got.Events()[0].Node)

	b = sub("subscribe", "1002@"+domain)
	assert.Equal(t, "error", b.IQs[0].Type)
	assert.Contains(t, b.IQs[0].Inner, "invalid-jid")

	b = sub("unsubscribe", c.JID)
	assert.Equal(t, "result", b.IQs[0].Type)
	assert.Equal(t, 0, s.Subscribers(node))
	b = sub("unsubscribe", c.JID)
	assert.Contains(t, b.IQs[0].Inner, "not-subscribed")
}

func TestUnknownIQIsServiceUnavailable(t *testing.T) {
	_, url := newTestServer(t, nil)
	c := login(t, url, "1001", "crm")
	b, err := c.Send(ctx(t), "<iq type='get' id='v1'><query xmlns='jabber:iq:version'/></iq>")
	require.NoError(t, err)
	require.Len(t, b.IQs, 1)
	assert.Equal(t, "error", b.IQs[0].Type)
	assert.Contains(t, b.IQs[0].Inner, "service-unavailable")
}

func TestClientTerminate(t *testing.T) {
	s, url := newTestServer(t, nil)
	c := login(t, url, "1001", "crm")
	b, err := c.Send(ctx(t), "<presence type='unavailable' xmlns='jabber:client'/>", "type='terminate'")
	require.NoError(t, err)
	assert.Equal(t, "terminate", b.Type)
	assert.Equal(t, 0, s.Stats().Sessions)
	assert.Equal(t, 0, s.Stats().Bound)
}

func TestDownAndResetTerminateSessions(t *testing.T) {
	s, url := newTestServer(t, nil)
	c := login(t, url, "1001", "crm")
	held := make(chan *boshtest.Body, 1)
	go func() { b, _ := c.Poll(ctx(t)); held <- b }()
	waitHeld(t, s, c)
	s.SetDown(true)
	b := <-held
	require.NotNil(t, b)
	assert.Equal(t, "remote-connection-failed", b.Condition)
	b, err := boshtest.New(url, domain).Create(ctx(t), 1)
	require.NoError(t, err)
	assert.Equal(t, "remote-connection-failed", b.Condition, "no new sessions while down")

	s.SetDown(false)
	b, err = c.Poll(ctx(t))
	require.NoError(t, err)
	assert.Equal(t, "item-not-found", b.Condition, "the restarted service forgot the session")
	login(t, url, "1001", "crm")
}

func TestInactiveSessionIsDestroyed(t *testing.T) {
	t.Parallel()
	s, url := newTestServer(t, func(c *Config) { c.Inactivity = 200 * time.Millisecond })
	c := login(t, url, "1001", "crm")
	require.Eventually(t, func() bool { return s.Stats().Sessions == 0 }, 3*time.Second, 20*time.Millisecond)
	b, err := c.Poll(ctx(t))
	require.NoError(t, err)
	assert.Equal(t, "item-not-found", b.Condition)
}

func TestServerPingsClients(t *testing.T) {
	// Pings go out on the housekeeping tick (Inactivity/4, 500 ms here).
	// A shorter Inactivity would tick faster, but would also end the session
	// if the test paused that long between two polls.
	_, url := newTestServer(t, func(c *Config) { c.PingInterval = 100 * time.Millisecond })
	c := login(t, url, "1001", "crm")
	b := pollUntil(t, c, func(b *boshtest.Body) bool { return len(b.IQs) > 0 })
	assert.Equal(t, "get", b.IQs[0].Type)
	assert.Contains(t, b.IQs[0].Inner, "urn:xmpp:ping")
}

func TestNegativePriorityGetsNoEvents(t *testing.T) {
	s, url := newTestServer(t, nil)
	c := login(t, url, "1001", "crm")
	_, err := c.Send(ctx(t), "<presence><priority>-1</priority></presence>")
	require.NoError(t, err)
	s.Publish("/finesse/api/User/1001", "<Update/>")
	assert.Equal(t, uint64(0), s.Stats().Delivered)
}

func TestBindsOfCountsEachUsersBinds(t *testing.T) {
	s, url := newTestServer(t, nil)
	login(t, url, "1001", "tab-1")
	login(t, url, "1001", "tab-2")
	login(t, url, "1002", "tab-1")
	assert.Equal(t, uint64(2), s.BindsOf("1001"))
	assert.Equal(t, uint64(1), s.BindsOf("1002"))
	assert.Equal(t, uint64(0), s.BindsOf("1003"))
}
