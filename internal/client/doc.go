//go:generate go run ../../build/dtsgen -dir . -dts ../../web/index.d.ts

// Package client wires the finished layers into one finesse-ha client: it
// validates the page's options (the JSON of web/BRIDGE.md), builds one
// finesse.Client and one BOSH dialer per side, and runs a failover.Engine
// over them. The wasm bridge (wasm/) is a thin JS adapter around it, so
// everything here is tested natively against the in-process simulator.
//
// Decisions (the lead may revisit them):
//   - Options are validated strictly: an unknown option key is an error, so
//     a typo such as "allowInsecur" does not silently weaken security.
//   - Every error names the option by its JavaScript path
//     ("options.sides[1]") and never quotes a value that may hold a
//     credential (URLs are not echoed either: they may carry user:pass@).
//   - A side given as a string is its REST base URL; the BOSH URL is
//     derived as Finesse does: https://<host>:7443/http-bind/, and for an
//     http: side (allowInsecure) http://<host>:7071/http-bind/, Finesse's
//     plain-HTTP BOSH port.
//   - transport "websocket" is part of the contract but there is no
//     WebSocket dialer yet (internal/notify has BOSH only), so it is
//     rejected with an error naming options.transport.
//   - The XMPP username is the agent id (Finesse JIDs are loginId@domain);
//     the XMPP password is the password or, for SSO, the token.
package client
