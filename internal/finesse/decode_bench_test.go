package finesse

import (
	"bytes"
	_ "embed"
	"encoding/xml"
	"errors"
	"fmt"
	"testing"
)

// The payloads are embedded rather than read with os.ReadFile: the same
// benchmark runs as GOOS=js in headless Chromium, where there is no file
// system (cmd/finesse-bench runs it both ways, SPEC §7).
var (
	//go:embed testdata/dialog_ecc.xml
	benchDialog []byte
	//go:embed testdata/user_not_ready.xml
	benchUser []byte
)

// notificationElement wraps data in an Update and that in a pubsub
// <notification>, XML-escaped as Finesse publishes it.
func notificationElement(b testing.TB, data []byte, event, requestID, source string) []byte {
	b.Helper()
	var update bytes.Buffer
	update.WriteString("<Update><data>")
	update.Write(bytes.TrimSpace(data))
	update.WriteString("</data><event>" + event + "</event><requestId>" + requestID +
		"</requestId><source>" + source + "</source></Update>")
	var el bytes.Buffer
	el.WriteString("<notification xmlns='http://jabber.org/protocol/pubsub'>")
	if err := xml.EscapeText(&el, update.Bytes()); err != nil {
		b.Fatal(err)
	}
	el.WriteString("</notification>")
	return el.Bytes()
}

// BenchmarkDecodeNotification measures the decode work of one live event:
// the pubsub <notification> element to an Update (unescaping included), then
// the Update's data to the model object the engine applies (Dialogs or
// User), as internal/failover's applyUpdate does. XMPP framing (BOSH body,
// stanza) is not included. It reports events/s beside ns/op so that the
// native and the wasm (headless Chromium) figures read the same way.
func BenchmarkDecodeNotification(b *testing.B) {
	cases := []struct {
		name, node string
		element    []byte
		check      func(*Update) error
	}{
		{
			// A call's Dialog PUT: participants, call variables (one
			// escaped value, array variables), wrap-up and callback data.
			name:    "dialog-update-callvars",
			node:    "/finesse/api/User/1001001/Dialogs",
			element: notificationElement(b, benchDialog, "PUT", "r-7", "/finesse/api/Dialog/12345678"),
			check: func(u *Update) error {
				ds, err := u.Dialogs()
				if err != nil {
					return err
				}
				if len(ds.Dialogs) != 1 {
					return fmt.Errorf("%d dialogs, want 1", len(ds.Dialogs))
				}
				if v, _ := ds.Dialogs[0].CallVariable("user.CustomerId"); v != "C-0042 & sons" {
					return errors.New("call variable user.CustomerId lost or mangled")
				}
				return nil
			},
		},
		{
			// A state change: Finesse sends the whole User, reason code
			// and teams included.
			name:    "user-state-update",
			node:    "/finesse/api/User/1001001",
			element: notificationElement(b, benchUser, "PUT", "r-8", "/finesse/api/User/1001001"),
			check: func(u *Update) error {
				usr, err := u.User()
				if err != nil {
					return err
				}
				if usr.State != StateNotReady || usr.LoginID != "1001001" {
					return fmt.Errorf("state %q login %q, want NOT_READY 1001001", usr.State, usr.LoginID)
				}
				return nil
			},
		},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			// Decode once outside the loop and check the result, so a
			// benchmark of a decoder that silently drops data fails.
			u, err := DecodeNotification(c.node, c.element)
			if err != nil {
				b.Fatal(err)
			}
			if err := c.check(u); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(c.element)))
			b.ReportAllocs()
			for b.Loop() {
				u, err := DecodeNotification(c.node, c.element)
				if err != nil {
					b.Fatal(err)
				}
				if err := c.check(u); err != nil {
					b.Fatal(err)
				}
			}
			if s := b.Elapsed().Seconds(); s > 0 {
				b.ReportMetric(float64(b.N)/s, "events/s")
			}
		})
	}
}
