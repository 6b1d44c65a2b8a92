package notify

import (
	"encoding/xml"
	"testing"
)

// FuzzIncomingWebSocketMessage feeds server messages to the two
// classifiers the pump runs on every one: no input may panic, and a
// message taken for RFC 7395's <close/> must be exactly that element.
func FuzzIncomingWebSocketMessage(f *testing.F) {
	for _, s := range []string{
		fakeClose,
		`<close xmlns="urn:ietf:params:xml:ns:xmpp-framing"></close>`,
		`<f:close xmlns:f='urn:ietf:params:xml:ns:xmpp-framing'/>`,
		`<close xmlns='urn:example'/>`,
		`<closed xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>`,
		fakeOpen,
		fakeFailure,
		`<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><text>x</text></failure>`,
		`<message xmlns='jabber:client'><body>urn:ietf:params:xml:ns:xmpp-framing close</body></message>`,
		`</stream:stream>`,
		`<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/><iq/>`,
		"<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		if cond, ok := saslFailure(msg); ok && cond == "" {
			t.Fatalf("a SASL failure without condition: %q", msg)
		}
		if !isFramingClose(msg) {
			return
		}
		var root struct{ XMLName xml.Name }
		if err := xml.Unmarshal(msg, &root); err != nil {
			t.Fatalf("taken for <close/> but not XML: %q: %v", msg, err)
		}
		if root.XMLName.Space != nsFraming || root.XMLName.Local != "close" {
			t.Fatalf("taken for <close/>: %q is %v", msg, root.XMLName)
		}
	})
}
