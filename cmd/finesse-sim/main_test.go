package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
	"github.com/finesse-ha/finesse-ha/internal/sim"
)

// syncBuffer is a bytes.Buffer safe to read while run writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRunServesBothSidesAndStopsOnCancel(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "index.html"), []byte("demo"), 0o644))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	pairs := make(chan *sim.Pair, 1)
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		done <- run(ctx, []string{"-mode", "uccx", "-port-a", "0", "-port-b", "0", "-control-port", "0",
			"-serve-dir", dir, "-signin", "-quiet", "-password", "Zz9-unique-pw"}, &out, io.Discard, func(p *sim.Pair) { pairs <- p })
	}()
	var p *sim.Pair
	select {
	case p = <-pairs:
	case err := <-done:
		t.Fatalf("run ended early: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("not ready")
	}
	t.Logf("in-process startup: %s", time.Since(start))
	for _, s := range []*sim.Side{p.A(), p.B()} {
		resp, err := http.Get(s.URL() + "/finesse/api/SystemInfo")
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		si, err := finesse.DecodeSystemInfo(body)
		require.NoError(t, err)
		assert.Equal(t, finesse.DeploymentUCCX, si.DeploymentType)
		assert.Equal(t, s.Host(), si.XMPPDomain)
		assert.Contains(t, out.String(), s.URL())
		assert.Contains(t, out.String(), "WS "+s.WSURL())
	}
	u, err := p.User("1001001")
	require.NoError(t, err)
	assert.Equal(t, finesse.StateNotReady, u.State, "-signin")
	assert.Contains(t, out.String(), "demo     "+p.ControlURL())
	assert.NotContains(t, out.String(), "Zz9-unique-pw", "the password is never printed")

	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("did not stop")
	}
	_, err = http.Get(p.A().URL() + "/finesse/api/SystemInfo")
	assert.Error(t, err, "listeners closed")
}

func TestRunRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-mode", "pcce"},
		{"-serve-dir", "/does/not/exist"},
		{"-agents", "-3"},
		{"extra"},
	} {
		err := run(context.Background(), args, io.Discard, io.Discard, nil)
		assert.Error(t, err, "%v", args)
	}
}

// -sso: SystemInfo says SSO, passwords are refused, and POST /control/token
// issues a token that works as Bearer.
func TestRunSSOMode(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pairs := make(chan *sim.Pair, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-sso", "-port-a", "0", "-port-b", "0", "-control-port", "0", "-quiet"},
			io.Discard, io.Discard, func(p *sim.Pair) { pairs <- p })
	}()
	var p *sim.Pair
	select {
	case p = <-pairs:
	case err := <-done:
		t.Fatalf("run ended early: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("not ready")
	}
	get := func(url, authz string) int {
		req, err := http.NewRequest(http.MethodGet, url, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", authz)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	user := p.A().URL() + "/finesse/api/User/1001001"
	assert.Equal(t, http.StatusUnauthorized, get(user, "Basic MTAwMTAwMTpwYXNzd29yZA=="), "1001001:password is refused in SSO mode")
	resp, err := http.Post(p.ControlURL()+"/control/token?lifetime=30s", "", nil)
	require.NoError(t, err)
	var tok struct{ Token string }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&tok))
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, get(user, "Bearer "+tok.Token))
	cancel()
	require.NoError(t, <-done)
}
