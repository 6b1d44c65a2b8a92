// Package xmppd is the notification side of the Finesse simulator: a small
// XMPP server written from the protocols (XEP-0124/0206 BOSH, RFC 7395
// WebSocket, RFC 6120 SASL PLAIN, resource binding and presence, XEP-0199
// ping, XEP-0060 pubsub events), sharing no code with the client packages
// internal/bosh, internal/notify and internal/ws, so that it cannot share a
// misunderstanding with them.
//
// It behaves like Prosody and Openfire where a client can tell: every BOSH
// answer is HTTP 200 with a body (errors are terminate conditions), the
// session announces hold=1 and requests=2, unknown sids get item-not-found,
// a retransmitted rid gets the cached answer, a rid beyond the window ends
// the session, events reach a resource only after its available presence
// (non-negative priority), and binding a bound full JID replaces the old
// session with a conflict stream error.
//
// Finesse specifics: the agent is subscribed automatically on bind to the
// nodes Config.AutoNodes names; explicit subscriptions (team nodes) use
// subscribe/unsubscribe IQs; an event item carries the escaped <Update>
// inside <notification xmlns='http://jabber.org/protocol/pubsub'>; and the
// presence of finesse@<domain> is sent after the client's initial presence.
//
// The XMPP stream logic (stream.go) only queues elements on a sink and ends
// sessions with RFC 6120 stream error conditions, so two framings share it:
// BOSH (bosh.go) turns a condition into a terminate body, the RFC 7395
// WebSocket framing (websocket.go, github.com/coder/websocket) into
// <stream:error/>, <close/> and a close frame 1000. A WebSocket restarts the
// stream with each <open/>, carries one element per text message and needs
// the "xmpp" subprotocol.
package xmppd
