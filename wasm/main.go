//go:build js && wasm

// Command wasm is the browser build of finesse-ha (dist/finesse-ha.wasm).
//
// Go registers one hidden global, the factory the npm package's ESM wrapper
// (web/) calls (the contract is web/BRIDGE.md), and then blocks forever so that the callbacks behind it stay
// alive. Everything the page calls goes through jsutil (no panic crosses to
// JS, no callback blocks) and all HTTP through jsfetch (so net/http's client
// is never linked; SPEC §2).
//
// bridge.go holds the factory (createClient validates the options with
// internal/client and starts a client over jsfetch and the real clock);
// handle.go the per-client handle and event forwarding.
//
// Hidden tabs throttle timers, so when the page becomes visible again or the
// browser comes back online, every live client is asked to Recheck at once
// rather than wait for its next ping or poll.
package main

import (
	"fmt"
	"os"

	"github.com/hack-pad/safejs"
)

func main() {
	if err := register(safejs.Global()); err != nil {
		// Nothing to serve; say why in the console and end, which the
		// loader sees as go.run() settling without the factory.
		fmt.Fprintln(os.Stderr, "finesse-ha:", err)
		os.Exit(1)
	}
	select {}
}
