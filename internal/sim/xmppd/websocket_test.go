package xmppd

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/sim/internal/boshtest"
	"github.com/finesse-ha/finesse-ha/internal/sim/internal/wstest"
)

// newWSServer serves BOSH at /http-bind/ and WebSocket at /ws/, as a side
// does; it returns the server, the ws:// URL and the BOSH URL.
func newWSServer(t *testing.T, mod func(*Config)) (*Server, string, string) {
	t.Helper()
	cfg := Config{
		Domain:       domain,
		Authenticate: func(u, p string) bool { return (u == "1001" || u == "1002") && p == "pw" },
		AutoNodes: func(u string) []string {
			return []string{"/finesse/api/User/" + u, "/finesse/api/SystemInfo"}
		},
		MaxWait:    2 * time.Second,
		Inactivity: 2 * time.Second,
	}
	if mod != nil {
		mod(&cfg)
	}
	s := New(cfg)
	mux := http.NewServeMux()
	mux.Handle("/http-bind/", s)
	mux.HandleFunc("/ws/", s.ServeWebSocket)
	hs := httptest.NewServer(mux)
	t.Cleanup(func() { s.Close(); hs.Close() })
	return s, "ws" + strings.TrimPrefix(hs.URL, "http") + "/ws/", hs.URL + "/http-bind/"
}

func wsDial(t *testing.T, url string) *wstest.Client {
	t.Helper()
	c, _, err := wstest.Dial(ctx(t), url, domain, nil)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

func wsLogin(t *testing.T, url, user, resource string) *wstest.Client {
	t.Helper()
	c := wsDial(t, url)
	require.NoError(t, c.Login(ctx(t), user, "pw", resource))
	return c
}

// wsEnd reads until the socket closes and returns the stream error seen
// before it and the close status.
func wsEnd(t *testing.T, c *wstest.Client) (condition string, sawClose bool, status websocket.StatusCode, reason string) {
	t.Helper()
	end, err := c.ReadToEnd(ctx(t))
	require.NoError(t, err)
	return end.Condition, end.SawClose, end.Status, end.Reason
}

func TestWebSocketLoginPresenceAndEvent(t *testing.T) {
	s, url, _ := newWSServer(t, nil)
	c := wsDial(t, url)
	open, err := c.Open(ctx(t))
	require.NoError(t, err)
	assert.Equal(t, domain, open.From)
	assert.Contains(t, open.Raw, "version='1.0'")
	f, err := c.Next(ctx(t))
	require.NoError(t, err)
	require.True(t, f.Is(wstest.NSStream, "features"), f.Raw)
	assert.Contains(t, f.Raw, "<mechanism>PLAIN</mechanism>")
	c.Close()

	c = wsLogin(t, url, "1001", "crm")
	assert.Equal(t, "1001@"+domain+"/crm", c.JID)
	fin, err := c.Until(ctx(t), func(e *wstest.Elem) bool {
		return e.XMLName.Local == "presence" && strings.HasPrefix(e.From, "finesse@")
	})
	require.NoError(t, err)
	assert.Empty(t, fin.Type, "the finesse user is available")

	require.NoError(t, c.Send(ctx(t), "<iq xmlns='jabber:client' type='get' id='p1' to='"+domain+"'><ping xmlns='urn:xmpp:ping'/></iq>"))
	pong, err := c.Until(ctx(t), func(e *wstest.Elem) bool { return e.ID == "p1" })
	require.NoError(t, err)
	assert.Equal(t, "result", pong.Type)

	s.Publish("/finesse/api/User/1001", "<Update><event>PUT</event></Update>")
	ev, err := c.Until(ctx(t), func(e *wstest.Elem) bool { return len(e.Events()) > 0 })
	require.NoError(t, err)
	assert.Equal(t, []wstest.Event{{Node: "/finesse/api/User/1001", Update: "<Update><event>PUT</event></Update>"}}, ev.Events())

	st := s.Stats()
	assert.Equal(t, 1, st.WebSockets)
	assert.Equal(t, uint64(2), st.WSOpened)
	assert.Equal(t, 0, st.Sessions, "no BOSH session")
}

func TestWebSocketBadPasswordIsNotAuthorized(t *testing.T) {
	_, url, _ := newWSServer(t, nil)
	c := wsDial(t, url)
	_, err := c.Open(ctx(t))
	require.NoError(t, err)
	_, err = c.Next(ctx(t))
	require.NoError(t, err)
	require.NoError(t, c.Send(ctx(t), "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>"+boshtest.Plain("1001", "nope")+"</auth>"))
	e, err := c.Next(ctx(t))
	require.NoError(t, err)
	assert.Equal(t, "failure", e.XMLName.Local)
	assert.Contains(t, e.Raw, "<not-authorized/>")
}

func TestWebSocketWithoutSubprotocolIsRefused(t *testing.T) {
	_, url, _ := newWSServer(t, nil)
	_, resp, err := websocket.Dial(ctx(t), url, nil)
	require.Error(t, err)
	require.NotNil(t, resp)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)

	_, resp, err = websocket.Dial(ctx(t), url, &websocket.DialOptions{Subprotocols: []string{"chat"}})
	require.Error(t, err)
	require.NotNil(t, resp)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
}

func TestWebSocketOverCapacityIs503(t *testing.T) {
	_, url, _ := newWSServer(t, func(c *Config) { c.Admit = func() bool { return false } })
	_, resp, err := wstest.Dial(ctx(t), url, domain, nil)
	require.Error(t, err)
	require.NotNil(t, resp)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
}

func TestWebSocketCrossOriginIsAccepted(t *testing.T) {
	_, url, _ := newWSServer(t, nil)
	c, _, err := wstest.Dial(ctx(t), url, domain, http.Header{"Origin": {"http://127.0.0.1:1"}})
	require.NoError(t, err)
	c.Close()

	_, url, _ = newWSServer(t, func(c *Config) { c.WebSocketOrigins = []string{"crm.example"} })
	_, resp, err := wstest.Dial(ctx(t), url, domain, http.Header{"Origin": {"http://127.0.0.1:1"}})
	require.Error(t, err)
	require.NotNil(t, resp)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
}

func TestWebSocketDownEndsStreamsWithCloseFrame(t *testing.T) {
	s, url, _ := newWSServer(t, nil)
	c := wsLogin(t, url, "1001", "crm")
	s.SetDown(true)
	cond, sawClose, status, reason := wsEnd(t, c)
	assert.Equal(t, "remote-connection-failed", cond)
	assert.True(t, sawClose, "<close/> after the stream error")
	assert.Equal(t, websocket.StatusNormalClosure, status)
	assert.Equal(t, "remote-connection-failed", reason)
	assert.Eventually(t, func() bool { return s.Stats().WebSockets == 0 && s.Stats().Bound == 0 }, 2*time.Second, 10*time.Millisecond)

	// A new stream starts and ends at once.
	c = wsDial(t, url)
	_, err := c.Open(ctx(t))
	require.NoError(t, err)
	cond, _, status, _ = wsEnd(t, c)
	assert.Equal(t, "remote-connection-failed", cond)
	assert.Equal(t, websocket.StatusNormalClosure, status)

	s.SetDown(false)
	wsLogin(t, url, "1001", "crm")
}

func TestWebSocketCloseSendsSystemShutdown(t *testing.T) {
	s, url, _ := newWSServer(t, nil)
	c := wsLogin(t, url, "1001", "crm")
	done := make(chan struct{})
	go func() { s.Close(); close(done) }()
	cond, sawClose, status, _ := wsEnd(t, c)
	assert.Equal(t, "system-shutdown", cond)
	assert.True(t, sawClose)
	assert.Equal(t, websocket.StatusNormalClosure, status)
	<-done
}

func TestBOSHLoginReplacesWebSocketWithConflict(t *testing.T) {
	_, url, boshURL := newWSServer(t, nil)
	c := wsLogin(t, url, "1001", "crm")
	login(t, boshURL, "1001", "crm")
	cond, sawClose, status, _ := wsEnd(t, c)
	assert.Equal(t, "conflict", cond)
	assert.True(t, sawClose)
	assert.Equal(t, websocket.StatusNormalClosure, status)
}

func TestWebSocketClientClose(t *testing.T) {
	s, url, _ := newWSServer(t, nil)
	c := wsLogin(t, url, "1001", "crm")
	require.NoError(t, c.Send(ctx(t), "<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>"))
	_, sawClose, status, _ := wsEnd(t, c)
	assert.True(t, sawClose, "the server answers <close/> with <close/>")
	assert.Equal(t, websocket.StatusNormalClosure, status)
	assert.Eventually(t, func() bool { return s.Stats().WebSockets == 0 && s.Stats().Bound == 0 }, 2*time.Second, 10*time.Millisecond)
}

func TestWebSocketProtocolErrors(t *testing.T) {
	_, url, _ := newWSServer(t, nil)
	for _, tc := range []struct{ name, first, second, condition string }{
		{"stanza before open", "<presence xmlns='jabber:client'/>", "", "not-authorized"},
		{"wrong domain", "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='elsewhere' version='1.0'/>", "", "host-unknown"},
		{"missing to", "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' version='1.0'/>", "", "improper-addressing"},
		{"bad XML", "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='" + domain + "' version='1.0'/>", "<iq", "not-well-formed"},
		{"stanza before auth", "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='" + domain + "' version='1.0'/>",
			"<iq xmlns='jabber:client' type='get' id='r'><query xmlns='jabber:iq:roster'/></iq>", "not-authorized"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := wsDial(t, url)
			require.NoError(t, c.Send(ctx(t), tc.first))
			if tc.second != "" {
				require.NoError(t, c.Send(ctx(t), tc.second))
			}
			first, err := c.Next(ctx(t))
			require.NoError(t, err)
			assert.True(t, first.Is(wstest.NSFraming, "open"), "a stream error follows the server's <open/>: %s", first.Raw)
			cond, sawClose, status, _ := wsEnd(t, c)
			assert.Equal(t, tc.condition, cond)
			assert.True(t, sawClose)
			assert.Equal(t, websocket.StatusNormalClosure, status)
		})
	}
}

func TestWebSocketServerPing(t *testing.T) {
	_, url, _ := newWSServer(t, func(c *Config) { c.PingInterval = 100 * time.Millisecond })
	c := wsLogin(t, url, "1001", "crm")
	ping, err := c.Until(ctx(t), func(e *wstest.Elem) bool { return e.XMLName.Local == "iq" && e.Type == "get" })
	require.NoError(t, err)
	assert.Contains(t, ping.Raw, "urn:xmpp:ping")
}

// The read limit admits a large client element (the simulator's BOSH
// limit) and refuses a larger one without harming the server.
func TestWebSocketReadLimit(t *testing.T) {
	s, url, _ := newWSServer(t, nil)
	c := wsLogin(t, url, "1001", "crm")
	big := "<iq xmlns='jabber:client' type='get' id='big' to='" + domain + "'><ping xmlns='urn:xmpp:ping'/>" +
		strings.Repeat(" ", 32<<10) + "</iq>"
	require.NoError(t, c.Send(ctx(t), big))
	_, err := c.Until(ctx(t), func(e *wstest.Elem) bool { return e.ID == "big" })
	require.NoError(t, err)

	require.NoError(t, c.Send(context.Background(), "<iq>"+strings.Repeat("x", maxBodyBytes+1)+"</iq>"))
	_, _, status, _ := wsEnd(t, c)
	assert.Equal(t, websocket.StatusMessageTooBig, status)
	assert.Eventually(t, func() bool { return s.Stats().WebSockets == 0 }, 2*time.Second, 10*time.Millisecond)
}
