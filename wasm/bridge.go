//go:build js && wasm

package main

import (
	"errors"
	"fmt"

	"github.com/finesse-ha/finesse-ha/wasm/jsutil"
	"github.com/hack-pad/safejs"
)

// globalName is the one global the wasm defines. It is an implementation
// detail between this binary and web/'s loader, hence the underscores; pages
// use the npm package's createClient.
const globalName = "__finesseHA"

// readyHook is a function the loader may define before go.run(): it is
// called with the factory once it is registered, which saves the loader from
// polling for the global.
const readyHook = "__finesseHAReady"

// apiVersion lets the loader refuse a .wasm built for another wrapper.
const apiVersion = 1

var errNotImplemented = errors.New("finesse-ha: createClient is not available in this build yet")

// register installs the factory object on global and tells the loader. Its
// functions live as long as the program, so they are never released.
func register(global safejs.Value) error {
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
	factory, err := safejs.ValueOf(map[string]any{"apiVersion": apiVersion})
	if err != nil {
		return err
	}
	if err := factory.Set("createClient", createClient); err != nil {
		return err
	}
	if err := global.Set(globalName, factory); err != nil {
		return fmt.Errorf("set %s: %w", globalName, err)
	}
	hook, err := global.Get(readyHook)
	if err != nil {
		return err
	}
	if hook.Type() == safejs.TypeFunction {
		if _, err := hook.Invoke(factory); err != nil {
			return fmt.Errorf("%s: %w", readyHook, err)
		}
	}
	return nil
}
