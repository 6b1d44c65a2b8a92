package xmppd

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
)

// Namespaces of the protocols this server speaks.
const (
	nsHTTPBind     = "http://jabber.org/protocol/httpbind"
	nsXBOSH        = "urn:xmpp:xbosh"
	nsStream       = "http://etherx.jabber.org/streams"
	nsClient       = "jabber:client"
	nsSASL         = "urn:ietf:params:xml:ns:xmpp-sasl"
	nsBind         = "urn:ietf:params:xml:ns:xmpp-bind"
	nsSession      = "urn:ietf:params:xml:ns:xmpp-session"
	nsStanzas      = "urn:ietf:params:xml:ns:xmpp-stanzas"
	nsStreams      = "urn:ietf:params:xml:ns:xmpp-streams"
	nsPing         = "urn:xmpp:ping"
	nsRoster       = "jabber:iq:roster"
	nsDiscoInfo    = "http://jabber.org/protocol/disco#info"
	nsPubSub       = "http://jabber.org/protocol/pubsub"
	nsPubSubEvent  = "http://jabber.org/protocol/pubsub#event"
	nsPubSubErrors = "http://jabber.org/protocol/pubsub#errors"
)

// Limits on what a client may send. A BOSH body from a Finesse client is a
// few hundred bytes; these bounds only stop abuse.
const (
	maxBodyBytes = 64 << 10
	maxDepth     = 32
)

var errTooDeep = errors.New("xmppd: element nesting too deep")

// element is a parsed XML element: the small DOM this server needs to look
// at stanzas. Names carry resolved namespaces (encoding/xml does that).
type element struct {
	name     xml.Name
	attrs    []xml.Attr
	children []*element
	text     string
}

// attr returns the value of the attribute with this local name and no
// namespace, or with the given namespace when space is not empty.
func (e *element) attr(space, local string) string {
	for _, a := range e.attrs {
		if a.Name.Local == local && a.Name.Space == space {
			return a.Value
		}
	}
	return ""
}

// child returns the first child element with this namespace and local name.
func (e *element) child(space, local string) *element {
	for _, c := range e.children {
		if c.name.Local == local && c.name.Space == space {
			return c
		}
	}
	return nil
}

// first returns the first child element, or nil.
func (e *element) first() *element {
	if len(e.children) == 0 {
		return nil
	}
	return e.children[0]
}

// parseElement reads one element (the document root) from data.
func parseElement(data []byte) (*element, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	var stack []*element
	var text []strings.Builder
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil, io.ErrUnexpectedEOF
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= maxDepth {
				return nil, errTooDeep
			}
			e := &element{name: t.Name, attrs: t.Copy().Attr}
			if len(stack) > 0 {
				parent := stack[len(stack)-1]
				parent.children = append(parent.children, e)
			}
			stack = append(stack, e)
			text = append(text, strings.Builder{})
		case xml.CharData:
			if len(stack) > 0 {
				text[len(text)-1].Write(t)
			}
		case xml.EndElement:
			e := stack[len(stack)-1]
			e.text = text[len(text)-1].String()
			stack = stack[:len(stack)-1]
			text = text[:len(text)-1]
			if len(stack) == 0 {
				return e, nil
			}
		}
	}
}

// esc returns s escaped for use in XML character data or a single- or
// double-quoted attribute.
func esc(s string) string {
	if !strings.ContainsAny(s, "<>&'\"\r\n\t") {
		return s
	}
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // writes to a strings.Builder never fail
	return b.String()
}
