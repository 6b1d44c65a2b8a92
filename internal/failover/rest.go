package failover

import (
	"context"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

// REST is one side's Finesse REST API as the engine uses it; internal/client
// adapts the finesse REST client to it (FinesseREST). Every method must
// return when ctx is done (the engine cancels it on timeouts, side changes
// and Close).
//
// A non-2xx answer is reported one way per method. The typed methods have
// no response to return it in, so for them it is an error that errors.Is
// recognises: 401 as ErrUnauthorized (or finesse's own sentinel), 503 as
// ErrOutOfService, no answer as ErrTransport; see classify. Do is like
// net/http's RoundTripper: any answer the server gave is a response, never
// an error, whatever its status.
type REST interface {
	// SystemInfo is GET /finesse/api/SystemInfo.
	SystemInfo(ctx context.Context) (*finesse.SystemInfo, error)
	// User is GET /finesse/api/User/{id}.
	User(ctx context.Context, id string) (*finesse.User, error)
	// Dialogs is GET /finesse/api/User/{id}/Dialogs.
	Dialogs(ctx context.Context, id string) (*finesse.Dialogs, error)
	// Dialog is GET /finesse/api/Dialog/{id}.
	Dialog(ctx context.Context, id string) (*finesse.Dialog, error)
	// UpdateUser is PUT /finesse/api/User/{id}: a sign-in (state LOGIN
	// with the extension) or a state change (with a reason code id for
	// NOT_READY and LOGOUT, when not empty). Finesse answers 202 and
	// reports the outcome in a notification carrying requestID.
	UpdateUser(ctx context.Context, id string, change finesse.UserChange, requestID string) error
	// Do carries one of the page's requests: path is below the side's base
	// URL (e.g. /finesse/api/User/1001001), requestID goes into the
	// requestId header. Every answer, 4xx and 5xx included, is a
	// RawResponse with a nil error; the engine classifies its Status. An
	// error means there was no usable answer (the request could not be
	// sent, the body could not be read whole, ctx ended) and the response
	// is then ignored.
	Do(ctx context.Context, method, path string, body []byte, requestID string) (*RawResponse, error)
}

// RawResponse is the answer to REST.Do. Header is the response's header
// as net/http gives it (an httpx.Header converts as is); the engine filters
// it before the page sees it (responseHeader).
type RawResponse struct {
	Status int
	Header map[string][]string
	Body   []byte
}
