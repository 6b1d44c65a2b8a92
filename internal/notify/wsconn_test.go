package notify

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/ws"
)

var fakeEP = Endpoint{WebSocketURL: "ws://fake/ws/", Domain: "finesse.test", Username: "1001", Password: "pw", Resource: "crm"}

func dialFake(t *testing.T) (*fakeWS, Session, *recorder) {
	t.Helper()
	f := newFakeWS("pw")
	rec := newRecorder()
	s, err := NewWebSocketDialer(f.dial, Options{}).Dial(testCtx(t), fakeEP, rec.listener())
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return f, s, rec
}

func TestWSServerCloseIsLostAndAnswered(t *testing.T) {
	f, _, rec := dialFake(t)
	f.push(fakeClose)
	err := recv(t, rec.lost, "Lost")
	assert.ErrorIs(t, err, ErrStreamClosed, "a clean <close/> is still the side going away")
	var ce *ws.CloseError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, ws.CloseNormal, ce.Code)
	assert.Equal(t, 1, f.count("<close "), "the client answered <close/> (RFC 7395 §3.6)")
	assert.Equal(t, 1, rec.lostCount())
}

func TestWSStreamErrorThenCloseNamesBoth(t *testing.T) {
	f, s, rec := dialFake(t)
	f.push(`<stream:error xmlns:stream='http://etherx.jabber.org/streams'><system-shutdown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>`)
	f.push(fakeClose)
	f.endWith(&ws.CloseError{Code: ws.CloseNormal, Reason: "shutdown"})

	err := recv(t, rec.lost, "Lost")
	var se *StreamError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "system-shutdown", se.Condition)
	var ce *ws.CloseError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, ws.CloseNormal, ce.Code)
	assert.Contains(t, err.Error(), "system-shutdown")
	assert.Contains(t, err.Error(), "1000")
	assert.False(t, errors.Is(err, ErrStreamClosed), "the stream error is the reason, not a bare close")

	var le *LostError
	require.ErrorAs(t, s.Ping(testCtx(t)), &le, "afterwards the session says it was lost")
}

func TestWSDropIsAbnormal(t *testing.T) {
	f, s, rec := dialFake(t)
	f.endWith(&ws.CloseError{Code: ws.CloseAbnormal})
	err := recv(t, rec.lost, "Lost")
	var ce *ws.CloseError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, ws.CloseAbnormal, ce.Code)
	assert.Equal(t, "notify: session lost: websocket closed abnormally (1006)", err.Error())
	var le *LostError
	require.ErrorAs(t, s.Ping(testCtx(t)), &le)
}

func TestWSCloseIsTheClosingHandshake(t *testing.T) {
	f, s, rec := dialFake(t)
	require.NoError(t, s.Ping(testCtx(t)))
	require.NoError(t, s.Close())
	assert.Equal(t, 1, f.count("<close "), "one <close/>")
	assert.Equal(t, ws.CloseNormal, f.closedByClient(), "the socket is closed with 1000")
	assert.Zero(t, rec.lostCount(), "Close does not report Lost")
	assert.ErrorIs(t, s.Ping(testCtx(t)), ErrClosed)
}

func TestWSBadPasswordOnce(t *testing.T) {
	f := newFakeWS("other")
	_, err := NewWebSocketDialer(f.dial, Options{}).Dial(testCtx(t), fakeEP, newRecorder().listener())
	assert.ErrorIs(t, err, ErrUnauthorized)
	assert.False(t, errors.Is(err, ws.ErrDial))
	assert.Equal(t, 1, f.count(`mechanism="PLAIN"`))
	assert.Equal(t, ws.CloseNormal, f.closedByClient(), "the socket is released")
}

func TestWSDialHonoursContextOnASilentServer(t *testing.T) {
	f := newFakeWS("pw")
	f.setSilent()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := NewWebSocketDialer(f.dial, Options{}).Dial(ctx, fakeEP, newRecorder().listener())
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.False(t, errors.Is(err, ws.ErrDial), "the socket was open: not a reason to fall back")
	assert.NotZero(t, f.closedByClient(), "the socket is released")
}

func TestWSOpenTimeoutIsADialFailure(t *testing.T) {
	hang := func(ctx context.Context, _ string) (ws.Conn, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	_, err := NewWebSocketDialer(hang, Options{OpenTimeout: 20 * time.Millisecond}).Dial(testCtx(t), fakeEP, Listener{})
	assert.ErrorIs(t, err, ws.ErrDial, "a port that swallows the handshake allows falling back")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

// stubDialer is a Dialer that answers with err (or a nil session) and
// counts its calls.
type stubDialer struct {
	err   error
	calls int
}

type stubSession struct{ Session }

func (d *stubDialer) Dial(context.Context, Endpoint, Listener) (Session, error) {
	d.calls++
	if d.err != nil {
		return nil, d.err
	}
	return stubSession{}, nil
}

func TestFallbackDialerFallsBackOnlyWhenTheSocketCannotOpen(t *testing.T) {
	dialErr := errors.Join(ws.ErrDial, errors.New("connection refused"))
	cases := []struct {
		name     string
		primary  error
		cancel   bool
		fallback bool
	}{
		{"socket opened", nil, false, false},
		{"socket could not open", dialErr, false, true},
		{"no xmpp subprotocol", errors.Join(ws.ErrDial, ws.ErrSubprotocol), false, true},
		{"refused login", &AuthError{Condition: "not-authorized"}, false, false},
		{"negotiation failed", &StreamError{Condition: "host-unknown"}, false, false},
		{"caller gave up", dialErr, true, false},
		{"unauthorized even if wrapped with ErrDial", errors.Join(ws.ErrDial, ErrUnauthorized), false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, fb := &stubDialer{err: tc.primary}, &stubDialer{}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.cancel {
				cancel()
			}
			s, err := NewFallbackDialer(p, fb).Dial(ctx, fakeEP, Listener{})
			assert.Equal(t, 1, p.calls)
			if tc.fallback {
				assert.Equal(t, 1, fb.calls)
				assert.NoError(t, err)
				assert.NotNil(t, s)
				return
			}
			assert.Zero(t, fb.calls, "no fallback")
			if tc.primary != nil {
				assert.ErrorIs(t, err, tc.primary)
			}
		})
	}

	// A side reached only over the fallback is dialled over it directly
	// from then on; a side where both failed is tried over WebSocket again.
	p, fb := &stubDialer{err: dialErr}, &stubDialer{}
	fd := NewFallbackDialer(p, fb)
	for range 3 {
		_, err := fd.Dial(context.Background(), fakeEP, Listener{})
		require.NoError(t, err)
	}
	assert.Equal(t, 1, p.calls, "WebSocket is not tried again on a side that has none")
	assert.Equal(t, 3, fb.calls)
	other := fakeEP
	other.WebSocketURL = "ws://other.example/ws/"
	_, err := fd.Dial(context.Background(), other, Listener{})
	require.NoError(t, err)
	assert.Equal(t, 2, p.calls, "remembered per WebSocket URL")

	p, fb = &stubDialer{err: dialErr}, &stubDialer{err: errors.Join(ws.ErrDial, errors.New("refused"))}
	fd = NewFallbackDialer(p, fb)
	for range 2 {
		_, err := fd.Dial(context.Background(), fakeEP, Listener{})
		require.Error(t, err)
	}
	assert.Equal(t, 2, p.calls, "a side down on both transports is not marked WebSocket-less")

	// The fallback's error is the one callers act on.
	p, fb = &stubDialer{err: dialErr}, &stubDialer{err: &AuthError{Condition: "not-authorized"}}
	_, err = NewFallbackDialer(p, fb).Dial(context.Background(), fakeEP, Listener{})
	assert.ErrorIs(t, err, ErrUnauthorized)
	assert.Contains(t, err.Error(), "connection refused", "the primary's failure is in the message")
}

func TestWSConnReadsOneMessagePerRead(t *testing.T) {
	f := newFakeWS("pw")
	c := newWSConn(f)
	defer c.release()
	f.push(`<a/>`)
	f.push(`<b>xyz</b>`)
	f.push(`  `) // whitespace alone is no message
	f.push(fakeClose)
	buf := make([]byte, 3)
	var got []string
	for {
		n, err := c.Read(buf)
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		got = append(got, string(buf[:n]))
	}
	assert.Equal(t, []string{"<a/", ">", "<b>", "xyz", "</b", ">"}, got, "no Read spans two messages")
	assert.Equal(t, 1, f.count("<close "), "the server's <close/> was answered")
}
