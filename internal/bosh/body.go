package bosh

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/finesse-ha/finesse-ha/internal/xmlutil"
)

// Namespaces of the BOSH wrapper and the XMPP payloads inside it.
const (
	NSHTTPBind = "http://jabber.org/protocol/httpbind"
	NSXBOSH    = "urn:xmpp:xbosh"
	NSClient   = "jabber:client"
	NSStreams  = "http://etherx.jabber.org/streams"
	nsStanzas  = "urn:ietf:params:xml:ns:xmpp-streams"
	nsXML      = "http://www.w3.org/XML/1998/namespace"
)

// body is one parsed response <body/>.
type body struct {
	Type      string // "", "terminate" or "error"
	Condition string
	SID       string
	From      string
	attrs     map[string]string // other unqualified attributes (wait, requests, hold, ...)
	Restart   bool              // xmpp:restart='true' (only ever seen in requests)

	// Elements are the children, each re-encoded as a standalone element
	// that declares its own namespaces.
	Elements [][]byte

	// From a <stream:error/> child (remote-stream-error).
	StreamError, StreamText string
	// From a <uri/> child (see-other-uri).
	URI string
}

func (b *body) attrInt(name string) (int, bool) {
	v, ok := b.attrs[name]
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// parseBody decodes a response body. It accepts only a single
// <body xmlns='http://jabber.org/protocol/httpbind'/> root and re-encodes
// each child so that it no longer depends on declarations made on <body>
// (xmlns:stream in particular).
func parseBody(data []byte) (*body, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	var start xml.StartElement
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil, &BodyError{Err: xmlutil.ErrEmptyBody}
		}
		if err != nil {
			return nil, &BodyError{Err: syntaxOnly(err)}
		}
		if s, ok := tok.(xml.StartElement); ok {
			start = s
			break
		}
	}
	if start.Name.Local != "body" || start.Name.Space != NSHTTPBind {
		return nil, &BodyError{Err: ErrNotBody}
	}
	b := &body{attrs: map[string]string{}}
	for _, a := range start.Attr {
		switch {
		case a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns"):
		case a.Name.Space == NSXBOSH && a.Name.Local == "restart":
			b.Restart = a.Value == "true"
		case a.Name.Space != "":
		case a.Name.Local == "type":
			b.Type = a.Value
		case a.Name.Local == "condition":
			b.Condition = a.Value
		case a.Name.Local == "sid":
			b.SID = a.Value
		case a.Name.Local == "from":
			b.From = a.Value
		default:
			b.attrs[a.Name.Local] = a.Value
		}
	}
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, &BodyError{Err: syntaxOnly(err)}
		}
		switch t := tok.(type) {
		case xml.EndElement:
			// The decoder has checked it matches <body>; only whitespace,
			// comments or processing instructions may follow.
			if err := expectEnd(d); err != nil {
				return nil, &BodyError{Err: err}
			}
			return b, nil
		case xml.StartElement:
			el, err := reencode(d, t)
			if err != nil {
				return nil, &BodyError{Err: syntaxOnly(err)}
			}
			b.noteSpecial(t, el)
			b.Elements = append(b.Elements, el)
		}
	}
}

func expectEnd(d *xml.Decoder) error {
	err := xmlutil.ExpectEnd(d)
	if err != nil && err != xmlutil.ErrTrailingData {
		return syntaxOnly(err)
	}
	return err
}

// syntaxOnly keeps the decoder's position information but drops anything
// that could quote the document.
func syntaxOnly(err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("XML syntax error on line %d", se.Line)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return errors.New("malformed XML")
}

// noteSpecial records the stream error and see-other-uri details that a
// terminate body carries as children.
func (b *body) noteSpecial(start xml.StartElement, el []byte) {
	switch {
	case start.Name.Local == "error" && start.Name.Space == NSStreams:
		var se struct {
			Conds []struct {
				XMLName xml.Name
			} `xml:",any"`
			Text string `xml:"urn:ietf:params:xml:ns:xmpp-streams text"`
		}
		if xml.Unmarshal(el, &se) == nil {
			for _, c := range se.Conds {
				if c.XMLName.Space == nsStanzas && c.XMLName.Local != "text" {
					b.StreamError = c.XMLName.Local
					break
				}
			}
			b.StreamText = se.Text
		}
	case start.Name.Local == "uri":
		var u struct {
			V string `xml:",chardata"`
		}
		if xml.Unmarshal(el, &u) == nil {
			b.URI = u.V
		}
	}
}

// reencode writes the element that start opens as a standalone document:
// xml.Encoder declares the namespace of every element it writes, so the
// declarations inherited from <body> are restated where they are used.
func reencode(d *xml.Decoder, start xml.StartElement) ([]byte, error) {
	var buf bytes.Buffer
	e := xml.NewEncoder(&buf)
	depth := 0
	tok := xml.Token(start)
	for {
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if err := e.EncodeToken(cleanStart(t)); err != nil {
				return nil, err
			}
		case xml.EndElement:
			depth--
			t.Name.Space = fixSpace(t.Name.Space)
			if err := e.EncodeToken(t); err != nil {
				return nil, err
			}
		case xml.CharData:
			if err := e.EncodeToken(t); err != nil {
				return nil, err
			}
		}
		// Comments, processing instructions and directives are dropped: they
		// are not allowed in XMPP streams.
		if depth == 0 {
			break
		}
		var err error
		tok, err = d.Token()
		if err != nil {
			return nil, err
		}
	}
	if err := e.Flush(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// fixSpace maps namespaces that only make sense relative to <body>: the
// httpbind default namespace (a child without its own xmlns is a
// jabber:client stanza per XEP-0206) and an undeclared stream: prefix.
func fixSpace(s string) string {
	switch s {
	case NSHTTPBind:
		return NSClient
	case "stream":
		return NSStreams
	}
	return s
}

func cleanStart(t xml.StartElement) xml.StartElement {
	t.Name.Space = fixSpace(t.Name.Space)
	attrs := make([]xml.Attr, 0, len(t.Attr))
	for _, a := range t.Attr {
		// Namespace declarations are regenerated by the encoder.
		if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
			continue
		}
		if a.Name.Space == "xml" {
			a.Name.Space = nsXML
		}
		attrs = append(attrs, a)
	}
	t.Attr = attrs
	return t
}

// requestBody builds a request <body/>. Attribute values are escaped; the
// payload elements are inserted as they are (they come from an XML encoder).
func requestBody(attrs [][2]string, payload [][]byte) []byte {
	var b bytes.Buffer
	b.WriteString("<body")
	for _, a := range attrs {
		b.WriteByte(' ')
		b.WriteString(a[0])
		b.WriteString("='")
		_ = xml.EscapeText(&b, []byte(a[1]))
		b.WriteByte('\'')
	}
	if len(payload) == 0 {
		b.WriteString("/>")
		return b.Bytes()
	}
	b.WriteByte('>')
	for _, p := range payload {
		b.Write(p)
	}
	b.WriteString("</body>")
	return b.Bytes()
}
