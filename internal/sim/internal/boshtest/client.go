// Package boshtest is a deliberately small BOSH/XMPP client for the
// simulator's own tests. It is written from XEP-0124/0206 and RFC 6120
// independently of internal/bosh and internal/notify, so that the simulator
// is not tested against the client it is meant to test.
package boshtest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// Body is one BOSH response with the stanzas this test client looks at.
type Body struct {
	XMLName   xml.Name
	Type      string     `xml:"type,attr"`
	Condition string     `xml:"condition,attr"`
	SID       string     `xml:"sid,attr"`
	Wait      string     `xml:"wait,attr"`
	Hold      string     `xml:"hold,attr"`
	Requests  string     `xml:"requests,attr"`
	From      string     `xml:"from,attr"`
	Ver       string     `xml:"ver,attr"`
	Messages  []Message  `xml:"message"`
	Presences []Presence `xml:"presence"`
	IQs       []IQ       `xml:"iq"`
	Success   *struct{}  `xml:"urn:ietf:params:xml:ns:xmpp-sasl success"`
	Failure   *Failure   `xml:"urn:ietf:params:xml:ns:xmpp-sasl failure"`
	Features  *Features  `xml:"http://etherx.jabber.org/streams features"`
	Raw       string     `xml:"-"`
	Status    int        `xml:"-"`
}

// Failure is a SASL failure.
type Failure struct {
	Inner string `xml:",innerxml"`
}

// Features are stream features.
type Features struct {
	Mechanisms []string  `xml:"urn:ietf:params:xml:ns:xmpp-sasl mechanisms>mechanism"`
	Bind       *struct{} `xml:"urn:ietf:params:xml:ns:xmpp-bind bind"`
}

// Presence is a presence stanza.
type Presence struct {
	From string `xml:"from,attr"`
	Type string `xml:"type,attr"`
}

// IQ is an IQ stanza; Inner is its payload.
type IQ struct {
	ID    string `xml:"id,attr"`
	Type  string `xml:"type,attr"`
	From  string `xml:"from,attr"`
	Inner string `xml:",innerxml"`
	JID   string `xml:"urn:ietf:params:xml:ns:xmpp-bind bind>jid"`
}

// Message is a message; Items are its pubsub event items.
type Message struct {
	From  string `xml:"from,attr"`
	To    string `xml:"to,attr"`
	ID    string `xml:"id,attr"`
	Event *struct {
		Items struct {
			Node  string `xml:"node,attr"`
			Items []struct {
				ID           string `xml:"id,attr"`
				Notification string `xml:"http://jabber.org/protocol/pubsub notification"`
			} `xml:"item"`
		} `xml:"items"`
	} `xml:"http://jabber.org/protocol/pubsub#event event"`
}

// Event is one pubsub item: its node and the unescaped <Update> text.
type Event struct {
	Node   string
	Update string
}

// Events returns the pubsub event items of the body, in order.
func (b *Body) Events() []Event {
	var out []Event
	for _, m := range b.Messages {
		if m.Event == nil {
			continue
		}
		for _, it := range m.Event.Items.Items {
			out = append(out, Event{Node: m.Event.Items.Node, Update: it.Notification})
		}
	}
	return out
}

// Client is one BOSH session.
type Client struct {
	URL    string
	Domain string
	HTTP   *http.Client
	Header http.Header // extra request headers, e.g. Origin

	mu  sync.Mutex
	sid string
	rid int64
	JID string
}

// New returns a client for the endpoint; Create starts the session.
func New(url, domain string) *Client {
	return &Client{URL: url, Domain: domain, HTTP: &http.Client{}, rid: 4000}
}

// SID returns the session id.
func (c *Client) SID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sid
}

// Post sends a raw body document and parses the answer.
func (c *Client) Post(ctx context.Context, doc string) (*Body, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, strings.NewReader(doc))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	for k, v := range c.Header {
		req.Header[k] = v
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	b := &Body{Raw: string(data), Status: resp.StatusCode}
	if resp.StatusCode != http.StatusOK {
		return b, nil
	}
	if err := xml.Unmarshal(data, b); err != nil {
		return b, fmt.Errorf("boshtest: bad body %q: %w", data, err)
	}
	return b, nil
}

// Create opens a session with the given wait (seconds).
func (c *Client) Create(ctx context.Context, wait int) (*Body, error) {
	c.mu.Lock()
	c.rid++
	rid := c.rid
	c.mu.Unlock()
	b, err := c.Post(ctx, fmt.Sprintf("<body xmlns='http://jabber.org/protocol/httpbind' xmlns:xmpp='urn:xmpp:xbosh'"+
		" content='text/xml; charset=utf-8' hold='1' rid='%d' to='%s' ver='1.6' wait='%d' xml:lang='en' xmpp:version='1.0'/>",
		rid, c.Domain, wait))
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.sid = b.SID
	c.mu.Unlock()
	return b, nil
}

// Send posts payload in the next body of the session; attrs are extra body
// attributes such as "xmpp:restart='true'".
func (c *Client) Send(ctx context.Context, payload string, attrs ...string) (*Body, error) {
	c.mu.Lock()
	c.rid++
	rid := c.rid
	sid := c.sid
	c.mu.Unlock()
	return c.Post(ctx, c.Doc(rid, sid, payload, attrs...))
}

// Doc renders a body document for an explicit rid and sid.
func (c *Client) Doc(rid int64, sid, payload string, attrs ...string) string {
	var b bytes.Buffer
	b.WriteString("<body xmlns='http://jabber.org/protocol/httpbind' xmlns:xmpp='urn:xmpp:xbosh' rid='" +
		strconv.FormatInt(rid, 10) + "' sid='" + sid + "'")
	for _, a := range attrs {
		b.WriteString(" " + a)
	}
	b.WriteString(">" + payload + "</body>")
	return b.String()
}

// NextRID reserves the next rid (for tests of the rid window).
func (c *Client) NextRID() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rid++
	return c.rid
}

// Plain is the base64 SASL PLAIN initial response.
func Plain(user, password string) string {
	return base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + password))
}

// Login creates a session and does SASL PLAIN, restart, bind, session and
// initial presence. It returns the bodies seen after the presence.
func (c *Client) Login(ctx context.Context, user, password, resource string, wait int) ([]*Body, error) {
	b, err := c.Create(ctx, wait)
	if err != nil {
		return nil, err
	}
	if b.Type == "terminate" {
		return nil, fmt.Errorf("boshtest: create terminated: %s", b.Condition)
	}
	b, err = c.Send(ctx, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>"+Plain(user, password)+"</auth>")
	if err != nil {
		return nil, err
	}
	if b.Success == nil {
		return nil, fmt.Errorf("boshtest: auth failed: %s", b.Raw)
	}
	if _, err = c.Send(ctx, "", "xmpp:restart='true'", "to='"+c.Domain+"'"); err != nil {
		return nil, err
	}
	b, err = c.Send(ctx, "<iq xmlns='jabber:client' type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>"+
		resource+"</resource></bind></iq>")
	if err != nil {
		return nil, err
	}
	if len(b.IQs) == 0 || b.IQs[0].JID == "" {
		return nil, fmt.Errorf("boshtest: bind failed: %s", b.Raw)
	}
	c.JID = b.IQs[0].JID
	if _, err = c.Send(ctx, "<iq xmlns='jabber:client' type='set' id='sess1'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>"); err != nil {
		return nil, err
	}
	b, err = c.Send(ctx, "<presence xmlns='jabber:client'><priority>0</priority></presence>")
	if err != nil {
		return nil, err
	}
	return []*Body{b}, nil
}

// Poll sends an empty body: the server holds it until it has something.
func (c *Client) Poll(ctx context.Context) (*Body, error) { return c.Send(ctx, "") }

// PollUntil polls until a body satisfies match, the session is terminated
// (an error naming the condition) or ctx ends.
func (c *Client) PollUntil(ctx context.Context, match func(*Body) bool) (*Body, error) {
	for {
		b, err := c.Poll(ctx)
		if err != nil {
			return nil, err
		}
		if b.Type == "terminate" {
			return b, fmt.Errorf("boshtest: session terminated: %s", b.Condition)
		}
		if match(b) {
			return b, nil
		}
	}
}
