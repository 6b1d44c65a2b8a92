package notify

// Transport names the session's notification transport, "websocket" or
// "bosh". The failover engine puts it on its connected event: with
// NewFallbackDialer a side may be on BOSH although the page asked for
// WebSocket, and an integrator should see that rather than guess.
func (s *xmppSession) Transport() string {
	if _, ok := s.conn.(*wsConn); ok {
		return "websocket"
	}
	return "bosh"
}
