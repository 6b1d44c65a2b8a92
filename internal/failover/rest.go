package failover

import (
	"context"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

// REST is one side's Finesse REST API as the engine uses it; internal/client
// adapts the finesse REST client to it. Every method must return when ctx is
// done (the engine cancels it on timeouts, side changes and Close), and must
// report failures so that errors.Is recognises 401 (ErrUnauthorized or
// finesse's own sentinel), 503 (ErrOutOfService) and network failures
// (ErrTransport); see classify.
type REST interface {
	// SystemInfo is GET /finesse/api/SystemInfo.
	SystemInfo(ctx context.Context) (*finesse.SystemInfo, error)
	// User is GET /finesse/api/User/{id}.
	User(ctx context.Context, id string) (*finesse.User, error)
	// Dialogs is GET /finesse/api/User/{id}/Dialogs.
	Dialogs(ctx context.Context, id string) (*finesse.Dialogs, error)
	// Dialog is GET /finesse/api/Dialog/{id}.
	Dialog(ctx context.Context, id string) (*finesse.Dialog, error)
	// SignIn is PUT /finesse/api/User/{id} with state LOGIN and extension.
	SignIn(ctx context.Context, id, extension, requestID string) error
	// SetState is PUT /finesse/api/User/{id} with a state and, for
	// NOT_READY and LOGOUT, an optional reason code id.
	SetState(ctx context.Context, id string, state finesse.AgentState, reasonCodeID, requestID string) error
	// Do carries one of the page's requests: path is below the side's base
	// URL (e.g. /finesse/api/User/1001001), requestID goes into the
	// requestId header. A non-2xx answer may come back either as a
	// RawResponse with its status or as a classifiable error.
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
