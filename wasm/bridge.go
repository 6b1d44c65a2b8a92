//go:build js && wasm

package main

import (
	"errors"
	"fmt"
	"sync"

	"github.com/finesse-ha/finesse-ha/internal/client"
	"github.com/finesse-ha/finesse-ha/internal/clock"
	"github.com/finesse-ha/finesse-ha/wasm/jsfetch"
	"github.com/finesse-ha/finesse-ha/wasm/jsutil"
	"github.com/finesse-ha/finesse-ha/wasm/jsws"
	"github.com/hack-pad/safejs"
)

// globalName is the one global the wasm defines (web/BRIDGE.md). It is an
// implementation detail between this binary and web/'s loader, hence the
// underscores; pages use the npm package's createClient.
const globalName = "__finesseHA"

// version is the Go side's semver, reported to the page as client.version;
// release builds set it with -ldflags='-X main.version=1.2.3'.
var version = "0.0.0-dev"

var errEmitNotFunction = errors.New("finesse-ha: createClient(optionsJSON, emit): emit must be a function")
var errOptionsNotString = errors.New("finesse-ha: createClient(optionsJSON, emit): optionsJSON must be a string")
var errOnHistoryNotFunc = errors.New("finesse-ha: createClient(optionsJSON, emit, getToken, onHistory): onHistory must be a function or undefined")

// register installs the factory object on global. Its functions live as
// long as the program, so they are never released.
func register(global safejs.Value) error {
	// A panic recovered anywhere in jsutil becomes an `error` event on every
	// live client: the page learns something went wrong, the runtime lives.
	jsutil.SetPanicHandler(reportPanic)

	// createClient(optionsJSON, emit, getToken?, onHistory?) -> Promise<Handle> (web/BRIDGE.md).
	createClient, err := jsutil.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		optionsJSON, emit, getToken, onHistory := argAt(args, 0), argAt(args, 1), argAt(args, 2), argAt(args, 3)
		p, err := jsutil.NewPromise(func() (any, error) { return createClient(optionsJSON, emit, getToken, onHistory) })
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
	watchWakeOnce.Do(func() { watchWake(global) })
	return nil
}

var watchWakeOnce sync.Once

// watchWake makes every live client re-check health when the tab becomes
// visible again or the network comes back. Browsers throttle the timers of
// hidden tabs (to a minute or more), so the engine's keepalive and polls may
// not have run for a long time: without this, an agent returning to the tab
// could see a dead side as connected until the next timer. Registered once
// per runtime; where there is no document (a worker, a test runner) the
// visibility listener is simply not installed, and a failure to install
// one is not fatal: the timers still work, only later.
func watchWake(global safejs.Value) {
	doc, _ := global.Get("document")
	if doc.Type() == safejs.TypeObject {
		listen(doc, "visibilitychange", func() bool {
			st, err := doc.Get("visibilityState")
			if err != nil {
				return false
			}
			s, _ := jsutil.StringOf(st)
			return s == "visible"
		})
	}
	// 'online' fires on window in a page and on the worker's global scope
	// (WorkerGlobalScope.ononline) in a worker, where there is no window:
	// in a page global is window, so either way one listener is added.
	target, _ := global.Get("window")
	if target.Type() != safejs.TypeObject {
		target = global
	}
	if add, _ := target.Get("addEventListener"); add.Type() == safejs.TypeFunction {
		listen(target, "online", func() bool { return true })
	}
}

// listen adds a listener for event on target that rechecks every live
// client when wanted() holds. The callback runs on the JS event loop, so
// the engine is called from a goroutine: posting to an engine may wait for
// its lock, and a JS callback must never block.
func listen(target safejs.Value, event string, wanted func() bool) {
	f, err := jsutil.FuncOf(func(safejs.Value, []safejs.Value) any {
		if wanted() {
			jsutil.Go(live.recheckAll)
		}
		return nil
	})
	if err != nil {
		return
	}
	// The function lives as long as the runtime: it is never released.
	_, _ = target.Call("addEventListener", event, f)
}

// createClient validates the options, starts a client and returns its JS
// handle. It runs on a NewPromise goroutine, so it may block.
func createClient(optionsJSON, emit, getToken, onHistory safejs.Value) (any, error) {
	raw, ok := jsutil.StringOf(optionsJSON)
	if !ok {
		return nil, errOptionsNotString
	}
	if emit.Type() != safejs.TypeFunction {
		return nil, errEmitNotFunction
	}
	if t := onHistory.Type(); t != safejs.TypeFunction && t != safejs.TypeUndefined && t != safejs.TypeNull {
		return nil, errOnHistoryNotFunc
	}
	cfg, err := client.ParseOptions([]byte(raw))
	if err != nil {
		return nil, err // *client.OptionError: names the field, quotes no value
	}
	tokenOpts, err := tokenOptions(getToken) // auth.go
	if err != nil {
		return nil, err
	}
	h := newHandle(emit)
	opts := append(tokenOpts, client.WithWebSocket(jsws.Dial))
	if onHistory.Type() == safejs.TypeFunction {
		h.onHistory = onHistory
		opts = append(opts, client.OnHistory(h.historyChanged))
	}
	c, err := client.New(cfg, &jsfetch.Transport{}, clock.Real(), h.onEvent, opts...)
	if err != nil {
		return nil, err
	}
	h.c = c
	obj, err := h.jsObject()
	if err != nil {
		_ = c.Close()
		return nil, err
	}
	live.add(h)
	c.Start()
	return obj, nil
}

// argAt returns args[i], or undefined when JS passed fewer arguments.
func argAt(args []safejs.Value, i int) safejs.Value {
	if i < len(args) {
		return args[i]
	}
	return safejs.Undefined()
}
