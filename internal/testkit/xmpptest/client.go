package xmpptest

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net"
	"strings"

	"mellium.im/sasl"
	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

const nsPubSub = "http://jabber.org/protocol/pubsub"

// Client is a logged-in XMPP session over TCP, for the test's side of the
// conversation (admin publishing, finesse going on- and offline).
type Client struct {
	JID    jid.JID // the bound full JID
	pubsub jid.JID
	s      *xmpp.Session
	conn   net.Conn
	served chan struct{}
	srv    *Server
}

// Login opens a c2s session as user with SASL PLAIN and binds resource. It
// sends no presence: call Available for that.
func (s *Server) Login(ctx context.Context, user, password, resource string) (*Client, error) {
	origin, err := jid.New(user, s.Domain, resource)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.C2SAddr)
	if err != nil {
		return nil, err
	}
	// The loopback c2s has no TLS (Prosody allows PLAIN without it in this
	// config); Secure tells mellium not to insist on StartTLS.
	xs, err := xmpp.NewSession(ctx, origin.Domain(), origin, conn, xmpp.Secure,
		xmpp.NewNegotiator(func(*xmpp.Session, *xmpp.StreamConfig) xmpp.StreamConfig {
			return xmpp.StreamConfig{Features: []xmpp.StreamFeature{
				xmpp.SASL("", password, sasl.Plain),
				xmpp.BindResource(),
			}}
		}))
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("xmpptest: login %s: %w", user, err)
	}
	c := &Client{JID: xs.LocalAddr(), pubsub: jid.MustParse(s.PubSubDomain), s: xs, conn: conn, served: make(chan struct{}), srv: s}
	go func() {
		defer close(c.served)
		_ = xs.Serve(nil) // IQ results reach SendIQ; everything else is dropped
	}()
	return c, nil
}

// Admin logs in the pubsub owner.
func (s *Server) Admin(ctx context.Context) (*Client, error) {
	return s.Login(ctx, s.AdminUser, s.AdminPassword, "harness")
}

// Finesse logs in the finesse user and makes it available, which every
// agent's session sees as the Finesse webapp coming up.
func (s *Server) Finesse(ctx context.Context) (*Client, error) {
	c, err := s.Login(ctx, s.FinesseUser, s.FinessePassword, "webapp")
	if err != nil {
		return nil, err
	}
	if err := c.Available(ctx); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Available sends initial (available) presence.
func (c *Client) Available(ctx context.Context) error {
	return c.s.Send(ctx, stanza.Presence{}.Wrap(nil))
}

// Unavailable sends unavailable presence; the session stays open.
func (c *Client) Unavailable(ctx context.Context) error {
	return c.s.Send(ctx, stanza.Presence{Type: stanza.UnavailablePresence}.Wrap(nil))
}

// Close ends the stream and the TCP connection.
func (c *Client) Close() error {
	err := c.s.Close()
	c.conn.Close()
	<-c.served
	return err
}

// CreateNode creates a pubsub node; an existing node is fine.
func (c *Client) CreateNode(ctx context.Context, node string) error {
	err := c.pubsubSet(ctx, el("create", nil, xml.Attr{Name: xml.Name{Local: "node"}, Value: node}))
	var se stanza.Error
	if errors.As(err, &se) && se.Condition == stanza.Conflict {
		return nil
	}
	return err
}

// SubscribeOther subscribes jid (bare or full) to node, as Finesse's
// automatic subscriptions do; only the owner may. ejabberd lets nobody
// subscribe another JID (bad-request), so there the user, one of the
// server's accounts, logs in and subscribes its bare JID itself.
func (c *Client) SubscribeOther(ctx context.Context, node, jid string) error {
	sub := c
	if c.srv != nil && c.srv.Kind == Ejabberd {
		user, _, _ := strings.Cut(jid, "@")
		pw, ok := c.srv.Agents[user]
		if !ok {
			return fmt.Errorf("xmpptest: %s is not an agent of this server", jid)
		}
		u, err := c.srv.Login(ctx, user, pw, "subscriber")
		if err != nil {
			return err
		}
		defer u.Close()
		sub, jid = u, u.JID.Bare().String()
	}
	return sub.pubsubSet(ctx, el("subscribe", nil,
		xml.Attr{Name: xml.Name{Local: "node"}, Value: node},
		xml.Attr{Name: xml.Name{Local: "jid"}, Value: jid}))
}

// PublishUpdate publishes update (an <Update> document) on node the way
// Finesse does: XML-escaped as the text of
// <notification xmlns='http://jabber.org/protocol/pubsub'>. The node is
// created first if needed.
func (c *Client) PublishUpdate(ctx context.Context, node, itemID, update string) error {
	return c.PublishRaw(ctx, node, itemID, xmlstream.Wrap(xmlstream.Token(xml.CharData(update)),
		xml.StartElement{Name: xml.Name{Space: nsPubSub, Local: "notification"}}))
}

// PublishRaw publishes payload (one element) as the item on node.
func (c *Client) PublishRaw(ctx context.Context, node, itemID string, payload xml.TokenReader) error {
	if err := c.CreateNode(ctx, node); err != nil {
		return fmt.Errorf("xmpptest: create node: %w", err)
	}
	item := el("item", payload, xml.Attr{Name: xml.Name{Local: "id"}, Value: itemID})
	return c.pubsubSet(ctx, el("publish", item, xml.Attr{Name: xml.Name{Local: "node"}, Value: node}))
}

func (c *Client) pubsubSet(ctx context.Context, op xml.TokenReader) error {
	payload := xmlstream.Wrap(op, xml.StartElement{Name: xml.Name{Space: nsPubSub, Local: "pubsub"}})
	return c.s.UnmarshalIQElement(ctx, payload, stanza.IQ{Type: stanza.SetIQ, To: c.pubsub}, nil)
}

func el(local string, inner xml.TokenReader, attrs ...xml.Attr) xml.TokenReader {
	return xmlstream.Wrap(inner, xml.StartElement{Name: xml.Name{Local: local}, Attr: attrs})
}

// Ping sends an XMPP ping (XEP-0199) to the full JID to and returns the
// stanza error if the entity answers with one (service-unavailable when it
// does not implement ping): unlike mellium's ping.Send, which counts that as
// a success.
func (c *Client) Ping(ctx context.Context, to string) error {
	j, err := jid.Parse(to)
	if err != nil {
		return err
	}
	payload := xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Space: "urn:xmpp:ping", Local: "ping"}})
	return c.s.UnmarshalIQElement(ctx, payload, stanza.IQ{Type: stanza.GetIQ, To: j}, nil)
}
