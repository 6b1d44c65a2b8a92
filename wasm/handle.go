//go:build js && wasm

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/finesse-ha/finesse-ha/internal/client"
	"github.com/finesse-ha/finesse-ha/wasm/jsutil"
	"github.com/hack-pad/safejs"
)

// Bounds of the bridge's own waits. The engine bounds every I/O itself;
// these only keep a Promise from staying pending forever if it does not.
const (
	closeWait   = 10 * time.Second
	requestWait = 2 * time.Minute
)

var errClosed = errors.New("finesse-ha: the client is closed")

// handle is one client as the page sees it (web/BRIDGE.md Handle).
//
// Its js.Funcs are never released: a page may call a method of a closed
// client at any time, and calling a released Go function ends the whole
// runtime. Four small closures per client are the price.
type handle struct {
	c         *client.Client
	emit      safejs.Value
	onHistory safejs.Value // the runtime host's (web/host.js), or undefined

	closeOnce  sync.Once
	closedSeen chan struct{} // closed when the "closed" connection event was emitted
	seenOnce   sync.Once
}

func newHandle(emit safejs.Value) *handle {
	return &handle{emit: emit, closedSeen: make(chan struct{})}
}

// onEvent forwards one engine event to the page. The engine calls it in
// order, one at a time; it must not block, and calling into JS does not.
func (h *handle) onEvent(ev client.Event) {
	data, err := jsonString(ev)
	if err != nil {
		h.send(string(client.EventError), fmt.Sprintf(`{"code":"internal","message":"finesse-ha: cannot encode a %s event","side":"","requestId":"","fatal":false}`, ev.Kind()))
	} else {
		h.send(string(ev.Kind()), data)
	}
	if c, ok := ev.(client.ConnectionEvent); ok && c.State == client.StateClosed {
		h.seenOnce.Do(func() { close(h.closedSeen) })
	}
}

// historyChanged tells the runtime host that history() has a new entry
// (BRIDGE.md onHistory): its pages hold a copy of history() that must not
// wait for the next event. The host reads history() itself, once for any
// number of entries.
func (h *handle) historyChanged() {
	defer jsutil.Recover(nil)
	_, _ = h.onHistory.Invoke()
}

// send calls the page's emit. A throwing listener is the JS wrapper's
// business (it isolates listeners); whatever still throws is dropped so
// that a page bug never reaches the engine.
func (h *handle) send(kind, data string) {
	defer jsutil.Recover(nil)
	_, _ = h.emit.Invoke(kind, data)
}

// jsObject builds the JS handle {snapshot, history, diagnostics, request, setAuth, close}.
func (h *handle) jsObject() (safejs.Value, error) {
	methods := map[string]func(args []safejs.Value) any{
		"snapshot": func([]safejs.Value) any { return h.jsonOrError(jsonString(h.c.Snapshot())) },
		"history":  func([]safejs.Value) any { return h.jsonOrError(jsonString(h.c.History())) },
		"diagnostics": func([]safejs.Value) any {
			d, err := h.c.Diagnostics()
			return h.jsonOrError(string(d), err)
		},
		"request": h.request,
		"setAuth": h.setAuth, // auth.go
		"close":   h.close,
	}
	obj, err := safejs.ValueOf(map[string]any{})
	if err != nil {
		return safejs.Value{}, err
	}
	for name, m := range methods {
		f, err := jsutil.FuncOf(func(_ safejs.Value, args []safejs.Value) any { return m(args) })
		if err != nil {
			return safejs.Value{}, err
		}
		if err := obj.Set(name, f); err != nil {
			return safejs.Value{}, err
		}
	}
	return obj, nil
}

func (h *handle) jsonOrError(data string, err error) any {
	if err != nil {
		return jsutil.NewError("finesse-ha: cannot encode: " + err.Error())
	}
	return data
}

// request(method, path, body?) -> Promise<string> of client.Result JSON.
// A non-2xx answer resolves; only "no answer" rejects.
func (h *handle) request(args []safejs.Value) any {
	method, errM := stringArg(args, 0)
	path, errP := stringArg(args, 1)
	var body []byte
	var errB error
	if b := argAt(args, 2); b.Type() != safejs.TypeUndefined && b.Type() != safejs.TypeNull {
		var s string
		s, errB = stringArg(args, 2)
		body = []byte(s)
	}
	p, err := jsutil.NewPromise(func() (any, error) {
		if err := errors.Join(errM, errP, errB); err != nil {
			return nil, err
		}
		ctx, cancel := context.WithTimeout(context.Background(), requestWait)
		defer cancel()
		res, err := h.c.Request(ctx, method, path, body)
		if err != nil {
			return nil, err // failover errors are scrubbed of credentials
		}
		return jsonString(res)
	})
	if err != nil {
		return jsutil.NewError(err.Error())
	}
	return p
}

// close() -> Promise<void>; idempotent. It resolves once the "closed"
// connection event has been emitted and the engine's I/O has ended, or
// after closeWait at the latest.
func (h *handle) close([]safejs.Value) any {
	h.closeOnce.Do(func() {
		live.remove(h)
		_ = h.c.Close()
	})
	p, err := jsutil.NewPromise(func() (any, error) {
		deadline := time.After(closeWait)
		for _, ch := range []<-chan struct{}{h.closedSeen, h.c.Done()} {
			select {
			case <-ch:
			case <-deadline:
				return nil, nil // stopped as far as the page can tell; do not hang close()
			}
		}
		return nil, nil
	})
	if err != nil {
		return jsutil.NewError(err.Error())
	}
	return p
}

func stringArg(args []safejs.Value, i int) (string, error) {
	v := argAt(args, i)
	names := []string{"method", "path", "body"}
	s, ok := jsutil.StringOf(v)
	if !ok {
		return "", fmt.Errorf("finesse-ha: request(method, path, body): %s must be a string", names[i])
	}
	return s, nil
}

// liveHandles are the clients not yet closed: where a recovered panic,
// which belongs to no client in particular, is reported.
type liveHandles struct {
	mu sync.Mutex
	m  map[*handle]struct{}
}

var live = liveHandles{m: map[*handle]struct{}{}}

func (l *liveHandles) add(h *handle) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.m[h] = struct{}{}
}

func (l *liveHandles) remove(h *handle) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.m, h)
}

func (l *liveHandles) list() []*handle {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]*handle, 0, len(l.m))
	for h := range l.m {
		out = append(out, h)
	}
	return out
}

// recheckAll asks every live client to check health now (page woke up or
// came back online).
func (l *liveHandles) recheckAll() {
	for _, h := range l.list() {
		h.c.Recheck()
	}
}

// reportPanic turns a recovered panic into an `error` event. The panic
// value is not sent: it could hold anything, credentials included; the
// stack (addresses and names only) goes to the console for bug reports.
func reportPanic(pe *jsutil.PanicError) {
	fmt.Fprintf(os.Stderr, "finesse-ha: recovered panic\n%s\n", pe.Stack)
	for _, h := range live.list() {
		h.send(string(client.EventError), `{"code":"internal","message":"finesse-ha: internal error (recovered); the client keeps running","side":"","requestId":"","fatal":false}`)
	}
}
