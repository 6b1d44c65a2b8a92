//go:build js && wasm

package main

import (
	"context"
	"errors"

	"github.com/finesse-ha/finesse-ha/internal/client"
	"github.com/finesse-ha/finesse-ha/wasm/jsutil"
	"github.com/hack-pad/safejs"
)

// Credentials from the page while the client runs (SPEC §4.2).

var (
	errAuthNotString   = errors.New("finesse-ha: setAuth(authJSON): authJSON must be a string")
	errGetTokenNotFunc = errors.New("finesse-ha: createClient(optionsJSON, emit, getToken): getToken must be a function or undefined")
	errTokenNotString  = errors.New("finesse-ha: getToken() must resolve with a non-empty string")
	errGetTokenThrew   = errors.New("finesse-ha: getToken() threw")
)

// setAuth(authJSON) -> Promise<void>: resolves once the client has taken
// the credentials (client.SetAuth), rejects with an Error naming the field
// for bad input. No message quotes a credential.
func (h *handle) setAuth(args []safejs.Value) any {
	v := argAt(args, 0)
	p, err := jsutil.NewPromise(func() (any, error) {
		raw, ok := jsutil.StringOf(v)
		if !ok {
			return nil, errAuthNotString
		}
		a, err := client.ParseAuth([]byte(raw))
		if err != nil {
			return nil, err
		}
		return nil, h.c.SetAuth(a)
	})
	if err != nil {
		return jsutil.NewError(err.Error())
	}
	return p
}

// tokenOptions turns the page's getToken (auth.getToken, passed by
// web/index.js as createClient's third argument) into the client's token
// source. Undefined or null: no token source.
func tokenOptions(fn safejs.Value) ([]client.Option, error) {
	switch fn.Type() {
	case safejs.TypeUndefined, safejs.TypeNull:
		return nil, nil
	case safejs.TypeFunction:
		return []client.Option{client.WithTokenSource(jsTokenSource(fn))}, nil
	}
	return nil, errGetTokenNotFunc
}

// jsTokenSource calls getToken() and waits for its Promise. The engine
// calls it on a goroutine of its own, never on the JS event loop, so
// waiting here does not block the Promise it waits for. A rejection is
// reported by its kind only: its message is the page's and may quote
// anything.
func jsTokenSource(fn safejs.Value) func(context.Context) (string, error) {
	return func(ctx context.Context) (tok string, err error) {
		defer jsutil.Recover(&err)
		p, err := fn.Invoke()
		if err != nil {
			return "", errGetTokenThrew
		}
		v, err := jsutil.AwaitContext(ctx, p)
		if err != nil {
			var re *jsutil.RejectedError
			if errors.As(err, &re) {
				name := re.Name
				if name == "" {
					name = "a rejection"
				}
				return "", errors.New("finesse-ha: getToken() rejected with " + name)
			}
			return "", err // the context: the engine reports the timeout itself
		}
		tok, ok := jsutil.StringOf(v)
		if !ok || tok == "" {
			return "", errTokenNotString
		}
		return tok, nil
	}
}
