// Package nethttp adapts an *http.Client to httpx.Doer for native builds.
// The browser build never imports it: that is what keeps net/http, and
// with it crypto/tls and crypto/x509, out of the .wasm.
package nethttp

import (
	"bytes"
	"io"
	"net/http"

	"github.com/finesse-ha/finesse-ha/internal/httpx"
)

// Doer sends httpx requests through Client (http.DefaultClient if nil).
type Doer struct {
	Client *http.Client
}

// New returns a Doer over c.
func New(c *http.Client) *Doer { return &Doer{Client: c} }

var _ httpx.Doer = (*Doer)(nil)

// Do sends req. As *http.Client does, it returns an error only when no
// response arrived; redirects are followed by the client's policy.
func (d *Doer) Do(req *httpx.Request) (*httpx.Response, error) {
	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	hr, err := http.NewRequestWithContext(req.Context(), req.Method, req.URL, body)
	if err != nil {
		return nil, err
	}
	for k, v := range req.Header {
		hr.Header[k] = append([]string(nil), v...)
	}
	c := d.Client
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(hr)
	if err != nil {
		return nil, err
	}
	return &httpx.Response{
		StatusCode: resp.StatusCode,
		Status:     resp.Status,
		Header:     httpx.Header(resp.Header),
		Body:       resp.Body,
	}, nil
}
