//go:build js && wasm

// Command wasm is the browser build of finesse-ha (dist/finesse-ha.wasm).
//
// Go registers one hidden global, the factory the npm package's ESM wrapper
// (web/) calls (the contract is web/BRIDGE.md), and then blocks forever so that the callbacks behind it stay
// alive. Everything the page calls goes through jsutil (no panic crosses to
// JS, no callback blocks) and all HTTP through jsfetch (so net/http's client
// is never linked; SPEC §2).
//
// Today the factory is a placeholder: createClient rejects until the bridge
// to internal/client lands (issue 6). bridge.go is where that grows.
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
