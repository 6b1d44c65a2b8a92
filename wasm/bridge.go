//go:build js && wasm

package main

import (
	"errors"
	"fmt"

	"github.com/finesse-ha/finesse-ha/wasm/jsutil"
	"github.com/hack-pad/safejs"
)

// globalName is the one global the wasm defines (web/BRIDGE.md). It is an
// implementation detail between this binary and web/'s loader, hence the
// underscores; pages use the npm package's createClient.
const globalName = "__finesseHA"

// version is the Go side's semver, reported to the page as client.version;
// release builds set it with -ldflags='-X main.version=1.2.3'.
var version = "0.0.0-dev"

var errNotImplemented = errors.New("finesse-ha: createClient is not available in this build yet")

// register installs the factory object on global. Its functions live as
// long as the program, so they are never released.
func register(global safejs.Value) error {
	// createClient(optionsJSON, emit) -> Promise<Handle> (web/BRIDGE.md).
	// A placeholder until the bridge to internal/client lands (issue 6): it
	// already answers through a Promise from a goroutine, as the real one must.
	createClient, err := jsutil.FuncOf(func(_ safejs.Value, _ []safejs.Value) any {
		p, err := jsutil.NewPromise(func() (any, error) { return nil, errNotImplemented })
		if err != nil {
			return jsutil.NewError(err.Error())
		}
		return p
	})
	if err != nil {
		return err
	}
	factory, err := safejs.ValueOf(map[string]any{"version": version})
	if err != nil {
		return err
	}
	if err := factory.Set("createClient", createClient); err != nil {
		return err
	}
	if err := global.Set(globalName, factory); err != nil {
		return fmt.Errorf("set %s: %w", globalName, err)
	}
	return nil
}
