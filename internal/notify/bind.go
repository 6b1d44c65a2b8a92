package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
	"mellium.im/xmpp/stream"
)

const nsBind = "urn:ietf:params:xml:ns:xmpp-bind"

// BindError is a refused resource binding (RFC 6120 §7.6.2), e.g. conflict
// or not-allowed.
type BindError struct {
	Condition string
}

func (e *BindError) Error() string { return "notify: resource binding refused: " + e.Condition }

// bindResource is resource binding (RFC 6120 §7) for a client that asks for
// a specific resource. mellium v0.22.0's BindResource cannot: its encoder
// writes the (still empty) JID into <resource/> instead of the resource, so
// the server always invents one. Finesse needs the configured resource (and
// never "desktop"), so this feature replaces it; everything else about
// negotiation stays mellium's.
func bindResource(resource string) xmpp.StreamFeature {
	return xmpp.StreamFeature{
		Name:       xml.Name{Space: nsBind, Local: "bind"},
		Necessary:  xmpp.Authn,
		Prohibited: xmpp.Ready,
		Parse: func(_ context.Context, d *xml.Decoder, start *xml.StartElement) (bool, interface{}, error) {
			return true, nil, d.Skip()
		},
		Negotiate: func(_ context.Context, s *xmpp.Session, _ interface{}) (xmpp.SessionState, io.ReadWriter, error) {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id := "bind-" + hex.EncodeToString(b[:])
			// Before Ready mellium does not qualify stanzas; over WebSocket
			// (RFC 7395 §3.3.3) each one must declare jabber:client itself.
			req := stanza.IQ{XMLName: xml.Name{Space: stanza.NSClient, Local: "iq"}, ID: id, Type: stanza.SetIQ}.Wrap(xmlstream.Wrap(
				xmlstream.Wrap(xmlstream.Token(xml.CharData(resource)), xml.StartElement{Name: xml.Name{Local: "resource"}}),
				xml.StartElement{Name: xml.Name{Space: nsBind, Local: "bind"}},
			))
			w := s.TokenWriter()
			_, err := xmlstream.Copy(w, req)
			if err == nil {
				err = w.Flush()
			}
			w.Close()
			if err != nil {
				return 0, nil, err
			}

			r := s.TokenReader()
			defer r.Close()
			d := xml.NewTokenDecoder(r)
			tok, err := d.Token()
			if err != nil {
				return 0, nil, err
			}
			start, ok := tok.(xml.StartElement)
			if !ok || start.Name.Local != "iq" {
				return 0, nil, stream.BadFormat
			}
			var resp struct {
				ID   string `xml:"id,attr"`
				Type string `xml:"type,attr"`
				Bind struct {
					JID string `xml:"jid"`
				} `xml:"urn:ietf:params:xml:ns:xmpp-bind bind"`
				Err *stanza.Error `xml:"error"`
			}
			if err := d.DecodeElement(&resp, &start); err != nil {
				return 0, nil, err
			}
			switch {
			case resp.ID != id:
				return 0, nil, fmt.Errorf("notify: bind answered with id %q: %w", resp.ID, stream.UndefinedCondition)
			case resp.Type == string(stanza.ErrorIQ):
				cond := "undefined-condition"
				if resp.Err != nil {
					cond = string(resp.Err.Condition)
				}
				return 0, nil, &BindError{Condition: cond}
			case resp.Type != string(stanza.ResultIQ):
				return 0, nil, stream.BadFormat
			}
			bound, err := jid.Parse(resp.Bind.JID)
			if err != nil {
				return 0, nil, fmt.Errorf("notify: bound JID: %w", stream.ImproperAddressing)
			}
			s.UpdateAddr(bound)
			return xmpp.Ready, nil, nil
		},
	}
}
