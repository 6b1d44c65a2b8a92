package failover

import (
	"context"
	"fmt"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
	"github.com/finesse-ha/finesse-ha/internal/notify"
)

// The engine wraps every adapter it is given so that a panic in a REST
// client, dialer or session becomes an ordinary error of that call. A panic
// would otherwise lose the call's continuation (a poll round that never
// completes freezes recovery), and in wasm an unrecovered one ends the page.

// PanicError is the error of an adapter call that panicked.
type PanicError struct {
	Op    string
	Value string
}

func (e *PanicError) Error() string { return fmt.Sprintf("failover: %s panicked: %s", e.Op, e.Value) }

func guard(op string, err *error) {
	if r := recover(); r != nil {
		*err = &PanicError{Op: op, Value: fmt.Sprint(r)}
	}
}

type guardedREST struct{ r REST }

func (g guardedREST) SystemInfo(ctx context.Context) (si *finesse.SystemInfo, err error) {
	defer guard("SystemInfo", &err)
	if expiredIn(ctx) {
		return nil, ErrTokenExpired
	}
	return g.r.SystemInfo(ctx)
}

func (g guardedREST) User(ctx context.Context, id string) (u *finesse.User, err error) {
	defer guard("User", &err)
	if expiredIn(ctx) {
		return nil, ErrTokenExpired
	}
	return g.r.User(ctx, id)
}

func (g guardedREST) Dialogs(ctx context.Context, id string) (ds *finesse.Dialogs, err error) {
	defer guard("Dialogs", &err)
	if expiredIn(ctx) {
		return nil, ErrTokenExpired
	}
	return g.r.Dialogs(ctx, id)
}

func (g guardedREST) Dialog(ctx context.Context, id string) (d *finesse.Dialog, err error) {
	defer guard("Dialog", &err)
	if expiredIn(ctx) {
		return nil, ErrTokenExpired
	}
	return g.r.Dialog(ctx, id)
}

func (g guardedREST) UpdateUser(ctx context.Context, id string, change finesse.UserChange, requestID string) (err error) {
	defer guard("UpdateUser", &err)
	if expiredIn(ctx) {
		return ErrTokenExpired
	}
	return g.r.UpdateUser(ctx, id, change, requestID)
}

func (g guardedREST) Do(ctx context.Context, method, path string, body []byte, requestID string) (r *RawResponse, err error) {
	defer guard("Do", &err)
	if expiredIn(ctx) {
		return nil, ErrTokenExpired
	}
	return g.r.Do(ctx, method, path, body, requestID)
}

type guardedDialer struct{ d notify.Dialer }

func (g guardedDialer) Dial(ctx context.Context, ep notify.Endpoint, l notify.Listener) (s notify.Session, err error) {
	defer guard("Dial", &err)
	if expiredIn(ctx) {
		return nil, ErrTokenExpired
	}
	s, err = g.d.Dial(ctx, ep, l)
	if s != nil {
		s = guardedSession{s}
	}
	return s, err
}

type guardedSession struct{ s notify.Session }

func (g guardedSession) Subscribe(ctx context.Context, node string) (err error) {
	defer guard("Subscribe", &err)
	return g.s.Subscribe(ctx, node)
}

func (g guardedSession) Unsubscribe(ctx context.Context, node string) (err error) {
	defer guard("Unsubscribe", &err)
	return g.s.Unsubscribe(ctx, node)
}

func (g guardedSession) Ping(ctx context.Context) (err error) {
	defer guard("Ping", &err)
	return g.s.Ping(ctx)
}

func (g guardedSession) Close() (err error) {
	defer guard("Close", &err)
	return g.s.Close()
}

// Transport passes the wrapped session's transport name through (see
// transportOf).
func (g guardedSession) Transport() (name string) {
	var err error
	defer guard("Transport", &err)
	return transportOf(g.s)
}

// transportOf names a session's notification transport when the session
// says (notify's sessions do); fakes and older Dialers need not.
func transportOf(s notify.Session) string {
	if t, ok := s.(interface{ Transport() string }); ok {
		return t.Transport()
	}
	return ""
}
