//go:build js && wasm

package jsfetch

import (
	"context"
	"strconv"
	"strings"

	"github.com/hack-pad/safejs"

	"github.com/finesse-ha/finesse-ha/internal/httpx"
)

// newResponse converts a fetch Response into an *httpx.Response whose Body
// streams the JS body. stopAbort detaches the context from the abort
// controller; the body calls it when it is finished with.
func newResponse(ctx context.Context, r safejs.Value, ac safejs.Value, stopAbort func() bool) (*httpx.Response, error) {
	status, err := intProp(r, "status")
	if err != nil {
		return nil, err
	}
	if status == 0 {
		// Only opaque responses (no-cors, manual redirects) have status 0.
		return nil, &FetchError{Reason: "opaque response (status 0)"}
	}
	statusText, _ := stringProp(r, "statusText")
	header, err := responseHeader(r)
	if err != nil {
		return nil, err
	}
	// The browser has already undone any Content-Encoding, so neither that
	// header nor Content-Length describes the bytes Body yields.
	if header.Get("Content-Encoding") != "" {
		header.Del("Content-Encoding")
		header.Del("Content-Length")
	}
	resp := &httpx.Response{
		Status:     strings.TrimSpace(strconv.Itoa(status) + " " + statusText),
		StatusCode: status,
		Header:     header,
	}
	jsBody, err := r.Get("body")
	if err != nil {
		return nil, err
	}
	if jsBody.IsNull() || jsBody.IsUndefined() {
		// null for 204/304 and HEAD: nothing to read, nothing to abort.
		stopAbort()
		resp.Body = httpx.NoBody
		return resp, nil
	}
	reader, err := jsBody.Call("getReader")
	if err != nil {
		return nil, err
	}
	resp.Body = newBodyReader(ctx, reader, ac, stopAbort)
	return resp, nil
}

// responseHeader copies the headers JS lets us see: the CORS-safelisted
// ones and those the server lists in Access-Control-Expose-Headers.
func responseHeader(r safejs.Value) (httpx.Header, error) {
	h := httpx.Header{}
	jsHeaders, err := r.Get("headers")
	if err != nil {
		return nil, err
	}
	it, err := jsHeaders.Call("entries")
	if err != nil {
		return nil, err
	}
	for {
		pair, done, err := iterResult(it.Call("next"))
		if err != nil {
			return nil, err
		}
		if done {
			return h, nil
		}
		k, err := indexString(pair, 0)
		if err != nil {
			return nil, err
		}
		v, err := indexString(pair, 1)
		if err != nil {
			return nil, err
		}
		// fetch joins repeated headers with ", " (Set-Cookie is never
		// exposed), so one value per name is what there is to copy.
		h.Add(k, strings.TrimSpace(v))
	}
}

// iterResult unpacks an iterator result, {done, value}: what
// iterator.next() returns and a stream reader's read() resolves with. It
// takes the call's error too, so that a call and its unpacking are one step.
func iterResult(res safejs.Value, err error) (value safejs.Value, done bool, _ error) {
	if err != nil {
		return value, false, err
	}
	d, err := res.Get("done")
	if err != nil {
		return value, false, err
	}
	if done, _ = d.Bool(); done {
		return value, true, nil
	}
	value, err = res.Get("value")
	return value, false, err
}

func intProp(v safejs.Value, name string) (int, error) {
	p, err := v.Get(name)
	if err != nil {
		return 0, err
	}
	return p.Int()
}

func stringProp(v safejs.Value, name string) (string, error) {
	p, err := v.Get(name)
	if err != nil {
		return "", err
	}
	return p.String()
}

func indexString(v safejs.Value, i int) (string, error) {
	p, err := v.Index(i)
	if err != nil {
		return "", err
	}
	return p.String()
}
