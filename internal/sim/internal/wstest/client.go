// Package wstest is a deliberately small XMPP-over-WebSocket client (RFC
// 7395) for the simulator's own tests. Like boshtest it is written from the
// RFCs, independently of internal/notify and internal/ws, so that the
// simulator is not tested against the client it is meant to test.
package wstest

import (
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// Namespaces the client looks at.
const (
	NSFraming = "urn:ietf:params:xml:ns:xmpp-framing"
	NSStream  = "http://etherx.jabber.org/streams"
	nsStreams = "urn:ietf:params:xml:ns:xmpp-streams"
	nsSASL    = "urn:ietf:params:xml:ns:xmpp-sasl"
)

// Elem is one message from the server: one top-level element.
type Elem struct {
	XMLName xml.Name
	Type    string `xml:"type,attr"`
	ID      string `xml:"id,attr"`
	From    string `xml:"from,attr"`
	To      string `xml:"to,attr"`
	Raw     string `xml:"-"`
}

// Is reports whether the element has this namespace and local name.
func (e *Elem) Is(space, local string) bool {
	return e.XMLName.Space == space && e.XMLName.Local == local
}

// StreamError returns the condition of a <stream:error/>, or "".
func (e *Elem) StreamError() string {
	if !e.Is(NSStream, "error") {
		return ""
	}
	var se struct {
		Children []struct{ XMLName xml.Name } `xml:",any"`
	}
	if xml.Unmarshal([]byte(e.Raw), &se) != nil {
		return ""
	}
	for _, c := range se.Children {
		if c.XMLName.Space == nsStreams && c.XMLName.Local != "text" {
			return c.XMLName.Local
		}
	}
	return ""
}

// Event is one pubsub item: its node and the unescaped <Update> text.
type Event struct {
	Node   string
	Update string
}

// Events returns the pubsub event items of a <message/>.
func (e *Elem) Events() []Event {
	if e.XMLName.Local != "message" {
		return nil
	}
	var m struct {
		Event *struct {
			Items struct {
				Node  string `xml:"node,attr"`
				Items []struct {
					Notification string `xml:"http://jabber.org/protocol/pubsub notification"`
				} `xml:"item"`
			} `xml:"items"`
		} `xml:"http://jabber.org/protocol/pubsub#event event"`
	}
	if xml.Unmarshal([]byte(e.Raw), &m) != nil || m.Event == nil {
		return nil
	}
	var out []Event
	for _, it := range m.Event.Items.Items {
		out = append(out, Event{Node: m.Event.Items.Node, Update: it.Notification})
	}
	return out
}

// Client is one WebSocket carrying one XMPP stream. A goroutine reads the
// socket into a channel, so that a Next that times out leaves it open.
type Client struct {
	Conn   *websocket.Conn
	Domain string
	JID    string

	in   chan *Elem
	done chan struct{}
	quit chan struct{} // closed by Close: the reader stops handing over
	once sync.Once
	err  error // why reading stopped; set before done closes
}

// Dial opens a socket to url offering the xmpp subprotocol; header may add
// e.g. Origin. A refused handshake returns the HTTP response with the error.
func Dial(ctx context.Context, url, domain string, header http.Header) (*Client, *http.Response, error) {
	c, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{"xmpp"}, HTTPHeader: header})
	if err != nil {
		return nil, resp, err
	}
	if c.Subprotocol() != "xmpp" {
		_ = c.CloseNow()
		return nil, resp, fmt.Errorf("wstest: server selected subprotocol %q", c.Subprotocol())
	}
	c.SetReadLimit(16 << 20)
	cl := &Client{Conn: c, Domain: domain, in: make(chan *Elem, 1024), done: make(chan struct{}), quit: make(chan struct{})}
	go cl.read()
	return cl, resp, nil
}

func (c *Client) read() {
	defer close(c.done)
	for {
		_, data, err := c.Conn.Read(context.Background())
		if err != nil {
			c.err = err
			return
		}
		e := &Elem{Raw: string(data)}
		if err := xml.Unmarshal(data, e); err != nil {
			c.err = fmt.Errorf("wstest: bad message %q: %w", data, err)
			return
		}
		select {
		case c.in <- e:
		case <-c.quit:
			return
		}
	}
}

// ErrTimeout is Next's error when ctx ended before a message came.
var ErrTimeout = errors.New("wstest: no message before the context ended")

// Next returns the next element. Once the socket has closed and every
// element before the close was returned, it returns the read error (a
// websocket.CloseError for a close frame; websocket.CloseStatus gives -1
// when the connection dropped without one).
func (c *Client) Next(ctx context.Context) (*Elem, error) {
	select {
	case e := <-c.in:
		return e, nil
	default:
	}
	select {
	case e := <-c.in:
		return e, nil
	case <-c.done:
		select {
		case e := <-c.in:
			return e, nil
		default:
			return nil, c.err
		}
	case <-ctx.Done():
		return nil, ErrTimeout
	}
}

// Until returns the first element that satisfies match, skipping others.
func (c *Client) Until(ctx context.Context, match func(*Elem) bool) (*Elem, error) {
	for {
		e, err := c.Next(ctx)
		if err != nil {
			return nil, err
		}
		if match(e) {
			return e, nil
		}
	}
}

// Ending is how a socket ended: the stream error condition seen before it
// (empty if none), whether <close/> came, and the close frame's status
// and reason.
type Ending struct {
	Condition string
	SawClose  bool
	Status    websocket.StatusCode
	Reason    string
}

// ReadToEnd reads until the socket closes and says how it ended. It fails
// with ErrTimeout if ctx ends first: the socket stayed open.
func (c *Client) ReadToEnd(ctx context.Context) (Ending, error) {
	var end Ending
	for {
		e, err := c.Next(ctx)
		if errors.Is(err, ErrTimeout) {
			return end, err
		}
		if err != nil {
			var ce websocket.CloseError
			if errors.As(err, &ce) {
				end.Reason = ce.Reason
			}
			end.Status = websocket.CloseStatus(err)
			return end, nil
		}
		if cond := e.StreamError(); cond != "" {
			end.Condition = cond
		}
		if e.Is(NSFraming, "close") {
			end.SawClose = true
		}
	}
}

// Send writes one element as one text message.
func (c *Client) Send(ctx context.Context, elem string) error {
	return c.Conn.Write(ctx, websocket.MessageText, []byte(elem))
}

// Open sends the framing <open/> and returns the server's <open/>.
func (c *Client) Open(ctx context.Context) (*Elem, error) {
	if err := c.Send(ctx, "<open xmlns='"+NSFraming+"' to='"+c.Domain+"' version='1.0'/>"); err != nil {
		return nil, err
	}
	e, err := c.Next(ctx)
	if err != nil {
		return nil, err
	}
	if !e.Is(NSFraming, "open") {
		return e, fmt.Errorf("wstest: want <open/>, got %s", e.Raw)
	}
	return e, nil
}

// expect reads the next element and requires the name.
func (c *Client) expect(ctx context.Context, space, local string) (*Elem, error) {
	e, err := c.Next(ctx)
	if err != nil {
		return nil, err
	}
	if !e.Is(space, local) {
		return e, fmt.Errorf("wstest: want %s, got %s", local, e.Raw)
	}
	return e, nil
}

// Login opens the stream and does SASL PLAIN, the restart, bind, session
// and initial presence. It returns after the bind result; the presence
// answers (the echo, the finesse user's) are left for Next.
func (c *Client) Login(ctx context.Context, user, password, resource string) error {
	if _, err := c.Open(ctx); err != nil {
		return err
	}
	if _, err := c.expect(ctx, NSStream, "features"); err != nil {
		return err
	}
	plain := base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + password))
	if err := c.Send(ctx, "<auth xmlns='"+nsSASL+"' mechanism='PLAIN'>"+plain+"</auth>"); err != nil {
		return err
	}
	if _, err := c.expect(ctx, nsSASL, "success"); err != nil {
		return err
	}
	if _, err := c.Open(ctx); err != nil {
		return err
	}
	if _, err := c.expect(ctx, NSStream, "features"); err != nil {
		return err
	}
	if err := c.Send(ctx, "<iq xmlns='jabber:client' type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>"+
		resource+"</resource></bind></iq>"); err != nil {
		return err
	}
	e, err := c.expect(ctx, "jabber:client", "iq")
	if err != nil {
		return err
	}
	var bind struct {
		JID string `xml:"urn:ietf:params:xml:ns:xmpp-bind bind>jid"`
	}
	if err := xml.Unmarshal([]byte(e.Raw), &bind); err != nil || e.Type != "result" || bind.JID == "" {
		return fmt.Errorf("wstest: bind failed: %s", e.Raw)
	}
	c.JID = bind.JID
	if err := c.Send(ctx, "<iq xmlns='jabber:client' type='set' id='sess1'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>"); err != nil {
		return err
	}
	if _, err := c.expect(ctx, "jabber:client", "iq"); err != nil {
		return err
	}
	return c.Send(ctx, "<presence xmlns='jabber:client'><priority>0</priority></presence>")
}

// Close ends the stream with <close/> and a close frame 1000.
func (c *Client) Close() {
	c.once.Do(func() { close(c.quit) })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = c.Send(ctx, "<close xmlns='"+NSFraming+"'/>")
	_ = c.Conn.Close(websocket.StatusNormalClosure, "")
}
