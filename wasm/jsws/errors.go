//go:build js && wasm

package jsws

import (
	"strconv"

	"github.com/finesse-ha/finesse-ha/internal/ws"
)

// DialError is a failure to open a socket. It wraps ws.ErrDial and, when
// there is one, a more precise cause: ws.ErrSubprotocol, the context's
// error, or the exception the WebSocket constructor threw for a bad URL.
type DialError struct {
	// URL is the URL dialed, without any user:password@ part.
	URL string
	// Code is the close code the browser reported when the socket closed
	// before opening (1006 for a refused or failed connection), or 0.
	Code int
	// Err is the cause besides ws.ErrDial, or nil.
	Err error
}

func (e *DialError) Error() string {
	msg := "websocket: could not open " + e.URL
	if e.Code != 0 {
		msg += " (closed with code " + strconv.Itoa(e.Code) + ")"
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap lets errors.Is find ws.ErrDial and the cause.
func (e *DialError) Unwrap() []error {
	if e.Err == nil {
		return []error{ws.ErrDial}
	}
	return []error{ws.ErrDial, e.Err}
}
