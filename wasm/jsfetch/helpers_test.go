//go:build js && wasm

package jsfetch

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/httpx"
)

// testHost is the base URL of build/wasmtest's test host. Running these
// tests without it is a setup error, reported as a failure: a fetch suite
// that skips would pass without having tested anything.
func testHost(t *testing.T) string {
	t.Helper()
	u := os.Getenv("FINESSE_HA_TESTHOST")
	if u == "" {
		t.Fatal("FINESSE_HA_TESTHOST is not set: run the browser tests with `go run ./build/wasmtest ./wasm/...` (make test-wasm)")
	}
	return u
}

// testCtx bounds each test so that a broken stream fails it instead of
// hanging the whole browser run.
func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func newRequest(t *testing.T, ctx context.Context, method, url string, body []byte) *httpx.Request {
	t.Helper()
	return httpx.NewRequest(ctx, method, url, body)
}

// get fetches url and returns its status and body.
func get(t *testing.T, ctx context.Context, url string) (int, string) {
	t.Helper()
	resp, err := (&Transport{}).Do(newRequest(t, ctx, http.MethodGet, url, nil))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// requireServerSaw waits (on the server, no client-side sleeping) until the
// test host saw event ("arrived" or "disconnected") for request id.
func requireServerSaw(t *testing.T, event, id string) {
	t.Helper()
	code, body := get(t, testCtx(t), testHost(t)+"/"+event+"?id="+id)
	require.Equal(t, http.StatusOK, code, "server: %s", body)
	require.Equal(t, event, body)
}

// echoReply mirrors build/wasmtest's EchoReply.
type echoReply struct {
	Method string              `json:"method"`
	Path   string              `json:"path"`
	Query  string              `json:"query"`
	Header map[string][]string `json:"header"`
	Body   string              `json:"body"`
}

func decodeEcho(t *testing.T, resp *httpx.Response) echoReply {
	t.Helper()
	defer resp.Body.Close()
	var e echoReply
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&e))
	return e
}

// uniqueID names a server-side request after the test, so runs never share
// server state.
func uniqueID(t *testing.T) string {
	return strings.NewReplacer("/", "-", " ", "-").Replace(t.Name()) + "-" + time.Now().Format("150405.000000000")
}
