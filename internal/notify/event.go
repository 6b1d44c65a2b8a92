package notify

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"

	"github.com/finesse-ha/finesse-ha/internal/xmlutil"
)

// XEP-0060 namespaces.
const (
	nsPubSub      = "http://jabber.org/protocol/pubsub"
	nsPubSubEvent = "http://jabber.org/protocol/pubsub#event"
)

// maxItemsPerEvent bounds what one message may make us allocate.
const maxItemsPerEvent = 256

// EventItem is one published item of a pubsub event notification.
type EventItem struct {
	Node string // the node it was published on
	ID   string // the item id
	// Payload is the Finesse <Update> document: the text of <notification>
	// with the XML escaping undone, or, for servers that publish it as
	// markup, the re-encoded element.
	Payload []byte
}

var errNotMessage = errors.New("not a message stanza")

// ParseEvent reads one <message/> element from r and returns the items of
// its XEP-0060 event payload, in document order; a message without one
// yields none. Retractions, purges, deletions and configuration events are
// skipped: Finesse publishes state, it never retracts it. r must start at
// (or before) the message's start element.
func ParseEvent(r xml.TokenReader) ([]EventItem, error) {
	d := xml.NewTokenDecoder(r)
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, eventErr(err)
		}
		if start, ok := tok.(xml.StartElement); ok {
			if start.Name.Local != "message" {
				return nil, errNotMessage
			}
			break
		}
	}
	var items []EventItem
	err := xmlutil.EachChild(d, func(start xml.StartElement) error {
		if start.Name.Space != nsPubSubEvent || start.Name.Local != "event" {
			return d.Skip()
		}
		return xmlutil.EachChild(d, func(start xml.StartElement) error {
			if start.Name.Space != nsPubSubEvent || start.Name.Local != "items" {
				return d.Skip()
			}
			node := attr(start, "node")
			return xmlutil.EachChild(d, func(start xml.StartElement) error {
				if start.Name.Space != nsPubSubEvent || start.Name.Local != "item" {
					return d.Skip()
				}
				if len(items) >= maxItemsPerEvent {
					return errors.New("too many items in one event")
				}
				payload, err := itemPayload(d)
				if err != nil {
					return err
				}
				items = append(items, EventItem{Node: node, ID: attr(start, "id"), Payload: payload})
				return nil
			})
		})
	})
	if err != nil {
		return nil, eventErr(err)
	}
	return items, nil
}

// ParseEventBytes is ParseEvent over a serialized message.
func ParseEventBytes(msg []byte) ([]EventItem, error) {
	return ParseEvent(xml.NewDecoder(bytes.NewReader(msg)))
}

// itemPayload reads an <item/>'s content up to and including its end tag.
func itemPayload(d *xml.Decoder) ([]byte, error) {
	var payload []byte
	err := xmlutil.EachChild(d, func(start xml.StartElement) error {
		if payload != nil {
			return d.Skip() // XEP-0060: one payload per item
		}
		// ejabberd drops the xmlns of <notification> that repeats the
		// publisher's <pubsub> namespace, so it arrives in pubsub#event.
		if start.Name.Local == "notification" && (start.Name.Space == nsPubSub || start.Name.Space == nsPubSubEvent) {
			p, err := notificationText(d)
			payload = p
			return err
		}
		// A raw XML payload (e.g. <Update/> as markup).
		p, err := encodeElement(d, start)
		payload = p
		return err
	})
	return payload, err
}

// notificationText collects the character data of <notification>: the
// escaped <Update>, unescaped by the decoder. Markup inside it (a server
// that does not escape) is re-encoded in place.
func notificationText(d *xml.Decoder) ([]byte, error) {
	var buf bytes.Buffer
	e := xml.NewEncoder(&buf)
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.CharData:
			if err := e.Flush(); err != nil {
				return nil, err
			}
			buf.Write(t)
		case xml.StartElement:
			if err := encodeInto(e, d, t); err != nil {
				return nil, err
			}
		case xml.EndElement:
			if err := e.Flush(); err != nil {
				return nil, err
			}
			return bytes.TrimSpace(buf.Bytes()), nil
		}
	}
}

func encodeElement(d *xml.Decoder, start xml.StartElement) ([]byte, error) {
	var buf bytes.Buffer
	e := xml.NewEncoder(&buf)
	if err := encodeInto(e, d, start); err != nil {
		return nil, err
	}
	if err := e.Flush(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// encodeInto copies the element start opens from d to e, dropping
// namespace declaration attributes (the encoder writes its own).
func encodeInto(e *xml.Encoder, d *xml.Decoder, start xml.StartElement) error {
	depth := 0
	var tok xml.Token = start
	for {
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			attrs := t.Attr[:0:0]
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
					continue
				}
				attrs = append(attrs, a)
			}
			t.Attr = attrs
			if err := e.EncodeToken(t); err != nil {
				return err
			}
		case xml.EndElement:
			depth--
			if err := e.EncodeToken(t); err != nil {
				return err
			}
		case xml.CharData:
			if err := e.EncodeToken(t); err != nil {
				return err
			}
		}
		if depth == 0 {
			return nil
		}
		var err error
		if tok, err = d.Token(); err != nil {
			return err
		}
	}
}

func attr(start xml.StartElement, local string) string {
	for _, a := range start.Attr {
		if a.Name.Space == "" && a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// EventError is a pubsub event message that could not be parsed.
type EventError struct {
	Err error
}

func (e *EventError) Error() string { return "notify: malformed pubsub event: " + e.Err.Error() }
func (e *EventError) Unwrap() error { return e.Err }

func eventErr(err error) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		err = errors.New("XML syntax error")
	}
	return &EventError{Err: err}
}
