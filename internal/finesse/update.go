package finesse

import (
	"bytes"
	"encoding/xml"
	"strings"
)

// EventType is the <event> of an Update, normalised to upper case (the
// documentation shows both "put" and "PUT").
type EventType string

const (
	EventPut    EventType = "PUT"
	EventPost   EventType = "POST"
	EventDelete EventType = "DELETE"
)

// ApiErrorData is the asynchronous CTI error carried in an Update's data
// (lower-case apiErrors/apiError there, unlike the REST error body).
type ApiErrorData struct {
	Type    string `xml:"errorType"`
	Message string `xml:"errorMessage"`
	Data    string `xml:"errorData"`
}

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
	d := xml.NewDecoder(bytes.NewReader(u.Data))
	for {
		tok, err := d.Token()
		if err != nil {
			return ""
		}
		if s, ok := tok.(xml.StartElement); ok {
			return s.Name.Local
		}
	}
}

// User decodes the data as a User (element name in any case).
func (u *Update) User() (*User, error) { return DecodeUser(u.Data) }

// Dialog decodes the data as a single Dialog.
func (u *Update) Dialog() (*Dialog, error) { return DecodeDialog(u.Data) }

// Dialogs decodes the data as a Dialogs list. Finesse names the collection
// <dialogs> in notifications; a single <Dialog> is accepted as a list of one.
func (u *Update) Dialogs() (*Dialogs, error) {
	if strings.EqualFold(u.DataRoot(), "Dialog") {
		d, err := DecodeDialog(u.Data)
		if err != nil {
			return nil, err
		}
		return &Dialogs{Dialogs: []Dialog{*d}}, nil
	}
	return DecodeDialogs(u.Data)
}

// SystemInfo decodes the data as SystemInfo.
func (u *Update) SystemInfo() (*SystemInfo, error) { return DecodeSystemInfo(u.Data) }

// APIErrors decodes an asynchronous error (data/apiErrors/apiError).
func (u *Update) APIErrors() ([]ApiErrorData, error) {
	var v struct {
		Errors []ApiErrorData `xml:"apiError"`
	}
	if err := decodeRoot(u.Data, "apiErrors", &v); err != nil {
		return nil, err
	}
	return v.Errors, nil
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
// pubsub <notification> element; encoding/xml has already undone the
// escaping when the caller took the element's character data).
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
