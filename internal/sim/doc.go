// Package sim is a duplex Cisco Finesse pair on loopback for tests, the
// demo and benchmarks (SPEC §6): sides A and B, each with Finesse's REST API
// under /finesse/api and its notifications over BOSH under /http-bind and
// over WebSocket (RFC 7395) under /ws/, over one shared contact center, plus
// a control API that injects every fault of SPEC §5.
//
// It is a fixture, not the reference: the client is also tested against
// Prosody. Its XMPP side (package xmppd) is written from the protocols and
// shares no code with the client's internal/bosh and internal/notify.
//
// Decisions, where Finesse's documentation is silent or a fixture needs
// something simpler:
//
//   - Node names (SystemInfo primaryNode/secondaryNode host, xmppDomain) are
//     Config.HostA/HostB, finesse-a.sim and finesse-b.sim by default, not
//     "127.0.0.1:port": a JID's domain cannot carry a port (mellium's jid
//     package rejects it). The real port is in each node's httpsPort; REST
//     and BOSH share it.
//   - One shared contact center: a change made through either side is
//     published on both sides' nodes (UCCE active/active). UCCX only changes
//     which side is IN_SERVICE: A starts as master; killing the master hands
//     mastership to the survivor; a restored node comes back as standby; the
//     island fault makes both masters and heal hands it back to A.
//   - GET SystemInfo answers without credentials (it is what clients poll to
//     find a usable side) and in any service state; wrong credentials, when
//     sent, still get 401. Every other REST call needs Basic
//     (loginId:password) or Bearer (Config.Token) credentials, and an agent
//     may only touch its own User, Dialogs and dialogs.
//   - PUT and POST answer 202 with no body; the result is published as an
//     <Update> carrying the requestId header (also echoed as a response
//     header). User changes go to /finesse/api/User/{id} with data <user>;
//     dialog changes to /finesse/api/User/{id}/Dialogs: POST and DELETE with
//     <dialogs><Dialog>…</Dialog></dialogs> and the Dialogs URI as source,
//     PUT with <Dialog> and /finesse/api/Dialog/{id} as source.
//   - Invalid requests are answered synchronously with 400 ApiErrors
//     (ErrorType "Invalid Input" or "Invalid State"), not with asynchronous
//     CTI error events.
//   - LOGIN needs an extension and keeps the state of a signed-in agent;
//     READY/NOT_READY during a call become pendingState; LOGOUT is refused
//     during a call. A forced logout (reason code 255) leaves calls alone.
//   - The capacity limit counts REST requests and new BOSH sessions per
//     wall-clock second; requests on an existing BOSH session are not
//     refused (a 503 would kill the session rather than slow it down).
//   - A black hole hijacks the connection and never writes: clients see a
//     timeout, never an error. Clearing the fault resets those connections.
//   - Killing a side closes its listener and connections and forgets its
//     XMPP sessions; restoring listens on the same port again.
//   - A WebSocket outlives its HTTP request, so faults act on its hijacked
//     connection (websocket.go): a kill drops it without a close frame, a
//     black hole silences it both ways without closing it (clearing the
//     hole resets it), latency delays what the client sends. XMPP-level
//     endings (notification down, conflict, a graceful stop) are a stream
//     error, <close/> and a close frame 1000 naming the condition. The
//     capacity limit counts WebSocket handshakes like new BOSH sessions.
//   - Flood publishes N User updates at once for the benchmark of what
//     notifications cost a browser; it changes no state.
package sim
