//go:build js && wasm

package main

import (
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/finesse-ha/finesse-ha/wasm/jsutil"
	"github.com/hack-pad/safejs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testPassword = "pw-S3cret-wasm"

// factory registers the bridge and returns the global factory object.
func factory(t *testing.T) safejs.Value {
	t.Helper()
	global := safejs.Global()
	t.Cleanup(func() { _ = global.Delete(globalName) })
	require.NoError(t, register(global))
	f, err := global.Get(globalName)
	require.NoError(t, err)
	require.Equal(t, safejs.TypeObject, f.Type())
	return f
}

// events records what the bridge emits.
type events struct {
	mu   sync.Mutex
	list [][2]string
	wake chan struct{}
	fn   safejs.Func
}

func newEvents(t *testing.T) *events {
	t.Helper()
	e := &events{wake: make(chan struct{}, 1)}
	fn, err := jsutil.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		kind, _ := args[0].String()
		data, _ := args[1].String()
		e.mu.Lock()
		e.list = append(e.list, [2]string{kind, data})
		e.mu.Unlock()
		select {
		case e.wake <- struct{}{}:
		default:
		}
		return nil
	})
	require.NoError(t, err)
	t.Cleanup(fn.Release)
	e.fn = fn
	return e
}

// waitFor waits for an event of kind whose JSON contains substr.
func (e *events) waitFor(t *testing.T, kind, substr string) string {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		e.mu.Lock()
		for _, ev := range e.list {
			if ev[0] == kind && strings.Contains(ev[1], substr) {
				e.mu.Unlock()
				return ev[1]
			}
		}
		all := append([][2]string(nil), e.list...)
		e.mu.Unlock()
		select {
		case <-e.wake:
		case <-deadline:
			t.Fatalf("no %s event with %q; got %v", kind, substr, all)
			return ""
		}
	}
}

func options(t *testing.T, m map[string]any) string {
	t.Helper()
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return string(b)
}

func TestRegisterInstallsTheFactory(t *testing.T) {
	f := factory(t)
	v, err := f.Get("version")
	require.NoError(t, err)
	s, err := v.String()
	require.NoError(t, err)
	assert.Equal(t, version, s)
}

func TestCreateClientRejectsBadOptionsNamingTheField(t *testing.T) {
	f := factory(t)
	ev := newEvents(t)
	for _, tc := range []struct {
		opts  string
		field string
	}{
		{"{", "options"},
		{options(t, map[string]any{
			"sides":     []any{"https://a.example", "http://b.example"},
			"agent":     map[string]any{"id": "1001001"},
			"auth":      map[string]any{"username": "1001001", "password": testPassword},
			"transport": "bosh",
		}), "options.sides[1]: http URL needs allowInsecure: true"},
		{options(t, map[string]any{
			"sides":     []any{"https://a.example"},
			"agent":     map[string]any{"id": "1001001"},
			"auth":      map[string]any{"username": "1001001", "password": testPassword},
			"transport": "bosh", "resource": "desktop",
		}), "options.resource"},
	} {
		p, err := f.Call("createClient", tc.opts, ev.fn)
		require.NoError(t, err)
		_, err = jsutil.Await(p)
		var rej *jsutil.RejectedError
		require.ErrorAs(t, err, &rej, tc.field)
		assert.Equal(t, "Error", rej.Name)
		assert.True(t, strings.HasPrefix(rej.Message, "finesse-ha: "+tc.field), rej.Message)
		assert.NotContains(t, rej.Message, testPassword)
	}

	// Wrong argument types reject too; nothing throws.
	p, err := f.Call("createClient", 42)
	require.NoError(t, err)
	_, err = jsutil.Await(p)
	var rej *jsutil.RejectedError
	require.ErrorAs(t, err, &rej)
	assert.Contains(t, rej.Message, "optionsJSON must be a string")

	p, err = f.Call("createClient", "{}", ev.fn, safejs.Undefined(), 42)
	require.NoError(t, err)
	_, err = jsutil.Await(p)
	require.ErrorAs(t, err, &rej)
	assert.Contains(t, rej.Message, "onHistory must be a function or undefined")
}

// TestCreateClientEmitsEvents runs a client against the browser tests' test
// host. It serves SystemInfo but no BOSH, so the client reports connecting
// and never connected; what matters here is the bridge: events arrive as
// (kind, JSON), the handle's methods answer, and close() emits "closed".
func TestCreateClientEmitsEvents(t *testing.T) {
	host := os.Getenv("FINESSE_HA_TESTHOST")
	if host == "" {
		t.Fatal("FINESSE_HA_TESTHOST is not set: run with `go run ./build/wasmtest ./wasm/...`")
	}
	f := factory(t)
	ev := newEvents(t)
	// The runtime host's hook: told of every history entry as it is recorded.
	var histMu sync.Mutex
	histCalls := 0
	onHistory, err := jsutil.FuncOf(func(safejs.Value, []safejs.Value) any {
		histMu.Lock()
		histCalls++
		histMu.Unlock()
		return nil
	})
	require.NoError(t, err)
	t.Cleanup(onHistory.Release)
	p, err := f.Call("createClient", options(t, map[string]any{
		"sides":         []any{host},
		"agent":         map[string]any{"id": "1001001", "extension": "1001001"},
		"auth":          map[string]any{"username": "1001001", "password": testPassword},
		"transport":     "bosh",
		"allowInsecure": true,
		"logLevel":      "info",
	}), ev.fn, safejs.Undefined(), onHistory)
	require.NoError(t, err)
	h, err := jsutil.Await(p)
	require.NoError(t, err)
	require.Equal(t, safejs.TypeObject, h.Type())

	first := ev.waitFor(t, "connection", `"state":"connecting"`)
	ev.waitFor(t, "log", `"message":"connection connecting`)
	var conn struct {
		State string `json:"state"`
		Side  string `json:"side"`
	}
	require.NoError(t, json.Unmarshal([]byte(first), &conn))
	assert.Equal(t, "A", conn.Side)

	snap, err := h.Call("snapshot")
	require.NoError(t, err)
	s, err := snap.String()
	require.NoError(t, err)
	var parsed struct {
		Connection struct {
			State string `json:"state"`
		} `json:"connection"`
		Dialogs []any `json:"dialogs"`
	}
	require.NoError(t, json.Unmarshal([]byte(s), &parsed), s)
	assert.NotEmpty(t, parsed.Connection.State)

	// A panic in any Go code started for JS becomes an error event on the
	// live client, and the runtime keeps running.
	jsutil.Go(func() { panic("boom " + testPassword) })
	errEv := ev.waitFor(t, "error", `"code":"internal"`)
	assert.NotContains(t, errEv, testPassword, "the panic value is not sent to the page")
	assert.Contains(t, errEv, `"fatal":false`)

	// A request with a bad argument rejects; it does not throw.
	rp, err := h.Call("request", "GET", 7)
	require.NoError(t, err)
	_, err = jsutil.Await(rp)
	var rej *jsutil.RejectedError
	require.ErrorAs(t, err, &rej)
	assert.Contains(t, rej.Message, "path must be a string")

	for range 2 { // idempotent
		cp, err := h.Call("close")
		require.NoError(t, err)
		_, err = jsutil.Await(cp)
		require.NoError(t, err)
	}
	ev.waitFor(t, "connection", `"state":"closed"`)

	hist, err := h.Call("history")
	require.NoError(t, err)
	hs, err := hist.String()
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(hs, "["), hs)
	assert.NotContains(t, hs, testPassword)
	var entries []json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(hs), &entries))
	require.NotEmpty(t, entries)
	// One call per entry (the last ones may follow close()'s promise).
	require.Eventually(t, func() bool {
		histMu.Lock()
		defer histMu.Unlock()
		return histCalls == len(entries)
	}, 5*time.Second, 10*time.Millisecond, "onHistory calls for %d entries", len(entries))

	diag, err := h.Call("diagnostics")
	require.NoError(t, err)
	ds, err := diag.String()
	require.NoError(t, err)
	var bundle struct {
		Options struct {
			Auth string `json:"auth"`
		} `json:"options"`
		Log []struct {
			Message string `json:"message"`
		} `json:"log"`
	}
	require.NoError(t, json.Unmarshal([]byte(ds), &bundle), ds)
	assert.Equal(t, "password", bundle.Options.Auth)
	assert.NotEmpty(t, bundle.Log)
	assert.NotContains(t, ds, testPassword)
	ev.mu.Lock()
	defer ev.mu.Unlock()
	for _, e := range ev.list {
		assert.NotContains(t, e[1], testPassword)
	}
}
