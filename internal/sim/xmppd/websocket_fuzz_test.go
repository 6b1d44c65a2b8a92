package xmppd

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzWebSocketMessages feeds arbitrary client messages (separated by a
// blank line) through the WebSocket framing and the stream core, as the
// read loop does, without a socket: nothing a client sends may panic the
// server, and after a farewell nothing more is queued.
func FuzzWebSocketMessages(f *testing.F) {
	open := "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='" + domain + "' version='1.0'/>"
	login := []string{
		open,
		"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>ADEwMDEAcHc=</auth>",
		open,
		"<iq xmlns='jabber:client' type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>r</resource></bind></iq>",
		"<presence xmlns='jabber:client'><priority>0</priority></presence>",
		"<iq xmlns='jabber:client' type='set' id='s' to='pubsub." + domain + "'><pubsub xmlns='http://jabber.org/protocol/pubsub'>" +
			"<subscribe node='/n' jid='1001@" + domain + "/r'/></pubsub></iq>",
		"<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>",
	}
	f.Add(strings.Join(login, "\n\n"))
	f.Add(open + "\n\n<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'/>\n\n<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>=</response>")
	f.Add("<iq/>\n\n" + open)
	f.Add(open + "\n\n<stream:stream xmlns:stream='http://etherx.jabber.org/streams'/>")
	f.Fuzz(func(t *testing.T, in string) {
		s := New(Config{Domain: domain, Authenticate: func(u, p string) bool { return u == "1001" && p == "pw" }})
		defer s.Close()
		ws := &wsSession{srv: s, wake: make(chan struct{}, 1), done: make(chan struct{})}
		ws.st = newStream(s, ws)
		s.websockets[ws] = struct{}{}
		for msg := range strings.SplitSeq(in, "\n\n") {
			if ws.isClosing() {
				break
			}
			if len(bytes.TrimSpace([]byte(msg))) == 0 {
				continue
			}
			e, err := parseElement([]byte(msg))
			if err != nil {
				ws.terminate("not-well-formed", "")
				continue
			}
			ws.handle(e)
		}
		ws.mu.Lock()
		n, closing := len(ws.queue), ws.closing
		ws.mu.Unlock()
		ws.deliver([]byte("<late/>"))
		ws.mu.Lock()
		defer ws.mu.Unlock()
		if closing && len(ws.queue) != n {
			t.Fatal("an element was queued after the farewell")
		}
	})
}
