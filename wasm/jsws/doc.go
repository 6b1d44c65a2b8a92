//go:build js && wasm

// Package jsws is the browser's implementation of the ws contract
// (internal/ws): XMPP over WebSocket (RFC 7395) through the page's own
// WebSocket object, reached with github.com/hack-pad/safejs.
//
// [Dial] has the signature of ws.DialFunc. Choices, and why:
//   - Browsers hide why a socket failed to open (refused, TLS, HTTP status,
//     origin refused all look alike), so every such failure is a
//     *[DialError] that wraps ws.ErrDial and carries only the close code the
//     browser reported (normally 1006). The notification session falls back
//     to BOSH on exactly those.
//   - A server that selects no subprotocol: Chromium fails that handshake
//     itself, so the page only sees a socket that never opened (ErrDial,
//     code 1006). Where a browser or proxy lets it open anyway, Dial closes
//     it and the error wraps ws.ErrSubprotocol too.
//   - A URL with user:password@ is refused before the browser sees it, so
//     no console message or SyntaxError can quote the password.
//   - JS callbacks never block: messages are appended to a queue in Go, and
//     Read takes them in order. The close event is delivered as a
//     *ws.CloseError only after every queued message was read.
//   - Scripts may only send close code 1000 or 3000-4999 and a reason of at
//     most 123 bytes (the browser throws otherwise), so Close maps any other
//     code to 1000 and shortens the reason.
//   - The four event handlers are js.Func values; they are detached from the
//     socket and released as soon as the socket ends (close event, Close, a
//     failed Dial), so nothing is left registered and no goroutine waits.
//   - Write does not wait for the browser's send buffer (bufferedAmount):
//     XMPP stanzas are small, and send itself never blocks.
//
// The package starts no goroutines and uses neither fmt, encoding/json nor
// errors.As (reflectlite): over jsfetch it adds about 47 KB raw and 11 KB
// gzip to the .wasm (measured with -ldflags='-s -w').
package jsws
