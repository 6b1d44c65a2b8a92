package failover

import (
	"context"
	"errors"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

// FinesseREST adapts internal/finesse's REST client of one side to the REST
// interface, so that internal/client wires a side as
//
//	c, _ := finesse.NewClient(base, doer, auth)
//	failover.Side{Host: host, REST: failover.FinesseREST(c), Dialer: d, Endpoint: ep}
//
// The engine's requestIds reach the requestId header through
// finesse.ContextWithRequestID; the client's typed errors (ErrUnauthorized,
// ErrOutOfService, ErrTransport ...) are classified as they are.
func FinesseREST(c *finesse.Client) REST { return finesseREST{c} }

type finesseREST struct{ c *finesse.Client }

func (r finesseREST) SystemInfo(ctx context.Context) (*finesse.SystemInfo, error) {
	return r.c.GetSystemInfo(withAuth(ctx))
}

func (r finesseREST) User(ctx context.Context, id string) (*finesse.User, error) {
	return r.c.GetUser(withAuth(ctx), id)
}

func (r finesseREST) Dialogs(ctx context.Context, id string) (*finesse.Dialogs, error) {
	return r.c.GetDialogs(withAuth(ctx), id)
}

func (r finesseREST) Dialog(ctx context.Context, id string) (*finesse.Dialog, error) {
	return r.c.GetDialog(withAuth(ctx), id)
}

func withAuth(ctx context.Context) context.Context {
	if a, ok := AuthFrom(ctx); ok {
		return finesse.ContextWithAuth(ctx, a)
	}
	return ctx
}

func (r finesseREST) UpdateUser(ctx context.Context, id string, change finesse.UserChange, requestID string) error {
	_, err := r.c.UpdateUser(withRequestID(ctx, requestID), id, change)
	return err
}

func (r finesseREST) Do(ctx context.Context, method, path string, body []byte, requestID string) (*RawResponse, error) {
	resp, err := r.c.Request(withRequestID(ctx, requestID), method, path, body)
	// The finesse client returns a non-2xx answer as a response and an
	// error; REST's contract wants the response alone. Without an answer
	// to pass on (nothing came back, the body broke off, a 2xx body was
	// over the size limit) the error is what there is.
	if resp == nil || (err != nil && (is2xx(resp.Status) || errors.Is(err, finesse.ErrTransport))) {
		return nil, err
	}
	return &RawResponse{Status: resp.Status, Header: resp.Header, Body: resp.Body}, nil
}

func is2xx(status int) bool { return status >= 200 && status <= 299 }

// withRequestID also puts the engine's choice of credential (AuthFrom) where
// the finesse client reads it.
func withRequestID(ctx context.Context, id string) context.Context {
	ctx = withAuth(ctx)
	if id == "" {
		return ctx
	}
	return finesse.ContextWithRequestID(ctx, id)
}
