package xmpptest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFilesMatchProsodyEncoding(t *testing.T) {
	assert.Equal(t, "finesse%2etest", dataName("finesse.test"))
	assert.Equal(t, "a%40b", dataName("a@b"))
	assert.Equal(t, `"a\"b\\c\010"`, luaString("a\"b\\c\n"))
}

func TestServerLifecycle(t *testing.T) {
	srv := Start(t, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	for _, f := range []string{"accounts/1001.dat", "roster/1001.dat", "roster/finesse.dat"} {
		_, err := os.Stat(filepath.Join(srv.Dir, "data", "finesse%2etest", f))
		require.NoError(t, err, f)
	}

	checkAccountsAndPubsub(t, ctx, srv)

	fin, err := srv.Finesse(ctx)
	require.NoError(t, err)
	require.NoError(t, fin.Close())

	srv.Kill()
	assert.False(t, srv.Running())
	srv.Restart()
	assert.True(t, srv.Running())
	ctx = afterRestart(t)
	a2, err := srv.Admin(ctx)
	require.NoError(t, err, "accounts survive a restart")
	require.NoError(t, a2.Close())
	srv.Stop()
	assert.False(t, srv.Running())
	assert.NotContains(t, srv.Log(), portBusyMarker)
	assert.True(t, strings.Contains(srv.Log(), "Serving 'bosh'"))
}

// wsHandshake asks path for an RFC 7395 WebSocket by hand (this package
// has no WebSocket client) and returns the status line and the selected
// subprotocol.
func wsHandshake(t *testing.T, srv *Server, path string) (status, proto string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(srv.httpPort), 5*time.Second)
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SetDeadline(time.Now().Add(5*time.Second)))
	_, err = fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: xmpp\r\n\r\n", path)
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	require.NoError(t, err)
	return resp.Status, resp.Header.Get("Sec-WebSocket-Protocol")
}

func TestServerWebSocket(t *testing.T) {
	srv := Start(t, Options{})
	u, err := url.Parse(srv.WebSocketURL)
	require.NoError(t, err)
	assert.Equal(t, "ws", u.Scheme)
	for _, path := range []string{u.Path, u.Path + "/"} {
		status, proto := wsHandshake(t, srv, path)
		assert.True(t, strings.HasPrefix(status, "101"), "%s: %s", path, status)
		assert.Equal(t, "xmpp", proto, path)
	}
}

// TestLaunchWithoutTest is the runner's path: no testing.TB, Relaunch after
// a kill keeps the data, Close removes the directory.
func TestLaunchWithoutTest(t *testing.T) {
	srv, err := Launch(Options{})
	if errors.Is(err, ErrNoProsody) && !Required() {
		t.Skip(err)
	}
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	admin, err := srv.Admin(ctx)
	require.NoError(t, err)
	require.NoError(t, admin.CreateNode(ctx, "/finesse/api/User/1001"))
	require.NoError(t, admin.Close())

	srv.Kill()
	assert.False(t, srv.Running())
	require.NoError(t, srv.Relaunch())
	assert.True(t, srv.Running())
	admin, err = srv.Admin(ctx)
	require.NoError(t, err, "the accounts survive")
	require.NoError(t, admin.SubscribeOther(ctx, "/finesse/api/User/1001", srv.JID("1001")), "the node survives")
	require.NoError(t, admin.Close())

	require.NoError(t, srv.Close())
	assert.False(t, srv.Running())
	_, err = os.Stat(srv.Dir)
	assert.ErrorIs(t, err, os.ErrNotExist, "Close removes Launch's directory")
	assert.NoError(t, srv.Close(), "Close is idempotent")
}

// TestEjabberdLifecycle: ejabberd runs from the test's directory as the
// current user, with the accounts and pubsub the package promises, has its
// accounts after Restart, and leaves no process behind.
func TestEjabberdLifecycle(t *testing.T) {
	srv := Start(t, Options{Kind: Ejabberd})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	checkAccountsAndPubsub(t, ctx, srv)

	srv.Restart()
	a2, err := srv.Admin(afterRestart(t))
	require.NoError(t, err, "the accounts are there after a restart")
	require.NoError(t, a2.Close())
	pid := srv.cmd.Process.Pid
	srv.Stop()
	assert.False(t, srv.Running())
	assert.Error(t, syscallKill0(-pid), "the whole process group (erl's helpers) is gone")
}

func syscallKill0(pid int) error { return syscall.Kill(pid, 0) }

// afterRestart is a fresh context for what a test does once Restart has
// returned: a restart may take up to readyTimeout (an ejabberd start took
// up to about 35 s on a loaded machine), which a context started before it
// would spend.
func afterRestart(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// checkAccountsAndPubsub: the admin owns pubsub (create, subscribe an
// agent, publish) and a bad password is refused.
func checkAccountsAndPubsub(t *testing.T, ctx context.Context, srv *Server) {
	t.Helper()
	admin, err := srv.Admin(ctx)
	require.NoError(t, err)
	require.NoError(t, admin.CreateNode(ctx, "/finesse/api/User/1001"))
	require.NoError(t, admin.CreateNode(ctx, "/finesse/api/User/1001"), "re-creating a node is not an error")
	require.NoError(t, admin.SubscribeOther(ctx, "/finesse/api/User/1001", srv.JID("1001")))
	require.NoError(t, admin.PublishUpdate(ctx, "/finesse/api/User/1001", "i1", "<Update><event>PUT</event></Update>"))
	require.NoError(t, admin.Close())
	_, err = srv.Login(ctx, "1001", "wrong", "x")
	require.Error(t, err, "a bad password is refused")
}
