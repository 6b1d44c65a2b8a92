package notify

import (
	"bytes"
	"encoding/xml"
)

// iqIn is an incoming <iq/> with the children this client acts on.
type iqIn struct {
	ID    string      `xml:"id,attr"`
	Type  string      `xml:"type,attr"`
	From  string      `xml:"from,attr"`
	Ping  *struct{}   `xml:"urn:xmpp:ping ping"`
	Error *stanzaErrX `xml:"error"`
	Bind  struct {
		JID string `xml:"jid"`
	} `xml:"urn:ietf:params:xml:ns:xmpp-bind bind"`
}

// err is the *StanzaError of an error-type answer.
func (r *iqIn) err() error {
	if r.Error == nil {
		return &StanzaError{Condition: "undefined-condition"}
	}
	return &StanzaError{Type: r.Error.Type, Condition: r.Error.condition(), Text: r.Error.text()}
}

// stanzaErrX is a stanza's <error/> (RFC 6120 §8.3) as it arrives.
type stanzaErrX struct {
	Type     string `xml:"type,attr"`
	Children []struct {
		XMLName xml.Name
		Text    string `xml:",chardata"`
	} `xml:",any"`
}

func (e *stanzaErrX) condition() string {
	for _, c := range e.Children {
		if c.XMLName.Local != "text" && (c.XMLName.Space == nsStanzaErrors || c.XMLName.Space == "") {
			return c.XMLName.Local
		}
	}
	return "undefined-condition"
}

func (e *stanzaErrX) text() string {
	for _, c := range e.Children {
		if c.XMLName.Local == "text" {
			return c.Text
		}
	}
	return ""
}

// iqElement serializes an <iq/> in jabber:client, which every stanza
// declares itself: RFC 7395 §3.3.3 over WebSocket, XEP-0206 over BOSH.
func iqElement(id, typ, to, payload string) []byte {
	var b bytes.Buffer
	b.WriteString(`<iq xmlns='` + nsClient + `' type='`)
	escapeTo(&b, typ)
	b.WriteString(`' id='`)
	escapeTo(&b, id)
	if to != "" {
		b.WriteString(`' to='`)
		escapeTo(&b, to)
	}
	b.WriteString(`'>`)
	b.WriteString(payload)
	b.WriteString(`</iq>`)
	return b.Bytes()
}

// answerIQ is the reply to a request the server sent us: a result for an
// XEP-0199 ping, service-unavailable for anything else (RFC 6120 §8.4:
// every get and set must be answered).
func answerIQ(r *iqIn) []byte {
	if r.Ping != nil {
		return iqElement(r.ID, "result", r.From, "")
	}
	return iqElement(r.ID, "error", r.From,
		`<error type='cancel'><service-unavailable xmlns='`+nsStanzaErrors+`'/></error>`)
}
