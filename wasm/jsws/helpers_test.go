//go:build js && wasm

package jsws

import (
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hack-pad/safejs"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/httpx"
	"github.com/finesse-ha/finesse-ha/internal/ws"
	"github.com/finesse-ha/finesse-ha/wasm/jsfetch"
)

// env returns a variable build/wasmtest sets. Running without it is a setup
// error, reported as a failure: a browser suite that skips passes without
// having tested anything.
func env(t *testing.T, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		t.Fatalf("%s is not set: run the browser tests with `go run ./build/wasmtest ./wasm/...` (make test-wasm)", name)
	}
	return v
}

// wsURL is the test host's WebSocket endpoint path (build/wasmtest/wshost.go).
func wsURL(t *testing.T, path string) string {
	return env(t, "FINESSE_HA_TESTHOST_WS") + path
}

// testCtx bounds each test so that a lost event fails it instead of hanging
// the whole browser run.
func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func dial(t *testing.T, path string) ws.Conn {
	t.Helper()
	c, err := Dial(testCtx(t), wsURL(t, path))
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close(ws.CloseNormal, "") })
	return c
}

// get fetches a test host URL (path) and returns status and body.
func get(t *testing.T, path string) (int, string) {
	t.Helper()
	return fetch(t, http.MethodGet, env(t, "FINESSE_HA_TESTHOST")+path, "", "")
}

// fetch sends one request through the fetch Doer and returns status and
// body; contentType is set when body is not empty. It bounds itself rather
// than using testCtx, so that it also works in t.Cleanup (restoring a
// fault after the test).
func fetch(t *testing.T, method, url, contentType, body string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req := httpx.NewRequest(ctx, method, url, []byte(body))
	if body != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := (&jsfetch.Transport{}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// serverSawClose waits until the test host's socket id ended and returns
// "<code> <reason>" of the close frame it received, or "none".
func serverSawClose(t *testing.T, id string) string {
	t.Helper()
	code, body := get(t, "/ws/closed?id="+id)
	require.Equal(t, http.StatusOK, code, "server: %s", body)
	return body
}

// uniqueID names a server-side socket after the test, so runs never share
// server state.
func uniqueID(t *testing.T) string {
	return strings.NewReplacer("/", "-", " ", "-").Replace(t.Name()) + "-" + time.Now().Format("150405.000000000")
}

func requireCloseError(t *testing.T, err error, code int, reason string) {
	t.Helper()
	var ce *ws.CloseError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, ws.CloseError{Code: code, Reason: reason}, *ce)
}

// installFakeWebSocket replaces the page's WebSocket for the test with a
// stand-in that opens on the next task with the given selected protocol.
// The returned object records the constructor's protocols and the code of
// the last close() call.
func installFakeWebSocket(t *testing.T, protocol string) safejs.Value {
	t.Helper()
	g := safejs.Global()
	orig, err := g.Get("WebSocket")
	require.NoError(t, err)
	t.Cleanup(func() { _ = g.Set("WebSocket", orig) })
	mk, err := g.Get("Function")
	require.NoError(t, err)
	f, err := mk.New("protocol", `
		const rec = {protocols: "", closedWith: ""};
		class FakeWebSocket {
			constructor(url, protocols) {
				rec.protocols = String(protocols);
				this.protocol = "";
				setTimeout(() => { this.protocol = protocol; if (this.onopen) this.onopen({}); }, 0);
			}
			send() {}
			close(code) { rec.closedWith = String(code); }
		}
		globalThis.WebSocket = FakeWebSocket;
		return rec;`)
	require.NoError(t, err)
	rec, err := f.Invoke(protocol)
	require.NoError(t, err)
	return rec
}

func jsString(t *testing.T, v safejs.Value) string {
	t.Helper()
	s, err := v.String()
	require.NoError(t, err)
	return s
}
