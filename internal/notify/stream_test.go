package notify

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scriptConn is a streamConn whose server side is a fixed script: Read
// hands out one scripted element per call (as the transports do), Write
// records what the client sent.
type scriptConn struct {
	mu     sync.Mutex
	script [][]byte
	cur    []byte
	sent   bytes.Buffer
}

func newScriptConn(elements ...string) *scriptConn {
	c := &scriptConn{}
	for _, e := range elements {
		c.script = append(c.script, []byte(e))
	}
	return c
}

func (c *scriptConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.cur) == 0 {
		if len(c.script) == 0 {
			return 0, io.EOF
		}
		c.cur, c.script = c.script[0], c.script[1:]
	}
	n := copy(p, c.cur)
	c.cur = c.cur[n:]
	return n, nil
}

func (c *scriptConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sent.Write(p)
}

func (c *scriptConn) written() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sent.String()
}

func (c *scriptConn) abort(error)               {}
func (c *scriptConn) authFailure() string       { return "" }
func (c *scriptConn) transportErr() error       { return nil }
func (c *scriptConn) terminate()                {}
func (c *scriptConn) lostCause(err error) error { return err }
func (c *scriptConn) release()                  {}
func (c *scriptConn) established()              {}

// loginScript is a server's side of a successful login of 1001@finesse.test/crm.
var loginScript = []string{
	fakeOpen, fakeSASL, fakeSuccess, fakeOpen,
	`<stream:features xmlns:stream='http://etherx.jabber.org/streams'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>` +
		`<session xmlns='urn:ietf:params:xml:ns:xmpp-session'><optional/></session></stream:features>`,
	`<iq xmlns='jabber:client' type='result' id='*'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>1001@finesse.test/crm</jid></bind></iq>`,
}

// loginOver logs in over c, whose bind answer must carry the id the
// client chose: syncIQ matches ids, so the script's '*' is patched in by
// a conn that echoes it.
func loginOver(t *testing.T, elements []string) (*xmlStream, address, error) {
	t.Helper()
	c := &idEchoConn{scriptConn: newScriptConn(elements...)}
	x := newXMLStream(c, "finesse.test")
	bound, err := login(x, "1001", "pw", "crm")
	return x, bound, err
}

// idEchoConn replaces id='*' in the next scripted element with the id of
// the last <iq/> the client wrote.
type idEchoConn struct {
	*scriptConn
	lastID string
}

func (c *idEchoConn) Write(p []byte) (int, error) {
	if i := bytes.Index(p, []byte(" id='")); i >= 0 && bytes.HasPrefix(p, []byte("<iq")) {
		rest := p[i+5:]
		c.lastID = string(rest[:bytes.IndexByte(rest, '\'')])
	}
	return c.scriptConn.Write(p)
}

func (c *idEchoConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	if len(c.cur) == 0 && len(c.script) > 0 {
		c.script[0] = bytes.Replace(c.script[0], []byte("id='*'"), []byte("id='"+c.lastID+"'"), 1)
	}
	c.mu.Unlock()
	return c.scriptConn.Read(p)
}

func TestLoginNegotiatesPlainRestartAndBind(t *testing.T) {
	x, bound, err := loginOver(t, loginScript)
	require.NoError(t, err)
	assert.Equal(t, "1001@finesse.test/crm", bound.String())
	sent := x.conn.(*idEchoConn).written()
	assert.Equal(t, 2, strings.Count(sent, "<open "), "open and one restart")
	assert.Contains(t, sent, `mechanism="PLAIN">`+b64("\x001001\x00pw")+`</auth>`)
	assert.Contains(t, sent, "<resource>crm</resource>")
	assert.NotContains(t, sent, "xmpp-session", "an optional session is not established")
}

func TestLoginFailures(t *testing.T) {
	for name, tc := range map[string]struct {
		script []string
		check  func(t *testing.T, err error)
	}{
		"bad password": {[]string{fakeOpen, fakeSASL, fakeFailure}, func(t *testing.T, err error) {
			assert.ErrorIs(t, err, ErrUnauthorized)
		}},
		"no PLAIN": {[]string{fakeOpen, `<stream:features xmlns:stream='http://etherx.jabber.org/streams'><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1</mechanism></mechanisms></stream:features>`}, func(t *testing.T, err error) {
			assert.ErrorIs(t, err, errBadFormat)
		}},
		"stream error instead of features": {[]string{fakeOpen, `<stream:error xmlns:stream='http://etherx.jabber.org/streams'><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>no such host</text></stream:error>`}, func(t *testing.T, err error) {
			var se *StreamError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, "host-unknown", se.Condition)
			assert.Equal(t, "no such host", se.Text)
		}},
		"bind refused": {append(append([]string{}, loginScript[:5]...), `<iq xmlns='jabber:client' type='error' id='*'><error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`), func(t *testing.T, err error) {
			var be *BindError
			require.ErrorAs(t, err, &be)
			assert.Equal(t, "conflict", be.Condition)
		}},
		"stream ends": {[]string{fakeOpen}, func(t *testing.T, err error) {
			assert.ErrorIs(t, err, io.EOF)
		}},
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := loginOver(t, tc.script)
			require.Error(t, err)
			tc.check(t, err)
		})
	}
}

func TestLoginEstablishesAMandatorySession(t *testing.T) {
	script := append([]string{}, loginScript...)
	script[4] = `<stream:features xmlns:stream='http://etherx.jabber.org/streams'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></stream:features>`
	script = append(script, `<iq xmlns='jabber:client' type='result' id='*'/>`)
	x, _, err := loginOver(t, script)
	require.NoError(t, err)
	assert.Contains(t, x.conn.(*idEchoConn).written(), "<session xmlns='urn:ietf:params:xml:ns:xmpp-session'/>")
}

// TestReceiveAnswersRequests: the server's XEP-0199 ping gets a result,
// any other get or set service-unavailable (RFC 6120 §8.4); a message that
// is not an event, a presence of a stranger and an unknown element pass
// without ending the stream; the stream error ends it.
func TestReceiveAnswersRequests(t *testing.T) {
	c := newScriptConn(
		`<iq xmlns='jabber:client' type='get' id='p1' from='finesse.test'><ping xmlns='urn:xmpp:ping'/></iq>`,
		`<iq xmlns='jabber:client' type='get' id='v1' from='finesse.test'><query xmlns='jabber:iq:version'/></iq>`,
		`<message xmlns='jabber:client' type='chat' from='x@finesse.test'><body>hi</body></message>`,
		`<presence xmlns='jabber:client' from='x@finesse.test/y'/>`,
		`<r xmlns='urn:xmpp:sm:3'/>`,
		`<stream:error xmlns:stream='http://etherx.jabber.org/streams'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>`,
	)
	x := newXMLStream(c, "finesse.test")
	x.d = newDecoder(c)
	a, err := resolve(Endpoint{Username: "1001", Domain: "finesse.test", Resource: "crm"})
	require.NoError(t, err)
	var errs []error
	s := newSession(x, c, a, a.origin, Listener{Error: func(err error) { errs = append(errs, err) }})
	err = s.receive()
	var se *StreamError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "conflict", se.Condition)
	assert.Empty(t, errs)
	sent := c.written()
	assert.Contains(t, sent, `<iq xmlns='jabber:client' type='result' id='p1' to='finesse.test'></iq>`)
	assert.Contains(t, sent, `id='v1' to='finesse.test'><error type='cancel'><service-unavailable`)
}

// FuzzIncomingStream: whatever a server sends, neither the login nor the
// receive loop panics, and both end (the script runs out: io.EOF at the
// latest).
func FuzzIncomingStream(f *testing.F) {
	f.Add([]byte(strings.Join(loginScript, "\x00")))
	f.Add([]byte(fakeOpen + "\x00" + fakeSASL + "\x00" + fakeFailure))
	f.Add([]byte(`<iq xmlns='jabber:client' type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>` + "\x00" +
		`<message xmlns='jabber:client' from='pubsub.finesse.test'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='/finesse/api/User/1001'><item id='1'><notification>&lt;Update/&gt;</notification></item></items></event></message>` + "\x00" +
		`<presence xmlns='jabber:client' from='finesse@finesse.test/x' type='unavailable'/>` + "\x00" +
		`<stream:error xmlns:stream='http://etherx.jabber.org/streams'><system-shutdown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>`))
	f.Fuzz(func(t *testing.T, in []byte) {
		elements := strings.Split(string(in), "\x00")
		if _, _, err := loginOver(t, elements); err == nil {
			return
		}
		c := newScriptConn(elements...)
		x := newXMLStream(c, "finesse.test")
		x.d = newDecoder(c)
		a, _ := resolve(Endpoint{Username: "1001", Domain: "finesse.test", Resource: "crm"})
		s := newSession(x, c, a, a.origin, Listener{})
		if err := s.receive(); err == nil {
			t.Fatal("receive ended without an error")
		} else if errors.Is(err, io.ErrUnexpectedEOF) && len(in) == 0 {
			t.Fatal("an empty stream is a plain EOF")
		}
	})
}
