//go:build js && wasm

package jsfetch

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/finesse-ha/finesse-ha/internal/httpx"
	"github.com/finesse-ha/finesse-ha/wasm/jsutil"
	"github.com/hack-pad/safejs"
)

// Fetch option values, as the fetch specification spells them.
const (
	CredentialsOmit       = "omit"
	CredentialsSameOrigin = "same-origin"
	CredentialsInclude    = "include"

	ModeCORS       = "cors"
	ModeSameOrigin = "same-origin"

	CacheNoStore = "no-store"
	CacheDefault = "default"
)

// Transport is a Doer over fetch. The zero value is ready to use: CORS mode,
// same-origin credentials, no HTTP cache. A Transport is safe for concurrent
// use; the browser limits connections per host (about six over HTTP/1.1).
type Transport struct {
	// Credentials is fetch's credentials mode: CredentialsOmit,
	// CredentialsSameOrigin (when empty) or CredentialsInclude. Finesse's own
	// auth is the Authorization header, which fetch sends in every mode;
	// "include" is for deployments behind a cookie-authenticated proxy, and
	// then the server must answer with an explicit allowed origin.
	Credentials string
	// Mode is fetch's request mode; empty means ModeCORS. "no-cors" is
	// refused: its opaque responses have no status or body to act on.
	Mode string
	// Cache is fetch's cache mode; empty means CacheNoStore, because a
	// SystemInfo poll or a BOSH exchange answered from the HTTP cache would
	// report a dead side as alive.
	Cache string
}

// Do sends req through fetch. It follows the httpx.Doer contract (that of
// *http.Client): a nil error means a response with a non-nil Body that the
// caller must close, and any HTTP status is a response, not an error.
func (t *Transport) Do(req *httpx.Request) (resp *httpx.Response, err error) {
	if req == nil {
		return nil, &url.Error{Op: "Do", URL: "", Err: errNilRequest}
	}
	if req.URL == "" {
		return nil, &url.Error{Op: opName(req.Method), URL: "", Err: errNilURL}
	}
	pu, perr := url.Parse(req.URL)
	if perr != nil {
		// url's error repeats the input, which could hold a password.
		return nil, &url.Error{Op: opName(req.Method), URL: "", Err: errBadURL}
	}
	u := redacted(pu)
	defer func() {
		if err != nil {
			if _, ok := err.(*url.Error); !ok {
				err = &url.Error{Op: opName(req.Method), URL: u, Err: err}
			}
		}
	}()
	// No panic may reach JS or end the runtime, even one from a JS value of a
	// shape this code did not expect.
	defer jsutil.Recover(&err)

	ctx := req.Context()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if pu.User != nil {
		// fetch rejects such URLs anyway; refusing here keeps the password
		// out of the browser's console and of our errors.
		return nil, errUserinfo
	}
	opts, ac, err := t.options(req)
	if err != nil {
		return nil, err
	}

	fetch, err := safejs.Global().Get("fetch")
	if err != nil {
		return nil, err
	}
	// From here on the AbortController follows the context until the
	// response body is finished with.
	stopAbort := context.AfterFunc(ctx, func() { abort(ac) })
	p, err := fetch.Invoke(pu.String(), opts)
	if err != nil {
		stopAbort()
		return nil, err
	}
	jsResp, err := jsutil.Await(p)
	if err != nil {
		stopAbort()
		if cerr := ctx.Err(); cerr != nil {
			return nil, cerr
		}
		return nil, &FetchError{Reason: reason(err)}
	}
	resp, err = newResponse(ctx, jsResp, ac, stopAbort)
	if err != nil {
		stopAbort()
		abort(ac)
		return nil, err
	}
	return resp, nil
}

// options builds fetch's init object: method, headers, body, mode,
// credentials, cache and the abort signal.
func (t *Transport) options(req *httpx.Request) (opts safejs.Value, ac safejs.Value, err error) {
	body := req.Body
	mode := t.Mode
	switch mode {
	case "":
		mode = ModeCORS
	case "no-cors":
		return opts, ac, errNoCORS
	}
	creds := t.Credentials
	if creds == "" {
		creds = CredentialsSameOrigin
	}
	cache := t.Cache
	if cache == "" {
		cache = CacheNoStore
	}
	method := req.Method
	if method == "" {
		method = httpx.MethodGet
	}

	g := safejs.Global()
	if ac, err = newJS(g, "AbortController"); err != nil {
		return opts, ac, err
	}
	signal, err := ac.Get("signal")
	if err != nil {
		return opts, ac, err
	}
	headers, err := newJS(g, "Headers")
	if err != nil {
		return opts, ac, err
	}
	for key, values := range req.Header {
		for _, v := range values {
			if _, err := headers.Call("append", key, v); err != nil {
				// The message names the header but never its value, which
				// may be an Authorization credential.
				return opts, ac, fmt.Errorf("jsfetch: header %q refused by the browser", key)
			}
		}
	}
	init := map[string]any{
		"method":      method,
		"headers":     headers,
		"mode":        mode,
		"credentials": creds,
		"cache":       cache,
		"redirect":    "follow",
		"signal":      signal,
	}
	if len(body) > 0 {
		u8, err := newJS(g, "Uint8Array", len(body))
		if err != nil {
			return opts, ac, err
		}
		if _, err := safejs.CopyBytesToJS(u8, body); err != nil {
			return opts, ac, err
		}
		init["body"] = u8
	}
	opts, err = safejs.ValueOf(map[string]any{})
	if err != nil {
		return opts, ac, err
	}
	for k, v := range init {
		if err := opts.Set(k, v); err != nil {
			return opts, ac, err
		}
	}
	return opts, ac, nil
}

func newJS(g safejs.Value, ctor string, args ...any) (safejs.Value, error) {
	c, err := g.Get(ctor)
	if err != nil {
		return safejs.Value{}, err
	}
	if c.IsUndefined() {
		return safejs.Value{}, fmt.Errorf("jsfetch: %s is not available in this JS environment", ctor)
	}
	return c.New(args...)
}

// abort aborts the fetch (request or body download). Aborting a finished
// fetch is a no-op, so this is safe to call late.
func abort(ac safejs.Value) {
	_, _ = ac.Call("abort")
}

// reason describes a fetch rejection without the URL (the *url.Error around
// it carries the redacted one).
func reason(err error) string {
	if rej, ok := err.(*jsutil.RejectedError); ok {
		if rej.Name != "" {
			return rej.Name + ": " + rej.Message
		}
		return rej.Message
	}
	return err.Error()
}

// opName mirrors net/http's *url.Error Op: "Get", "Post", ...
func opName(method string) string {
	if method == "" {
		return "Get"
	}
	return method[:1] + strings.ToLower(method[1:])
}

// redacted is the URL without userinfo, for error messages.
func redacted(u *url.URL) string {
	c := *u
	c.User = nil
	return c.String()
}
