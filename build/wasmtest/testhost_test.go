package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These check the test host natively, so that a failing browser test points
// at the Doer, not at its fixture.

func startHost(t *testing.T) *testHost {
	t.Helper()
	h, err := newTestHost("127.0.0.1:0", io.Discard)
	require.NoError(t, err)
	t.Cleanup(h.Close)
	return h
}

func do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(b)
}

func TestPreflightAllowsTheRequest(t *testing.T) {
	h := startHost(t)
	req, _ := http.NewRequest(http.MethodOptions, h.URL+"/echo", nil)
	req.Header.Set("Origin", "http://127.0.0.1:9")
	req.Header.Set("Access-Control-Request-Method", "PUT")
	req.Header.Set("Access-Control-Request-Headers", "authorization,content-type,requestid")
	resp, _ := do(t, req)
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	assert.Equal(t, "http://127.0.0.1:9", resp.Header.Get("Access-Control-Allow-Origin"))
	assert.Equal(t, "true", resp.Header.Get("Access-Control-Allow-Credentials"))
	assert.Contains(t, resp.Header.Get("Access-Control-Allow-Methods"), "PUT")
	assert.Equal(t, "authorization,content-type,requestid", resp.Header.Get("Access-Control-Allow-Headers"))
}

func TestEchoReflectsTheRequest(t *testing.T) {
	h := startHost(t)
	req, _ := http.NewRequest(http.MethodPost, h.URL+"/echo?a=b", strings.NewReader("<x/>"))
	req.Header.Set("Authorization", "Basic abc")
	req.Header.Set("RequestId", "r1")
	resp, body := do(t, req)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "r1", resp.Header.Get("X-Request-Id"))
	var e EchoReply
	require.NoError(t, json.Unmarshal([]byte(body), &e))
	assert.Equal(t, EchoReply{Method: "POST", Path: "/echo", Query: "a=b", Body: "<x/>", Header: e.Header}, e)
	assert.Equal(t, []string{"Basic abc"}, e.Header["Authorization"])
}

func TestStatusAndSystemInfo(t *testing.T) {
	h := startHost(t)
	req, _ := http.NewRequest(http.MethodGet, h.URL+"/status/503", nil)
	resp, body := do(t, req)
	assert.Equal(t, 503, resp.StatusCode)
	assert.Contains(t, body, "<ErrorMessage>SERVER_OUT_OF_SERVICE</ErrorMessage>")

	req, _ = http.NewRequest(http.MethodGet, h.URL+"/oos/finesse/api/SystemInfo", nil)
	resp, body = do(t, req)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Contains(t, body, "<status>OUT_OF_SERVICE</status>")
}

func TestStreamWaitsForNext(t *testing.T) {
	h := startHost(t)
	resp, err := http.Get(h.URL + "/stream?chunks=2&id=s1")
	require.NoError(t, err)
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	line, err := r.ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "chunk 0\n", line)
	next, err := http.Post(h.URL+"/stream/next?id=s1", "", nil)
	require.NoError(t, err)
	next.Body.Close()
	assert.Equal(t, http.StatusNoContent, next.StatusCode)
	line, err = r.ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "chunk 1\n", line)
	_, err = r.ReadByte()
	assert.ErrorIs(t, err, io.EOF)
}

func TestHangReportsArrivalAndDisconnect(t *testing.T) {
	h := startHost(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h.URL+"/hang?id=h1", nil)
		_, err := http.DefaultClient.Do(req)
		errc <- err
	}()
	req, _ := http.NewRequest(http.MethodGet, h.URL+"/arrived?id=h1", nil)
	_, body := do(t, req)
	require.Equal(t, "arrived", body)
	cancel()
	require.ErrorIs(t, <-errc, context.Canceled)
	req, _ = http.NewRequest(http.MethodGet, h.URL+"/disconnected?id=h1", nil)
	_, body = do(t, req)
	assert.Equal(t, "disconnected", body)
}

func TestBadParametersAreRefused(t *testing.T) {
	h := startHost(t)
	for _, path := range []string{"/status/abc", "/status/99", "/slow?ms=-1", "/stream?chunks=0&id=x", "/big?size=-1", "/hang", "/arrived"} {
		req, _ := http.NewRequest(http.MethodGet, h.URL+path, nil)
		resp, _ := do(t, req)
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, path)
	}
}

func TestTestEnvIsSmallAndComplete(t *testing.T) {
	base := []string{
		"PATH=/usr/bin", "HOME=/root", "GOFLAGS=-mod=mod", "GOOS=linux", "GOARCH=amd64",
		"CI=true", "AWS_SECRET_ACCESS_KEY=nope", "HUGE=" + strings.Repeat("x", 10000),
	}
	env, err := testEnv(base, map[string]string{EnvTestHost: "http://127.0.0.1:1"})
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{
		"PATH=/usr/bin", "HOME=/root", "GOFLAGS=-mod=mod", "CI=true",
		"GOOS=js", "GOARCH=wasm", EnvTestHost + "=http://127.0.0.1:1",
	}, env)

	_, err = testEnv([]string{"PATH=" + strings.Repeat("p", envLimit)}, nil)
	assert.ErrorContains(t, err, "PATH")
}

func TestHasTimeout(t *testing.T) {
	assert.True(t, hasTimeout([]string{"-timeout", "1s", "./..."}))
	assert.True(t, hasTimeout([]string{"-v", "-timeout=1s"}))
	assert.False(t, hasTimeout([]string{"-v", "./wasm/..."}))
	assert.False(t, hasTimeout([]string{"./x", "-args", "-timeout=1s"}), "flags after -args belong to the test binary")
}

func TestMissingChromiumFails(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("CI", "true")
	err := requireChromium()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "CI machine")
	assert.Contains(t, err.Error(), "never skipped")
}

func TestSlowAnswers(t *testing.T) {
	h := startHost(t)
	req, _ := http.NewRequest(http.MethodGet, h.URL+"/slow?ms=10", nil)
	_, body := do(t, req)
	assert.Equal(t, "done", body)
}
