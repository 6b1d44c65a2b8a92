package notify

import (
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/finesse-ha/finesse-ha/internal/ws"
)

// fakeWS is an in-memory RFC 7395 server behind a ws.Conn: just enough
// XMPP (SASL PLAIN, bind, presence echo, ping) to establish a session, and
// hooks to end it the ways a real server does. It lets the WebSocket
// session's edge cases run without Prosody and without timing.
type fakeWS struct {
	password string
	jid      string // bound full JID

	toClient   chan wsItem
	fromClient chan []byte
	sentLog    // what the client wrote

	mu         sync.Mutex
	end        error // sticky once the socket ended
	clientCode int   // code of the client's Close, 0 if none
	silent     bool  // answer nothing (a server that hangs)
	done       chan struct{}
}

type wsItem struct {
	msg []byte
	err error
}

func newFakeWS(password string) *fakeWS {
	f := &fakeWS{
		password:   password,
		jid:        "1001@finesse.test/crm",
		toClient:   make(chan wsItem, 64),
		fromClient: make(chan []byte, 64),
		done:       make(chan struct{}),
	}
	go f.serve()
	return f
}

// dial is the fake's ws.DialFunc: every dial gets this one socket.
func (f *fakeWS) dial(context.Context, string) (ws.Conn, error) { return f, nil }

func (f *fakeWS) Read(ctx context.Context) ([]byte, error) {
	f.mu.Lock()
	end := f.end
	f.mu.Unlock()
	if end != nil {
		return nil, end
	}
	select {
	case it := <-f.toClient:
		if it.err != nil {
			f.mu.Lock()
			if f.end == nil {
				f.end = it.err
			}
			end = f.end
			f.mu.Unlock()
			close(f.done)
			return nil, end
		}
		return it.msg, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (f *fakeWS) Write(_ context.Context, msg []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.end != nil || f.clientCode != 0 {
		return errors.New("fakeWS: write on a closed socket")
	}
	f.add(string(msg))
	f.fromClient <- msg
	return nil
}

func (f *fakeWS) Close(code int, reason string) error {
	f.mu.Lock()
	if f.clientCode == 0 {
		f.clientCode = code
	}
	f.mu.Unlock()
	// The pending Read learns of our own close, as a real socket's does.
	f.endWith(&ws.CloseError{Code: code, Reason: reason})
	return nil
}

// push sends msg to the client; endWith ends the socket with err.
func (f *fakeWS) push(msg string) { f.toClient <- wsItem{msg: []byte(msg)} }
func (f *fakeWS) endWith(err error) {
	select {
	case f.toClient <- wsItem{err: err}:
	default:
	}
}

func (f *fakeWS) closedByClient() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.clientCode
}

func (f *fakeWS) setSilent() {
	f.mu.Lock()
	f.silent = true
	f.mu.Unlock()
}

const (
	fakeOpen    = `<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' from='finesse.test' id='s1' version='1.0' xml:lang='en'/>`
	fakeClose   = `<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>`
	fakeSASL    = `<stream:features xmlns:stream='http://etherx.jabber.org/streams'><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>`
	fakeBind    = `<stream:features xmlns:stream='http://etherx.jabber.org/streams'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>`
	fakeSuccess = `<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>`
	fakeFailure = `<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/></failure>`
)

func (f *fakeWS) serve() {
	authed := false
	for {
		var msg []byte
		select {
		case msg = <-f.fromClient:
		case <-f.done:
			return
		}
		f.mu.Lock()
		silent := f.silent
		f.mu.Unlock()
		if silent {
			continue
		}
		var root struct {
			XMLName xml.Name
			ID      string `xml:"id,attr"`
			Type    string `xml:"type,attr"`
			Inner   string `xml:",innerxml"`
		}
		if xml.Unmarshal(msg, &root) != nil {
			continue
		}
		switch root.XMLName.Local {
		case "open":
			f.push(fakeOpen)
			if authed {
				f.push(fakeBind)
			} else {
				f.push(fakeSASL)
			}
		case "auth":
			if strings.Contains(root.Inner, b64("\x001001\x00"+f.password)) {
				authed = true
				f.push(fakeSuccess)
			} else {
				f.push(fakeFailure)
			}
		case "iq":
			if strings.Contains(root.Inner, "xmpp-bind") {
				f.push(fmt.Sprintf(`<iq xmlns='jabber:client' type='result' id='%s'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>%s</jid></bind></iq>`, root.ID, f.jid))
			} else if root.Type == "get" || root.Type == "set" {
				f.push(fmt.Sprintf(`<iq xmlns='jabber:client' type='result' id='%s' from='finesse.test' to='%s'/>`, root.ID, f.jid))
			}
		case "presence":
			if root.Type == "" {
				f.push(fmt.Sprintf(`<presence xmlns='jabber:client' from='%s' to='%s'/>`, f.jid, f.jid))
			}
		case "close":
			// RFC 7395 §3.6: answer, then close the socket.
			f.push(fakeClose)
			f.endWith(&ws.CloseError{Code: ws.CloseNormal})
		}
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
