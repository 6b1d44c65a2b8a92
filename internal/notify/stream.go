package notify

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/finesse-ha/finesse-ha/internal/bosh"
)

// Namespaces of the stream layer (RFC 6120, RFC 7395).
const (
	nsClient       = "jabber:client"
	nsStreams      = "http://etherx.jabber.org/streams"
	nsStreamErrors = "urn:ietf:params:xml:ns:xmpp-streams"
	nsStanzaErrors = "urn:ietf:params:xml:ns:xmpp-stanzas"
	nsSession      = "urn:ietf:params:xml:ns:xmpp-session"
	nsPing         = "urn:xmpp:ping"
)

// xmlStream is the XMPP stream over a streamConn, in RFC 7395's shape
// (<open/>, one element at a time, <close/>) whatever the transport: it
// writes whole elements and reads top-level elements. It is our own rather
// than mellium's xmpp.Session, whose import links crypto/tls's handshake
// into the browser build (research/wasm-size.md).
//
// Writes may come from any goroutine. Reads come from one goroutine at a
// time: the dialer's during negotiation, then the receive loop's.
type xmlStream struct {
	conn   streamConn
	domain string

	wmu sync.Mutex

	// d decodes the current stream. A restart replaces it, which is safe
	// because streamConn's Read never returns bytes of two elements, so the
	// old decoder has read nothing of the new stream.
	d *xml.Decoder
}

func newXMLStream(conn streamConn, domain string) *xmlStream {
	return &xmlStream{conn: conn, domain: domain}
}

// send writes one serialized element.
func (x *xmlStream) send(el []byte) error {
	x.wmu.Lock()
	defer x.wmu.Unlock()
	_, err := x.conn.Write(el)
	return err
}

// features is what a <stream:features/> offers that a client of Finesse
// uses.
type features struct {
	Mechanisms []string  `xml:"urn:ietf:params:xml:ns:xmpp-sasl mechanisms>mechanism"`
	Bind       *struct{} `xml:"urn:ietf:params:xml:ns:xmpp-bind bind"`
	Session    *struct {
		Optional *struct{} `xml:"optional"`
	} `xml:"urn:ietf:params:xml:ns:xmpp-session session"`
}

// open starts the stream, or restarts it after SASL: it sends <open/> and
// reads the server's <open/> and <features/>.
func (x *xmlStream) open() (*features, error) {
	var b bytes.Buffer
	b.WriteString(`<open xmlns='` + nsFraming + `' version='1.0' xml:lang='`)
	escapeTo(&b, bosh.DefaultLang)
	b.WriteString(`' to='`)
	escapeTo(&b, x.domain)
	b.WriteString(`'/>`)
	if err := x.send(b.Bytes()); err != nil {
		return nil, err
	}
	x.d = newDecoder(x.conn)
	start, err := x.next()
	if err != nil {
		return nil, err
	}
	if start.Name.Space != nsFraming || start.Name.Local != "open" {
		return nil, fmt.Errorf("notify: stream starts with <%s/>: %w", start.Name.Local, errBadFormat)
	}
	if v := attr(start, "version"); v != "" && v != "1.0" && !bytes.HasPrefix([]byte(v), []byte("1.")) {
		return nil, &StreamError{Condition: "unsupported-version", Text: "server speaks XMPP " + v}
	}
	if err := x.d.Skip(); err != nil {
		return nil, err
	}
	if start, err = x.next(); err != nil {
		return nil, err
	}
	if start.Name.Space != nsStreams || start.Name.Local != "features" {
		return nil, fmt.Errorf("notify: <%s/> where stream features were due: %w", start.Name.Local, errBadFormat)
	}
	var f features
	if err := x.d.DecodeElement(&f, &start); err != nil {
		return nil, err
	}
	return &f, nil
}

// newDecoder reads one stream from r.
func newDecoder(r io.Reader) *xml.Decoder { return xml.NewDecoder(r) }

// errBadFormat is the cause of a stream whose shape breaks RFC 6120.
var errBadFormat = errors.New("malformed XMPP stream")

// next returns the start of the next top-level element; the caller reads
// the element through x.d (DecodeElement, Skip, an elementTokens). A stream
// error ends the stream as a *StreamError, the server's <close/> as io.EOF.
func (x *xmlStream) next() (xml.StartElement, error) {
	for {
		tok, err := x.d.Token()
		if err != nil {
			return xml.StartElement{}, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case t.Name.Space == nsStreams && t.Name.Local == "error":
				return xml.StartElement{}, decodeStreamError(x.d, t)
			case t.Name.Space == nsFraming && t.Name.Local == "close":
				return xml.StartElement{}, io.EOF
			}
			return t, nil
		case xml.EndElement:
			// An end tag at the top level: a server ending a classic
			// stream (</stream:stream>) inside RFC 7395 framing.
			return xml.StartElement{}, io.EOF
		}
	}
}

// decodeStreamError reads <stream:error/> (RFC 6120 §4.9).
func decodeStreamError(d *xml.Decoder, start xml.StartElement) error {
	var e struct {
		Children []struct {
			XMLName xml.Name
			Text    string `xml:",chardata"`
		} `xml:",any"`
	}
	if err := d.DecodeElement(&e, &start); err != nil {
		return err
	}
	se := &StreamError{Condition: "undefined-condition"}
	found := false
	for _, c := range e.Children {
		switch {
		case c.XMLName.Local == "text":
			se.Text = c.Text
		case !found && (c.XMLName.Space == nsStreamErrors || c.XMLName.Space == ""):
			se.Condition, found = c.XMLName.Local, true
		}
	}
	return se
}

// elementTokens reads one element as tokens: start, then d's tokens up to
// and including start's end tag, then io.EOF. It hands an element to a
// parser that wants an xml.TokenReader (ParseEvent) without copying it.
type elementTokens struct {
	d     *xml.Decoder
	start *xml.StartElement
	depth int
}

func newElementTokens(d *xml.Decoder, start xml.StartElement) *elementTokens {
	return &elementTokens{d: d, start: &start}
}

func (r *elementTokens) Token() (xml.Token, error) {
	if r.start != nil {
		t := *r.start
		r.start = nil
		r.depth = 1
		return t, nil
	}
	if r.depth == 0 {
		return nil, io.EOF
	}
	tok, err := r.d.Token()
	if err != nil {
		return nil, err
	}
	switch tok.(type) {
	case xml.StartElement:
		r.depth++
	case xml.EndElement:
		r.depth--
	}
	return tok, nil
}

// drain reads what the parser left of the element, so that the stream is
// at the next top-level element again.
func (r *elementTokens) drain() error {
	for r.start != nil || r.depth > 0 {
		if _, err := r.Token(); err != nil {
			return err
		}
	}
	return nil
}

// escapeTo writes s escaped for text and for attribute values in either
// quote.
func escapeTo(b *bytes.Buffer, s string) { _ = xml.EscapeText(b, []byte(s)) }
