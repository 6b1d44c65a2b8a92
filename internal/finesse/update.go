package finesse

import (
	"bytes"
	"encoding/xml"
	"errors"
	"strings"

	"github.com/finesse-ha/finesse-ha/internal/xmlutil"
)

// EventType is the <event> of an Update, normalised to upper case (the
// documentation shows both "put" and "PUT").
type EventType string

const (
	EventPut    EventType = "PUT"
	EventPost   EventType = "POST"
	EventDelete EventType = "DELETE"
)

// Update is the payload of one Finesse pubsub notification, after the XML
// escaping inside <notification> has been undone.
type Update struct {
	Node      string    // pubsub node the item was published on
	Event     EventType // PUT, POST or DELETE
	RequestID string    // echo of the requestId header of the REST call, if any
	Source    string    // URI of the object that changed
	Data      []byte    // inner XML of <data>: one object element, or empty
	Raw       string    // the unescaped <Update> document, for the page's raw event
}

// DataRoot returns the local name of the first element inside <data>,
// e.g. "user", "User", "dialogs", "Dialog", "apiErrors"; empty if none.
func (u *Update) DataRoot() string {
	if u == nil {
		return ""
	}
	d := xml.NewDecoder(bytes.NewReader(u.Data))
	start, err := firstElement(d)
	if err != nil {
		return ""
	}
	return start.Name.Local
}

// User decodes the data as a User (element name in any case).
func (u *Update) User() (*User, error) { return DecodeUser(u.data()) }

// Dialog decodes the data as a single Dialog.
func (u *Update) Dialog() (*Dialog, error) { return DecodeDialog(u.data()) }

// Dialogs decodes the data as a Dialogs list. Finesse names the collection
// <dialogs> in notifications; a single <Dialog> (a Dialog-level PUT) is
// accepted as a list of one.
func (u *Update) Dialogs() (*Dialogs, error) {
	if strings.EqualFold(u.DataRoot(), "Dialog") {
		d, err := DecodeDialog(u.data())
		if err != nil {
			return nil, err
		}
		return &Dialogs{Dialogs: []Dialog{*d}}, nil
	}
	return DecodeDialogs(u.data())
}

// SystemInfo decodes the data as SystemInfo.
func (u *Update) SystemInfo() (*SystemInfo, error) { return DecodeSystemInfo(u.data()) }

// APIErrors decodes an asynchronous CTI error (data/apiErrors/apiError),
// the notification finesse.js turns into a failed request.
func (u *Update) APIErrors() ([]ApiError, error) {
	e, err := DecodeAPIErrors(u.data())
	if err != nil {
		return nil, err
	}
	return e.Errors, nil
}

func (u *Update) data() []byte {
	if u == nil {
		return nil
	}
	return u.Data
}

type wireUpdate struct {
	Event     string `xml:"event"`
	RequestID string `xml:"requestId"`
	Source    string `xml:"source"`
	Data      struct {
		Inner []byte `xml:",innerxml"`
	} `xml:"data"`
}

// DecodeUpdate parses an unescaped <Update> document (the text content of a
// pubsub <notification> element after XML unescaping; see DecodeNotification
// for the element itself).
func DecodeUpdate(node string, doc []byte) (*Update, error) {
	var w wireUpdate
	if err := decodeRoot(doc, "Update", &w); err != nil {
		return nil, err
	}
	return &Update{
		Node:      node,
		Event:     EventType(strings.ToUpper(strings.TrimSpace(w.Event))),
		RequestID: strings.TrimSpace(w.RequestID),
		Source:    strings.TrimSpace(w.Source),
		Data:      bytes.TrimSpace(w.Data.Inner),
		Raw:       string(doc),
	}, nil
}

// DecodeNotification parses a pubsub <notification> element as it arrives in
// an event item and returns the Update it carries. Finesse publishes the
// Update XML-escaped as the element's text; this also accepts the Update as a
// child element (what a test server or a proxy may deliver) and text that
// was escaped twice (the Python sample unescapes once more by hand).
func DecodeNotification(node string, element []byte) (*Update, error) {
	if len(element) > MaxBodySize {
		return nil, &DecodeError{Want: "notification", Err: ErrBodyTooLarge}
	}
	d := xml.NewDecoder(bytes.NewReader(element))
	start, err := firstElement(d)
	if err != nil {
		return nil, &DecodeError{Want: "notification", Err: err}
	}
	if !strings.EqualFold(start.Name.Local, "notification") {
		return nil, &DecodeError{Want: "notification", Got: start.Name.Local}
	}
	doc, err := notificationPayload(d, element)
	if err != nil {
		return nil, &DecodeError{Want: "notification", Got: start.Name.Local, Err: err}
	}
	if err := xmlutil.ExpectEnd(d); err != nil {
		return nil, &DecodeError{Want: "notification", Got: start.Name.Local, Err: err}
	}
	doc = bytes.TrimSpace(doc)
	if bytes.HasPrefix(doc, []byte("&lt;")) {
		if doc, err = unescapeText(doc); err != nil {
			return nil, &DecodeError{Want: "notification", Got: start.Name.Local, Err: err}
		}
	}
	if bytes.HasPrefix(doc, []byte("{")) {
		return nil, &DecodeError{Want: "Update", Err: ErrJSONPayload}
	}
	return DecodeUpdate(node, doc)
}

// notificationPayload reads the content of the <notification> element whose
// start tag d just returned: its text, or the raw bytes of its first child
// element (sliced from src by input offsets, so nothing is re-encoded).
func notificationPayload(d *xml.Decoder, src []byte) ([]byte, error) {
	var text []byte
	var child []byte
	for {
		before := d.InputOffset()
		tok, err := d.Token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.CharData:
			text = append(text, t...)
		case xml.StartElement:
			if err := d.Skip(); err != nil {
				return nil, err
			}
			if child == nil {
				child = src[before:d.InputOffset()]
			}
		case xml.EndElement:
			if child != nil {
				return child, nil
			}
			return text, nil
		}
	}
}

// unescapeText undoes one level of XML escaping (entities and character
// references) by letting encoding/xml read s as an element's text.
func unescapeText(s []byte) ([]byte, error) {
	var v struct {
		Text []byte `xml:",chardata"`
	}
	if err := decodeRootLimit(wrap("x", s), "x", &v, 0); err != nil {
		if cause := errors.Unwrap(err); cause != nil {
			return nil, cause // "decode x" would mean nothing to a reader
		}
		return nil, err
	}
	return v.Text, nil
}

// EncodeUpdate renders u as an <Update> document in the element order Finesse
// uses (data, event, requestId, source). u.Data is copied verbatim and must
// be well-formed XML; Node and Raw are not part of the document. Publishers
// (the simulator) escape the result as the text of <notification>.
func EncodeUpdate(u *Update) ([]byte, error) {
	if u == nil {
		return nil, &DecodeError{Want: "Update", Err: ErrEmptyBody}
	}
	if err := checkFragment(u.Data); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("<Update><data>")
	b.Write(u.Data)
	b.WriteString("</data>")
	for _, f := range [...]struct{ name, value string }{
		{"event", string(u.Event)},
		{"requestId", u.RequestID},
		{"source", u.Source},
	} {
		if f.value == "" {
			continue
		}
		b.WriteString("<" + f.name + ">")
		if err := xml.EscapeText(&b, []byte(f.value)); err != nil {
			return nil, err
		}
		b.WriteString("</" + f.name + ">")
	}
	b.WriteString("</Update>")
	return b.Bytes(), nil
}

// checkFragment reports whether data is a sequence of balanced elements and
// text, so that pasting it inside <data> keeps the document well formed.
func checkFragment(data []byte) error {
	var v struct{}
	return decodeRootLimit(wrap("data", data), "data", &v, 0)
}

// wrap returns <name>inner</name>.
func wrap(name string, inner []byte) []byte {
	b := make([]byte, 0, len(inner)+2*len(name)+5)
	b = append(b, '<')
	b = append(b, name...)
	b = append(b, '>')
	b = append(b, inner...)
	b = append(b, "</"...)
	b = append(b, name...)
	return append(b, '>')
}
