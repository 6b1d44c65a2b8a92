//go:build js && wasm

package jsws

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/finesse-ha/finesse-ha/internal/ws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var _ ws.DialFunc = Dial

func TestEchoRoundTrip(t *testing.T) {
	c := dial(t, "/ws/echo")
	ctx := testCtx(t)

	// Non-ASCII survives the JS string conversion both ways.
	small := `<message><body>café € 𝄞</body></message>`
	require.NoError(t, c.Write(ctx, []byte(small)))
	got, err := c.Read(ctx)
	require.NoError(t, err)
	assert.Equal(t, small, string(got))

	var b strings.Builder
	for i := 0; b.Len() < 100<<10; i++ {
		b.WriteString("<item n='" + strconv.Itoa(i) + "'/>")
	}
	big := b.String()
	require.NoError(t, c.Write(ctx, []byte(big)))
	got, err = c.Read(ctx)
	require.NoError(t, err)
	require.Equal(t, len(big), len(got))
	assert.True(t, big == string(got), "100 KB message changed on the way")
}

func TestOrderOfManyMessages(t *testing.T) {
	c := dial(t, "/ws/echo")
	ctx := testCtx(t)
	const n = 1000
	for i := range n {
		require.NoError(t, c.Write(ctx, []byte("<n>"+strconv.Itoa(i)+"</n>")))
	}
	for i := range n {
		got, err := c.Read(ctx)
		require.NoError(t, err)
		require.Equal(t, "<n>"+strconv.Itoa(i)+"</n>", string(got))
	}
}

func TestServerCloseAfterQueuedMessages(t *testing.T) {
	c := dial(t, "/ws/close?code=1000&reason=see+you&n=3")
	ctx := testCtx(t)
	for _, want := range []string{"m0", "m1", "m2"} {
		got, err := c.Read(ctx)
		require.NoError(t, err, "queued messages come before the close")
		assert.Equal(t, want, string(got))
	}
	_, err := c.Read(ctx)
	requireCloseError(t, err, 1000, "see you")
	_, err = c.Read(ctx)
	requireCloseError(t, err, 1000, "see you")

	err = c.Write(ctx, []byte("<presence/>"))
	requireCloseError(t, err, 1000, "see you")
	assert.NoError(t, c.Close(ws.CloseNormal, ""))
	assert.NoError(t, c.Close(ws.CloseNormal, ""), "a second Close is harmless")

	// The handlers were detached and released with the close event.
	jc := c.(*conn)
	assert.Nil(t, jc.funcs)
	for _, h := range []string{"onopen", "onmessage", "onclose", "onerror"} {
		v, err := jc.sock.Get(h)
		require.NoError(t, err)
		assert.True(t, v.IsNull(), h)
	}
}

func TestServerCloseApplicationCode(t *testing.T) {
	c := dial(t, "/ws/close?code=4010&reason=policy&n=0")
	_, err := c.Read(testCtx(t))
	requireCloseError(t, err, 4010, "policy")
}

func TestDropWithoutCloseFrameIs1006(t *testing.T) {
	c := dial(t, "/ws/drop")
	ctx := testCtx(t)
	require.NoError(t, c.Write(ctx, []byte("drop now")))
	_, err := c.Read(ctx)
	requireCloseError(t, err, ws.CloseAbnormal, "")
	assert.NotPanics(t, func() {
		requireCloseError(t, c.Write(ctx, []byte("late")), ws.CloseAbnormal, "")
	})
}

func TestRefusedPortIsDialError(t *testing.T) {
	u := strings.Replace(env(t, "FINESSE_HA_CLOSED_URL"), "http://", "ws://", 1)
	c, err := Dial(testCtx(t), u)
	require.Error(t, err)
	assert.Nil(t, c)
	assert.ErrorIs(t, err, ws.ErrDial)
	assert.NotErrorIs(t, err, ws.ErrSubprotocol)
	var de *DialError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, ws.CloseAbnormal, de.Code)
	assert.Contains(t, err.Error(), "could not open")
}

// Chromium itself fails a handshake whose answer selects no subprotocol
// although one was offered ("Sent non-empty 'Sec-WebSocket-Protocol'
// header but no response was received"), so the page only sees a socket
// that never opened.
func TestServerWithoutSubprotocolIsRefused(t *testing.T) {
	c, err := Dial(testCtx(t), wsURL(t, "/ws/noproto"))
	require.Error(t, err)
	assert.Nil(t, c)
	assert.ErrorIs(t, err, ws.ErrDial)
}

// A browser that opens the socket anyway (or a proxy that strips the
// header) must not get past Dial: checked with a stand-in WebSocket that
// opens with an empty protocol.
func TestOpenWithoutSubprotocolIsClosed(t *testing.T) {
	fake := installFakeWebSocket(t, "")
	c, err := Dial(testCtx(t), "ws://127.0.0.1:1/ws/")
	require.Error(t, err)
	assert.Nil(t, c)
	assert.ErrorIs(t, err, ws.ErrSubprotocol)
	assert.ErrorIs(t, err, ws.ErrDial)
	closed, err := fake.Get("closedWith")
	require.NoError(t, err)
	assert.Equal(t, "1000", jsString(t, closed), "the socket was closed")
	proto, err := fake.Get("protocols")
	require.NoError(t, err)
	assert.Equal(t, "xmpp", jsString(t, proto), "xmpp was offered")
}

func TestFakeWebSocketWithXMPPOpens(t *testing.T) {
	// Positive control for the test above: the same stand-in with the
	// protocol selected dials fine.
	installFakeWebSocket(t, "xmpp")
	c, err := Dial(testCtx(t), "ws://127.0.0.1:1/ws/")
	require.NoError(t, err)
	require.NoError(t, c.Close(ws.CloseNormal, ""))
}

func TestBadURLIsDialErrorWithoutCredentials(t *testing.T) {
	for _, u := range []string{"not a url", "ftp://127.0.0.1/", "ws://127.0.0.1:1/x#frag", "ws://user:s3cret@[bad"} {
		_, err := Dial(testCtx(t), u)
		require.Error(t, err, u)
		assert.ErrorIs(t, err, ws.ErrDial, u)
		assert.NotContains(t, err.Error(), "s3cret")
		t.Log(err)
	}
	_, err := Dial(testCtx(t), "ws://user:s3cret@127.0.0.1:1/x")
	assert.ErrorIs(t, err, errUserinfo, "refused before the browser sees the password")
}

func TestDialContext(t *testing.T) {
	t.Run("already done", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := Dial(ctx, wsURL(t, "/ws/echo"))
		assert.ErrorIs(t, err, ws.ErrDial)
		assert.ErrorIs(t, err, context.Canceled)
	})
	t.Run("cancelled during the handshake", func(t *testing.T) {
		// /hang never answers the upgrade request, so the socket stays
		// CONNECTING until the context ends.
		id := uniqueID(t)
		ctx, cancel := context.WithCancel(testCtx(t))
		done := make(chan error, 1)
		go func() {
			_, err := Dial(ctx, wsURL(t, "/hang?id="+id))
			done <- err
		}()
		code, body := get(t, "/arrived?id="+id)
		require.Equal(t, 200, code, body)
		cancel()
		err := <-done
		assert.ErrorIs(t, err, ws.ErrDial)
		assert.ErrorIs(t, err, context.Canceled)
		code, body = get(t, "/disconnected?id="+id)
		assert.Equal(t, 200, code, "the browser dropped the handshake: %s", body)
	})
}

func TestReadContextEndsPendingRead(t *testing.T) {
	id := uniqueID(t)
	c := dial(t, "/ws/echo?id="+id)
	ctx, cancel := context.WithCancel(testCtx(t))
	done := make(chan error, 1)
	go func() {
		_, err := c.Read(ctx)
		done <- err
	}()
	cancel()
	err := <-done
	require.ErrorIs(t, err, context.Canceled)
	var ce *ws.CloseError
	assert.False(t, errors.As(err, &ce), "a cancelled Read is not a close by the peer")
	assert.Equal(t, "1000 ", serverSawClose(t, id), "the socket was closed")

	// Unusable afterwards, and saying why.
	_, err = c.Read(testCtx(t))
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, c.Write(testCtx(t), []byte("x")), context.Canceled)
}

func TestCloseSendsMappedCodeOnce(t *testing.T) {
	long := strings.Repeat("é", 100) // 200 bytes; a close frame holds 123
	for _, tc := range []struct {
		code       int
		reason     string
		wantCode   int
		wantReason string
	}{
		{1000, "bye", 1000, "bye"},
		{4001, "conflict", 4001, "conflict"},
		{1006, "", 1000, ""},         // reserved: never sent on the wire
		{1001, "away", 1000, "away"}, // browsers refuse 1001 from script
		{2999, "", 1000, ""},
		{3000, long, 3000, strings.Repeat("é", 61)},
	} {
		t.Run(strconv.Itoa(tc.code), func(t *testing.T) {
			id := uniqueID(t)
			c := dial(t, "/ws/echo?id="+id)
			ctx := testCtx(t)
			require.NoError(t, c.Close(tc.code, tc.reason))
			require.NoError(t, c.Close(4999, "again"), "a second Close is harmless")
			assert.Equal(t, strconv.Itoa(tc.wantCode)+" "+tc.wantReason, serverSawClose(t, id))
			_, err := c.Read(ctx)
			requireCloseError(t, err, tc.wantCode, tc.wantReason)
			assert.NotPanics(t, func() {
				requireCloseError(t, c.Write(ctx, []byte("late")), tc.wantCode, tc.wantReason)
			})
		})
	}
}

func TestCloseWakesPendingRead(t *testing.T) {
	c := dial(t, "/ws/echo")
	done := make(chan error, 1)
	go func() {
		_, err := c.Read(testCtx(t))
		done <- err
	}()
	require.NoError(t, c.Close(4002, "stop"))
	requireCloseError(t, <-done, 4002, "stop")
}

func TestTruncate(t *testing.T) {
	assert.Equal(t, "abc", truncate("abc", 3))
	assert.Equal(t, "ab", truncate("abc", 2))
	assert.Equal(t, "a", truncate("aé", 2), "never half a rune")
	assert.Equal(t, "", truncate("é", 1))
}
