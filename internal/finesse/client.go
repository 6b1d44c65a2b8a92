package finesse

import (
	"context"
	"io"
	"net/url"
	"strings"
	"sync/atomic"

	"github.com/finesse-ha/finesse-ha/internal/httpx"
)

// Doer sends one HTTP request: internal/httpx/nethttp natively, the
// fetch-based Doer of wasm/jsfetch in the browser.
type Doer = httpx.Doer

// Client talks to the REST API of one Finesse side. It is safe for
// concurrent use. It does not retry: whether a request may be repeated
// (never a POST MAKE_CALL without opt-in) and when is the failover layer's
// decision (SPEC §3.6), helped by APIError.Temporary and ContextWithRequestID.
type Client struct {
	base    string // scheme://host[:port][/prefix], no trailing slash
	doer    Doer
	auth    atomic.Pointer[Auth]
	newID   func() string
	maxBody int64
}

// Option configures a Client.
type Option func(*Client)

// WithRequestIDFunc replaces NewRequestID, e.g. for deterministic tests.
func WithRequestIDFunc(f func() string) Option {
	return func(c *Client) {
		if f != nil {
			c.newID = f
		}
	}
}

// WithMaxBody sets the response body read limit (default MaxBodySize).
func WithMaxBody(n int64) Option {
	return func(c *Client) {
		if n > 0 {
			c.maxBody = n
		}
	}
}

// drainLimit bounds how much of an unread body is consumed before closing,
// enough to let a keep-alive connection be reused without reading a
// runaway body to its end.
const drainLimit = 64 << 10

// NewClient returns a Client for the side at baseURL, e.g.
// "https://fin-a.example.com:8445" (a path prefix is kept, for reverse
// proxies). The URL must be http or https with a host and no user
// information, query or fragment: credentials travel only in Auth.
func NewClient(baseURL string, d Doer, a Auth, opts ...Option) (*Client, error) {
	if d == nil {
		return nil, invalidf("nil Doer")
	}
	base, err := parseBase(baseURL)
	if err != nil {
		return nil, err
	}
	if err := a.validate(); err != nil {
		return nil, err
	}
	c := &Client{base: base, doer: d, newID: NewRequestID, maxBody: MaxBodySize}
	c.auth.Store(&a)
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

func parseBase(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		// url.Error repeats the input, which could hold user:password@.
		return "", invalidf("base URL does not parse")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", invalidf("base URL scheme must be http or https")
	case u.Host == "" || u.Opaque != "":
		return "", invalidf("base URL has no host")
	case u.User != nil:
		return "", invalidf("base URL must not contain credentials")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "", invalidf("base URL must not have a query or fragment")
	case hasDotSegment(u.Path):
		return "", invalidf("base URL path has a dot segment")
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = strings.TrimRight(u.RawPath, "/")
	return u.String(), nil
}

// BaseURL returns the normalised base URL.
func (c *Client) BaseURL() string { return c.base }

// Auth returns the current credentials.
func (c *Client) Auth() Auth { return *c.auth.Load() }

// SetAuth replaces the credentials for subsequent requests, e.g. after an
// SSO token refresh; requests in flight keep the old ones.
func (c *Client) SetAuth(a Auth) error {
	if err := a.validate(); err != nil {
		return err
	}
	c.auth.Store(&a)
	return nil
}

// Response is the outcome of Request.
type Response struct {
	Status    int
	Header    httpx.Header
	Body      []byte // at most the Client's read limit
	RequestID string // the requestId sent, "" for GET
}

// Request sends method (GET, PUT, POST or DELETE) to path, an absolute path
// with an optional query (e.g. "/finesse/api/User/1001/ReasonCodes?category=NOT_READY"),
// on this side, with the Client's auth and, for PUT/POST/DELETE, a requestId.
//
// Whenever a response arrived, Request returns it, even with an error: a
// non-2xx status also gives an *APIError of the matching kind, so a host
// page can show the server's body while Go code uses errors.Is.
func (c *Client) Request(ctx context.Context, method, path string, body []byte) (*Response, error) {
	m := strings.ToUpper(method)
	switch m {
	case httpx.MethodGet, httpx.MethodPut, httpx.MethodPost, httpx.MethodDelete:
	default:
		return nil, invalidf("method %q not allowed", clip(method, 16))
	}
	ref, err := checkPath(path)
	if err != nil {
		return nil, err
	}
	return c.do(ctx, m, ref, body)
}

// pathRef is a validated request target: the escaped path (also used in
// errors) and the raw query (never put in errors).
type pathRef struct {
	path  string
	query string
}

// checkPath accepts only an absolute path on this side: no scheme or host
// (credentials must not go elsewhere), no dot segments (a reverse proxy's
// prefix must not be escaped), no fragment, backslash or control bytes.
func checkPath(p string) (pathRef, error) {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") {
		return pathRef{}, invalidf("path must be absolute, e.g. /finesse/api/SystemInfo")
	}
	if strings.ContainsFunc(p, func(r rune) bool { return isControl(r) || r == '\\' || r == ' ' || r == '#' }) {
		return pathRef{}, invalidf("path contains a forbidden character")
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return pathRef{}, invalidf("path does not parse as an absolute path")
	}
	if hasDotSegment(u.Path) {
		return pathRef{}, invalidf("path has a dot segment")
	}
	return pathRef{path: u.EscapedPath(), query: u.RawQuery}, nil
}

// hasDotSegment reports "." or ".." segments, which browsers and servers
// resolve (also when percent-encoded, as url.Parse has decoded them here).
func hasDotSegment(p string) bool {
	for _, seg := range strings.Split(p, "/") {
		if seg == "." || seg == ".." {
			return true
		}
	}
	return false
}

// apiPath joins a fixed API prefix with escaped ids: "/finesse/api/User/" +
// "a%2Fb". Ids are path-escaped so that "x/../y" cannot walk the path, and
// "." and ".." (which escaping leaves alone) are refused.
func apiPath(parts ...string) (pathRef, error) {
	var b strings.Builder
	for i, p := range parts {
		if i%2 == 0 {
			b.WriteString(p) // literal segment(s)
			continue
		}
		if err := checkID(p); err != nil {
			return pathRef{}, err
		}
		b.WriteString(url.PathEscape(p))
	}
	return pathRef{path: b.String()}, nil
}

func checkID(id string) error {
	switch {
	case id == "":
		return invalidf("empty id")
	case id == "." || id == "..":
		return invalidf("id %q is a dot segment", id)
	case len(id) > 256:
		return invalidf("id longer than 256 bytes")
	case strings.ContainsFunc(id, isControl):
		return invalidf("id contains a control character")
	}
	return nil
}

// do sends one request and reads its body within the limit. It returns the
// response whenever one arrived, and an *APIError for every failure.
func (c *Client) do(ctx context.Context, method string, ref pathRef, body []byte) (*Response, error) {
	fail := func(e *APIError) *APIError {
		e.Method, e.Path = method, ref.path
		return e
	}
	auth := c.Auth()
	if a, ok := authFrom(ctx); ok {
		auth = a
	}
	requestID := ""
	if method != httpx.MethodGet {
		if id, ok := requestIDFrom(ctx); ok {
			requestID = id
		} else {
			requestID = c.newID()
		}
		if !validRequestID(requestID) {
			return nil, fail(invalidf("requestId must be 1-128 printable ASCII characters"))
		}
	}
	target := c.base + ref.path
	if ref.query != "" {
		target += "?" + ref.query
	}
	if ctx == nil {
		return nil, fail(invalidf("cannot build request"))
	}
	req := httpx.NewRequest(ctx, method, target, body)
	req.Header.Set("Accept", "application/xml")
	if body != nil {
		req.Header.Set("Content-Type", "application/xml")
	}
	if h := auth.header(); h != "" {
		req.Header.Set("Authorization", h)
	}
	if requestID != "" {
		req.Header[RequestIDHeader] = []string{requestID}
	}

	resp, err := c.doer.Do(req)
	if err != nil {
		if resp != nil && resp.Body != nil {
			resp.Body.Close()
		}
		return nil, fail(&APIError{Kind: KindTransport, RequestID: requestID, err: err,
			detail: redact(err.Error(), auth.secrets())})
	}
	if resp == nil {
		return nil, fail(&APIError{Kind: KindTransport, RequestID: requestID, detail: "Doer returned no response"})
	}
	data, tooLarge, err := readBody(resp.Body, c.maxBody)
	out := &Response{Status: resp.StatusCode, Header: resp.Header, Body: data, RequestID: requestID}
	if err != nil {
		return out, fail(&APIError{Kind: KindTransport, Status: resp.StatusCode, RequestID: requestID, err: err,
			detail: "reading body: " + redact(err.Error(), auth.secrets())})
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := &APIError{Kind: kindOf(resp.StatusCode), Status: resp.StatusCode, RequestID: requestID}
		if !tooLarge {
			e.Errors = parseErrorBody(data, auth.secrets())
		}
		return out, fail(e)
	}
	if tooLarge {
		return out, fail(&APIError{Kind: KindBodyTooLarge, Status: resp.StatusCode, RequestID: requestID})
	}
	return out, nil
}

// readBody reads at most limit bytes, then drains a little more and closes,
// so the connection can be reused and a huge body cannot exhaust memory.
func readBody(body io.ReadCloser, limit int64) (data []byte, tooLarge bool, err error) {
	if body == nil {
		return nil, false, nil
	}
	defer body.Close()
	data, err = io.ReadAll(io.LimitReader(body, limit+1))
	if err != nil {
		return nil, false, err
	}
	if int64(len(data)) > limit {
		_, _ = io.Copy(io.Discard, io.LimitReader(body, drainLimit))
		return data[:limit], true, nil
	}
	return data, false, nil // ReadAll stopped short of the limit: at EOF
}

// parseErrorBody returns the ApiErrors of an error response, or nil for a
// body that is not one (an HTML page from a proxy, an empty 401).
func parseErrorBody(data []byte, secrets []string) []ApiError {
	e, err := decodeAPIErrorsLimit(data, 0)
	if err != nil || len(e.Errors) == 0 {
		return nil
	}
	for i := range e.Errors {
		ae := &e.Errors[i]
		ae.Type = redact(ae.Type, secrets)
		ae.Message = redact(ae.Message, secrets)
		ae.Data = redact(ae.Data, secrets)
	}
	return e.Errors
}

// getXML sends a GET and decodes the 2xx body into v, whose root is want.
func (c *Client) getXML(ctx context.Context, ref pathRef, want string, v any) error {
	resp, err := c.do(ctx, httpx.MethodGet, ref, nil)
	if err != nil {
		return err
	}
	if err := decodeRootLimit(resp.Body, want, v, 0); err != nil {
		return &APIError{Kind: KindDecode, Status: resp.Status, Method: httpx.MethodGet, Path: ref.path,
			err: err, detail: redact(strings.TrimPrefix(err.Error(), "finesse: "), c.Auth().secrets())}
	}
	return nil
}
