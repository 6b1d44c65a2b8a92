package notify

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
)

// streamConn is the connection the stream layer (xmlStream) runs over, as RFC 7395
// framing (<open/>, one element at a time, <close/>): a boshConn or a
// wsConn. The session needs a few things of it beyond reading and writing,
// all of which differ by transport.
type streamConn interface {
	io.ReadWriter
	// abort makes pending and future Reads and Writes fail with cause; the
	// transport itself is left to terminate and release.
	abort(cause error)
	// authFailure is the condition of a SASL <failure/> seen on the way
	// in, "" if none.
	authFailure() string
	// transportErr is why the transport failed, nil while it is up or
	// when we ended it ourselves.
	transportErr() error
	// terminate leaves politely and boundedly, once: BOSH sends a terminate
	// with an unavailable presence, WebSocket the closing handshake.
	terminate()
	// lostCause says why an established stream ended, given the error the
	// receive loop (or the negotiation) returned.
	lostCause(serveErr error) error
	// release frees the transport once nothing reads it any more.
	release()
	// established says the negotiation is over and the session handed out.
	established()
}

// saslFailure returns the condition of a SASL <failure/> element, seen by
// the transport on the way in: a server may end the stream right behind
// it, and Dial must still tell bad credentials (never retried) from
// everything else.
func saslFailure(el []byte) (string, bool) {
	if !bytes.Contains(el, []byte(nsSASL)) || !bytes.HasPrefix(el, []byte("<failure")) {
		return "", false
	}
	var f struct {
		XMLName xml.Name
		Conds   []struct {
			XMLName xml.Name
		} `xml:",any"`
	}
	if xml.Unmarshal(el, &f) != nil || f.XMLName.Space != nsSASL || f.XMLName.Local != "failure" {
		return "", false
	}
	cond := "not-authorized" // RFC 6120 §6.5: a failure must name one; assume the usual
	for _, x := range f.Conds {
		if x.XMLName.Local != "text" {
			cond = x.XMLName.Local
			break
		}
	}
	return cond, true
}

// establish runs what every transport shares once its connection is open:
// the negotiation (SASL PLAIN, restart, bind), the receive loop, the
// initial presence. On failure it ends conn and says why.
func establish(ctx context.Context, conn streamConn, a addrs, ep Endpoint, opts Options, l Listener) (Session, error) {
	// The negotiation blocks in the transport's Read, which must be woken
	// when the caller gives up.
	stop := context.AfterFunc(ctx, func() { conn.abort(context.Cause(ctx)) })
	defer stop()

	x := newXMLStream(conn, a.domain.String())
	bound, err := login(x, ep.Username, ep.Password, a.origin.resource)
	if err != nil {
		return nil, dialFailed(ctx, conn, err)
	}

	s := newSession(x, conn, a, bound, l)
	go s.serve()
	if !opts.noPresence {
		err = s.sendInitialPresence(ctx, opts.PresenceEcho)
	}
	if err == nil {
		err = s.handOut()
	}
	if err == nil {
		conn.established()
	}
	if err != nil {
		_ = s.Close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("notify: initial presence: %w", context.Cause(ctx))
		}
		return nil, fmt.Errorf("notify: initial presence: %w", err)
	}
	return s, nil
}

// dialFailed ends the transport and picks the error that says why: bad
// credentials, the transport's own failure, the caller's context, or the
// negotiation's error (a *StreamError when the server sent one).
func dialFailed(ctx context.Context, conn streamConn, err error) error {
	transport := conn.transportErr()
	cause := conn.lostCause(err)
	conn.terminate()
	conn.abort(ErrClosed)
	conn.release()
	if cond := conn.authFailure(); cond != "" {
		return &AuthError{Condition: cond}
	}
	var ae *AuthError
	if errors.As(err, &ae) {
		return ae
	}
	if transport == nil && ctx.Err() != nil {
		return fmt.Errorf("notify: XMPP negotiation: %w", context.Cause(ctx))
	}
	return fmt.Errorf("notify: XMPP negotiation: %w", cause)
}

// streamErrOf finds a stream error the server sent in err.
func streamErrOf(err error) (*StreamError, bool) {
	var se *StreamError
	if errors.As(streamErr(err), &se) {
		return se, true
	}
	return nil, false
}
