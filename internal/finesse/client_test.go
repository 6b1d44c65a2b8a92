package finesse

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/httpx"
	"github.com/finesse-ha/finesse-ha/internal/httpx/nethttp"
)

const (
	testUser     = "1001"
	testPassword = "s3cr3t-Pa55"
	testToken    = "eyJhbGciOiJSUzI1NiJ9.tok-SECRET.sig"
)

var (
	basicAuth  = Auth{Username: testUser, Password: testPassword}
	bearerAuth = Auth{Username: testUser, Token: testToken}
)

// seen is what the fake Finesse received.
type seen struct {
	Method, Path, RawQuery string
	Header                 http.Header
	Body                   string
}

// finesseServer is an httptest server that records requests and answers
// with the handler's status and body.
type finesseServer struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []seen
}

func newServer(t *testing.T, h http.HandlerFunc) *finesseServer {
	t.Helper()
	fs := &finesseServer{}
	fs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fs.mu.Lock()
		fs.reqs = append(fs.reqs, seen{Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery,
			Header: r.Header.Clone(), Body: string(body)})
		fs.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(fs.Close)
	return fs
}

func (fs *finesseServer) last(t *testing.T) seen {
	t.Helper()
	fs.mu.Lock()
	defer fs.mu.Unlock()
	require.NotEmpty(t, fs.reqs)
	return fs.reqs[len(fs.reqs)-1]
}

func (fs *finesseServer) client(t *testing.T, a Auth, opts ...Option) *Client {
	t.Helper()
	c, err := NewClient(fs.URL, nethttp.New(fs.Server.Client()), a, opts...)
	require.NoError(t, err)
	return c
}

// reply answers with a status and body.
func reply(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// assertNoSecret checks that no credential appears in an error text.
func assertNoSecret(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	msg := err.Error()
	basic := base64.StdEncoding.EncodeToString([]byte(testUser + ":" + testPassword))
	for _, s := range []string{testPassword, testToken, basic, "tok-SECRET"} {
		assert.NotContains(t, msg, s)
	}
}

func TestClientGetSystemInfoHeaders(t *testing.T) {
	fs := newServer(t, reply(200, string(fixture(t, "systeminfo_ucce_126.xml"))))
	for _, tt := range []struct {
		name string
		auth Auth
		want string
	}{
		{"basic", basicAuth, "Basic " + base64.StdEncoding.EncodeToString([]byte("1001:"+testPassword))},
		{"bearer", bearerAuth, "Bearer " + testToken},
		{"none", Auth{}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := fs.client(t, tt.auth).GetSystemInfo(context.Background())
			require.NoError(t, err)
			assert.True(t, s.InService())
			assert.Equal(t, "fin-b.example.com", s.AlternateHost())
			r := fs.last(t)
			assert.Equal(t, http.MethodGet, r.Method)
			assert.Equal(t, "/finesse/api/SystemInfo", r.Path)
			assert.Equal(t, tt.want, r.Header.Get("Authorization"))
			assert.Equal(t, "application/xml", r.Header.Get("Accept"))
			assert.Empty(t, r.Header.Values(RequestIDHeader), "no requestId on GET")
			assert.Empty(t, r.Header.Get("Content-Type"), "no body, no content type")
		})
	}
}

func TestClientGetObjects(t *testing.T) {
	bodies := map[string]string{
		"/finesse/api/User/1001":         string(fixture(t, "user_forced_logout.xml")),
		"/finesse/api/User/1001/Dialogs": string(fixture(t, "dialogs_2.xml")),
		"/finesse/api/Dialog/16777233":   string(fixture(t, "dialog_ecc.xml")),
	}
	fs := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		b, ok := bodies[r.URL.Path]
		if !ok {
			w.WriteHeader(404)
			return
		}
		_, _ = io.WriteString(w, b)
	})
	c := fs.client(t, basicAuth)
	ctx := context.Background()

	u, err := c.GetUser(ctx, "1001")
	require.NoError(t, err)
	assert.True(t, u.IsForcedLogout())

	ds, err := c.GetDialogs(ctx, "1001")
	require.NoError(t, err)
	assert.Len(t, ds.Dialogs, 2)

	d, err := c.GetDialog(ctx, "16777233")
	require.NoError(t, err)
	assert.Equal(t, "ck:152018:217:1", d.CallKey())

	_, err = c.GetUser(ctx, "nobody")
	assert.ErrorIs(t, err, ErrNotFound)
}

func TestClientEscapesIDs(t *testing.T) {
	fs := newServer(t, reply(200, "<User/>"))
	c := fs.client(t, basicAuth)
	ctx := context.Background()
	for id, want := range map[string]string{
		"../SystemInfo":  "/finesse/api/User/..%2FSystemInfo",
		"a/b":            "/finesse/api/User/a%2Fb",
		"x?y#z":          "/finesse/api/User/x%3Fy%23z",
		"agent one":      "/finesse/api/User/agent%20one",
		"%2e%2e":         "/finesse/api/User/%252e%252e",
		"csmith@example": "/finesse/api/User/csmith@example",
	} {
		_, err := c.GetUser(ctx, id)
		require.NoError(t, err, id)
		r := fs.last(t)
		assert.Equal(t, want, r.Path, id)
		assert.Empty(t, r.RawQuery, id)
	}
	fs.mu.Lock()
	n := len(fs.reqs)
	fs.mu.Unlock()
	for _, id := range []string{"", ".", "..", "a\nb", strings.Repeat("x", 257)} {
		_, err := c.GetUser(ctx, id)
		assert.ErrorIs(t, err, ErrInvalidRequest, "%q", id)
		_, err = c.GetDialog(ctx, id)
		assert.ErrorIs(t, err, ErrInvalidRequest, "%q", id)
		_, err = c.GetDialogs(ctx, id)
		assert.ErrorIs(t, err, ErrInvalidRequest, "%q", id)
		_, err = c.SetState(ctx, id, StateReady, "")
		assert.ErrorIs(t, err, ErrInvalidRequest, "%q", id)
		_, err = c.DialogAction(ctx, id, ActionAnswer, "1001")
		assert.ErrorIs(t, err, ErrInvalidRequest, "%q", id)
		_, err = c.MakeCall(ctx, id, "1001", "1002")
		assert.ErrorIs(t, err, ErrInvalidRequest, "%q", id)
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	assert.Len(t, fs.reqs, n, "invalid ids are never sent")
}

func TestClientWriteRequests(t *testing.T) {
	fs := newServer(t, reply(http.StatusAccepted, ""))
	ids := []string{"id-1", "id-2", "id-3", "id-4", "id-5"}
	next := 0
	c := fs.client(t, bearerAuth, WithRequestIDFunc(func() string { next++; return ids[next-1] }))
	ctx := context.Background()
	tests := []struct {
		name   string
		call   func() (string, error)
		method string
		path   string
		body   string
	}{
		{"sign in", func() (string, error) { return c.SignIn(ctx, "1001", "1001001") },
			"PUT", "/finesse/api/User/1001", "<User><state>LOGIN</state><extension>1001001</extension></User>"},
		{"not ready with reason", func() (string, error) { return c.SetState(ctx, "1001", StateNotReady, "16") },
			"PUT", "/finesse/api/User/1001", "<User><state>NOT_READY</state><reasonCodeId>16</reasonCodeId></User>"},
		{"ready", func() (string, error) { return c.SetState(ctx, "1001", StateReady, "") },
			"PUT", "/finesse/api/User/1001", "<User><state>READY</state></User>"},
		{"answer", func() (string, error) { return c.DialogAction(ctx, "16777233", ActionAnswer, "1001") },
			"PUT", "/finesse/api/Dialog/16777233", "<Dialog><targetMediaAddress>1001</targetMediaAddress><requestedAction>ANSWER</requestedAction></Dialog>"},
		{"make call", func() (string, error) { return c.MakeCall(ctx, "1001", "1001", "+33 1 <&>") },
			"POST", "/finesse/api/User/1001/Dialogs", "<Dialog><requestedAction>MAKE_CALL</requestedAction><toAddress>+33 1 &lt;&amp;&gt;</toAddress><fromAddress>1001</fromAddress></Dialog>"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := tt.call()
			require.NoError(t, err)
			assert.Equal(t, ids[i], id)
			r := fs.last(t)
			assert.Equal(t, tt.method, r.Method)
			assert.Equal(t, tt.path, r.Path)
			assert.Equal(t, tt.body, r.Body)
			assert.Equal(t, ids[i], r.Header.Get(RequestIDHeader))
			assert.Equal(t, "application/xml", r.Header.Get("Content-Type"))
			assert.Equal(t, "Bearer "+testToken, r.Header.Get("Authorization"))
		})
	}
}

func TestClientWriteRequestValidation(t *testing.T) {
	fs := newServer(t, reply(http.StatusAccepted, ""))
	c := fs.client(t, basicAuth)
	ctx := context.Background()
	_, err := c.SetState(ctx, "1001", "", "")
	assert.ErrorIs(t, err, ErrInvalidRequest)
	_, err = c.DialogAction(ctx, "1", "", "1001")
	assert.ErrorIs(t, err, ErrInvalidRequest)
	_, err = c.MakeCall(ctx, "1001", "1001", "")
	assert.ErrorIs(t, err, ErrInvalidRequest)
	fs.mu.Lock()
	defer fs.mu.Unlock()
	assert.Empty(t, fs.reqs)
}

func TestClientDefaultRequestIDs(t *testing.T) {
	fs := newServer(t, reply(http.StatusAccepted, ""))
	c := fs.client(t, basicAuth)
	ctx := context.Background()
	id1, err := c.SetState(ctx, "1001", StateReady, "")
	require.NoError(t, err)
	id2, err := c.SetState(ctx, "1001", StateReady, "")
	require.NoError(t, err)
	assert.Regexp(t, uuidPattern, id1)
	assert.NotEqual(t, id1, id2)
	assert.Equal(t, id2, fs.last(t).Header.Get(RequestIDHeader))

	// A retry keeps its id through the context.
	rctx := ContextWithRequestID(ctx, "retry-7")
	id, err := c.SetState(rctx, "1001", StateReady, "")
	require.NoError(t, err)
	assert.Equal(t, "retry-7", id)
	assert.Equal(t, "retry-7", fs.last(t).Header.Get(RequestIDHeader))

	// A header-unsafe id is refused before sending.
	_, err = c.SetState(ContextWithRequestID(ctx, "a\r\nX-Evil: 1"), "1001", StateReady, "")
	assert.ErrorIs(t, err, ErrInvalidRequest)
	bad, err := NewClient(fs.URL, nethttp.New(fs.Server.Client()), basicAuth, WithRequestIDFunc(func() string { return "" }))
	require.NoError(t, err)
	_, err = bad.SetState(ctx, "1001", StateReady, "")
	assert.ErrorIs(t, err, ErrInvalidRequest)
}

// headerDoer records the request as the Doer sees it, before net/http
// canonicalises anything, and answers 202.
type headerDoer struct{ req *httpx.Request }

func (d *headerDoer) Do(r *httpx.Request) (*httpx.Response, error) {
	d.req = r
	return &httpx.Response{StatusCode: 202, Header: httpx.Header{}, Body: io.NopCloser(strings.NewReader(""))}, nil
}

func TestClientRequestIDHeaderSpelling(t *testing.T) {
	d := &headerDoer{}
	c, err := NewClient("https://fin-a.example.com:8445", d, basicAuth)
	require.NoError(t, err)
	id, err := c.SignIn(context.Background(), "1001", "1001")
	require.NoError(t, err)
	assert.Equal(t, []string{id}, d.req.Header["requestId"], "sent as finesse.js spells it")
	assert.Equal(t, "https://fin-a.example.com:8445/finesse/api/User/1001", d.req.URL)
}

func TestClientStatusErrors(t *testing.T) {
	html := string(fixture(t, "html_500.html"))
	tests := []struct {
		name     string
		status   int
		body     string
		sentinel error
		kind     ErrorKind
		message  string // first ApiError message, "" if none parsed
		temp     bool
	}{
		{"503 out of service", 503, string(fixture(t, "apierrors_503.xml")), ErrOutOfService, KindOutOfService, "SERVER_OUT_OF_SERVICE", true},
		{"503 empty", 503, "", ErrOutOfService, KindOutOfService, "", true},
		{"401", 401, "", ErrUnauthorized, KindUnauthorized, "", false},
		{"401 api errors", 401, `<ApiErrors><ApiError><ErrorType>Authorization Failure</ErrorType><ErrorMessage>Invalid Authorization User Specified</ErrorMessage></ApiError></ApiErrors>`, ErrUnauthorized, KindUnauthorized, "Invalid Authorization User Specified", false},
		{"403", 403, "", ErrForbidden, KindForbidden, "", false},
		{"404", 404, "<ApiErrors><ApiError><ErrorType>Not Found</ErrorType><ErrorMessage>User not found</ErrorMessage></ApiError></ApiErrors>", ErrNotFound, KindNotFound, "User not found", false},
		{"400", 400, string(fixture(t, "apierrors_400.xml")), ErrBadRequest, KindBadRequest, "Cannot change state to READY from TALKING", false},
		{"500 html", 500, html, ErrServer, KindServer, "", true},
		{"500 api errors", 500, `<ApiErrors><ApiError><ErrorType>Internal</ErrorType><ErrorMessage>RUNTIME_EXCEPTION</ErrorMessage></ApiError></ApiErrors>`, ErrServer, KindServer, "RUNTIME_EXCEPTION", true},
		{"502 proxy", 502, "<html><body>Bad Gateway<br></body></html>", ErrServer, KindServer, "", true},
		{"409", 409, "", ErrUnexpectedStatus, KindStatus, "", false},
		{"418", 418, "I'm a teapot", ErrUnexpectedStatus, KindStatus, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := newServer(t, reply(tt.status, tt.body))
			c := fs.client(t, basicAuth)
			ctx := context.Background()

			_, err := c.GetUser(ctx, "1001")
			checkStatusError(t, err, tt.sentinel, tt.kind, tt.status, tt.message, tt.temp)
			var ae *APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, "GET", ae.Method)
			assert.Equal(t, "/finesse/api/User/1001", ae.Path)
			assert.Empty(t, ae.RequestID)

			id, err := c.SetState(ctx, "1001", StateReady, "")
			checkStatusError(t, err, tt.sentinel, tt.kind, tt.status, tt.message, tt.temp)
			require.ErrorAs(t, err, &ae)
			assert.NotEmpty(t, id, "the requestId is returned with the error")
			assert.Equal(t, id, ae.RequestID)
			assert.Equal(t, "PUT", ae.Method)

			// The generic Request returns the response as well.
			resp, err := c.Request(ctx, "GET", "/finesse/api/User/1001", nil)
			checkStatusError(t, err, tt.sentinel, tt.kind, tt.status, tt.message, tt.temp)
			require.NotNil(t, resp)
			assert.Equal(t, tt.status, resp.Status)
			assert.Equal(t, tt.body, string(resp.Body))
		})
	}
}

func checkStatusError(t *testing.T, err error, sentinel error, kind ErrorKind, status int, message string, temp bool) {
	t.Helper()
	require.Error(t, err)
	assert.ErrorIs(t, err, sentinel)
	for _, other := range []error{ErrOutOfService, ErrUnauthorized, ErrForbidden, ErrNotFound, ErrServer,
		ErrBadRequest, ErrTransport, ErrUnexpectedStatus, ErrInvalidRequest, ErrBodyTooLarge} {
		if other != sentinel {
			assert.NotErrorIs(t, err, other)
		}
	}
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, kind, ae.Kind)
	assert.Equal(t, status, ae.Status)
	assert.Equal(t, temp, ae.Temporary())
	if message == "" {
		assert.Empty(t, ae.Errors)
	} else {
		require.NotEmpty(t, ae.Errors)
		assert.Equal(t, message, ae.Errors[0].Message)
		assert.Contains(t, err.Error(), message)
	}
	assert.Contains(t, err.Error(), kind.String())
	assert.NotContains(t, err.Error(), "<html", "no body text in errors")
	assertNoSecret(t, err)
}

func TestClientDecodeErrors(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		cause error
		got   string
	}{
		{"empty body", "", ErrEmptyBody, ""},
		{"truncated", `<User><loginId>1001</loginId><state>REA`, nil, "User"},
		{"wrong root", string(fixture(t, "systeminfo_minimal.xml")), nil, "SystemInfo"},
		{"html 200", string(fixture(t, "html_500.html")), nil, "html"},
		{"plain text", "OK", ErrNotXML, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := newServer(t, reply(200, tt.body))
			u, err := fs.client(t, basicAuth).GetUser(context.Background(), "1001")
			require.Error(t, err)
			assert.Nil(t, u)
			var ae *APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, KindDecode, ae.Kind)
			assert.Equal(t, 200, ae.Status)
			var de *DecodeError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, "User", de.Want)
			assert.Equal(t, tt.got, de.Got)
			if tt.cause != nil {
				assert.ErrorIs(t, err, tt.cause)
			}
			assert.False(t, ae.Temporary())
			assert.Equal(t, 1, strings.Count(err.Error(), "finesse:"), err.Error())
			assertNoSecret(t, err)
		})
	}
}

func TestClientOversizeBody(t *testing.T) {
	big := "<User><loginId>" + strings.Repeat("x", 4096) + "</loginId></User>"
	t.Run("2xx", func(t *testing.T) {
		fs := newServer(t, reply(200, big))
		c := fs.client(t, basicAuth, WithMaxBody(1024))
		_, err := c.GetUser(context.Background(), "1001")
		assert.ErrorIs(t, err, ErrBodyTooLarge)
		var ae *APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, KindBodyTooLarge, ae.Kind)
		resp, err := c.Request(context.Background(), "GET", "/finesse/api/User/1001", nil)
		assert.ErrorIs(t, err, ErrBodyTooLarge)
		require.NotNil(t, resp)
		assert.Len(t, resp.Body, 1024, "the body is cut at the limit")
	})
	t.Run("503 with a huge body", func(t *testing.T) {
		huge := "<ApiErrors><ApiError><ErrorMessage>SERVER_OUT_OF_SERVICE</ErrorMessage><ErrorData>" +
			strings.Repeat("y", 4096) + "</ErrorData></ApiError></ApiErrors>"
		fs := newServer(t, reply(503, huge))
		_, err := fs.client(t, basicAuth, WithMaxBody(1024)).GetSystemInfo(context.Background())
		assert.ErrorIs(t, err, ErrOutOfService, "the status decides the kind")
		var ae *APIError
		require.ErrorAs(t, err, &ae)
		assert.Empty(t, ae.Errors, "a cut body is not parsed")
	})
	t.Run("default limit", func(t *testing.T) {
		fs := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "<User><loginId>")
			chunk := strings.Repeat("z", 64<<10)
			for i := 0; i < (MaxBodySize/len(chunk))+2; i++ {
				if _, err := io.WriteString(w, chunk); err != nil {
					return
				}
			}
		})
		_, err := fs.client(t, basicAuth).GetUser(context.Background(), "1001")
		assert.ErrorIs(t, err, ErrBodyTooLarge)
	})
}

func TestClientTransportErrors(t *testing.T) {
	t.Run("connection refused", func(t *testing.T) {
		fs := newServer(t, reply(200, "<SystemInfo/>"))
		c := fs.client(t, basicAuth)
		fs.Close()
		_, err := c.GetSystemInfo(context.Background())
		require.Error(t, err)
		assert.ErrorIs(t, err, ErrTransport)
		var ae *APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, 0, ae.Status)
		assert.True(t, ae.Temporary())
		var ue *url.Error
		assert.ErrorAs(t, err, &ue, "the Doer's error is wrapped")
		assertNoSecret(t, err)
	})
	t.Run("context cancel", func(t *testing.T) {
		started := make(chan struct{})
		fs := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			close(started)
			<-r.Context().Done()
		})
		c := fs.client(t, basicAuth)
		ctx, cancel := context.WithCancel(context.Background())
		go func() { <-started; cancel() }()
		_, err := c.SetState(ctx, "1001", StateReady, "")
		assert.ErrorIs(t, err, ErrTransport)
		assert.ErrorIs(t, err, context.Canceled)
		assertNoSecret(t, err)
	})
	t.Run("deadline", func(t *testing.T) {
		fs := newServer(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := fs.client(t, basicAuth).GetSystemInfo(ctx)
		assert.ErrorIs(t, err, ErrTransport)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
	})
	t.Run("already canceled", func(t *testing.T) {
		fs := newServer(t, reply(200, "<SystemInfo/>"))
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := fs.client(t, basicAuth).GetSystemInfo(ctx)
		assert.ErrorIs(t, err, context.Canceled)
	})
	t.Run("nil context", func(t *testing.T) {
		fs := newServer(t, reply(200, "<SystemInfo/>"))
		_, err := fs.client(t, basicAuth).GetSystemInfo(nilContext())
		assert.ErrorIs(t, err, ErrInvalidRequest)
	})
}

func nilContext() context.Context { return nil }

// fakeDoer answers with a fixed response or error.
type fakeDoer struct {
	resp *httpx.Response
	err  error
}

func (d fakeDoer) Do(*httpx.Request) (*httpx.Response, error) { return d.resp, d.err }

// failingBody yields some bytes then an error, like a reset connection.
type failingBody struct {
	data   io.Reader
	closed bool
}

func (b *failingBody) Read(p []byte) (int, error) {
	n, err := b.data.Read(p)
	if err == io.EOF {
		return n, errors.New("connection reset by peer (" + testPassword + ")")
	}
	return n, err
}

func (b *failingBody) Close() error { b.closed = true; return nil }

func TestClientDoerMisbehaviour(t *testing.T) {
	ctx := context.Background()
	t.Run("body read error", func(t *testing.T) {
		body := &failingBody{data: strings.NewReader("<User><state>")}
		c, err := NewClient("https://fin-a:8445", fakeDoer{resp: &httpx.Response{StatusCode: 200, Body: body}}, basicAuth)
		require.NoError(t, err)
		_, err = c.GetUser(ctx, "1001")
		assert.ErrorIs(t, err, ErrTransport)
		var ae *APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, 200, ae.Status)
		assert.True(t, body.closed, "the body is always closed")
		assertNoSecret(t, err)
	})
	t.Run("nil response", func(t *testing.T) {
		c, err := NewClient("https://fin-a:8445", fakeDoer{}, basicAuth)
		require.NoError(t, err)
		_, err = c.GetSystemInfo(ctx)
		assert.ErrorIs(t, err, ErrTransport)
	})
	t.Run("nil body", func(t *testing.T) {
		c, err := NewClient("https://fin-a:8445", fakeDoer{resp: &httpx.Response{StatusCode: 202}}, basicAuth)
		require.NoError(t, err)
		_, err = c.SetState(ctx, "1001", StateReady, "")
		assert.NoError(t, err)
		_, err = c.GetSystemInfo(ctx)
		assert.ErrorIs(t, err, ErrEmptyBody)
	})
	t.Run("response and error", func(t *testing.T) {
		body := &failingBody{data: strings.NewReader("")}
		c, err := NewClient("https://fin-a:8445", fakeDoer{resp: &httpx.Response{StatusCode: 200, Body: body},
			err: errors.New("redirect refused")}, basicAuth)
		require.NoError(t, err)
		_, err = c.GetSystemInfo(ctx)
		assert.ErrorIs(t, err, ErrTransport)
		assert.True(t, body.closed)
	})
	t.Run("error text with credentials is redacted", func(t *testing.T) {
		basic := base64.StdEncoding.EncodeToString([]byte(testUser + ":" + testPassword))
		for _, a := range []Auth{basicAuth, bearerAuth} {
			leaky := errors.New("fetch failed: Authorization: Basic " + basic + " Bearer " + testToken + " pw=" + testPassword)
			c, err := NewClient("https://fin-a:8445", fakeDoer{err: leaky}, a)
			require.NoError(t, err)
			_, err = c.GetSystemInfo(ctx)
			assert.ErrorIs(t, err, leaky, "the cause stays reachable")
			if a == basicAuth {
				assert.NotContains(t, err.Error(), basic)
				assert.NotContains(t, err.Error(), testPassword)
			} else {
				assert.NotContains(t, err.Error(), testToken)
			}
			assert.Contains(t, err.Error(), "[redacted]")
		}
	})
}

func TestClientServerEchoingSecrets(t *testing.T) {
	// A misbehaving server or proxy echoes the credentials back.
	fs := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		w.WriteHeader(401)
		_, _ = io.WriteString(w, "<ApiErrors><ApiError><ErrorType>"+auth+"</ErrorType><ErrorMessage>bad password "+
			testPassword+"</ErrorMessage><ErrorData>"+testPassword+"</ErrorData></ApiError></ApiErrors>")
	})
	_, err := fs.client(t, basicAuth).GetUser(context.Background(), "1001")
	assert.ErrorIs(t, err, ErrUnauthorized)
	assertNoSecret(t, err)
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	require.Len(t, ae.Errors, 1)
	assert.NotContains(t, ae.Errors[0].Data, testPassword)
	assert.NotContains(t, ae.Errors[0].Type, base64.StdEncoding.EncodeToString([]byte(testUser+":"+testPassword)))
}

func TestClientRequest(t *testing.T) {
	fs := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Echo", r.Method)
		w.WriteHeader(200)
		_, _ = io.WriteString(w, "<ReasonCodes/>")
	})
	c := fs.client(t, basicAuth)
	ctx := context.Background()

	resp, err := c.Request(ctx, "get", "/finesse/api/User/1001/ReasonCodes?category=NOT_READY", nil)
	require.NoError(t, err)
	assert.Equal(t, 200, resp.Status)
	assert.Equal(t, "<ReasonCodes/>", string(resp.Body))
	assert.Equal(t, "GET", resp.Header.Get("X-Echo"))
	assert.Empty(t, resp.RequestID)
	r := fs.last(t)
	assert.Equal(t, "/finesse/api/User/1001/ReasonCodes", r.Path)
	assert.Equal(t, "category=NOT_READY", r.RawQuery)

	for _, m := range []string{"PUT", "POST", "DELETE"} {
		resp, err = c.Request(ctx, m, "/finesse/api/User/1001", []byte("<User><state>READY</state></User>"))
		require.NoError(t, err)
		assert.NotEmpty(t, resp.RequestID)
		r = fs.last(t)
		assert.Equal(t, m, r.Method)
		assert.Equal(t, resp.RequestID, r.Header.Get(RequestIDHeader))
		assert.Equal(t, "<User><state>READY</state></User>", r.Body)
		assert.Equal(t, "application/xml", r.Header.Get("Content-Type"))
	}

	fs.mu.Lock()
	n := len(fs.reqs)
	fs.mu.Unlock()
	for _, tt := range []struct{ method, path string }{
		{"PATCH", "/finesse/api/User/1001"},
		{"CONNECT", "/"},
		{"", "/finesse/api/SystemInfo"},
		{"GET", ""},
		{"GET", "finesse/api/SystemInfo"},
		{"GET", "https://evil.example.com/finesse/api/SystemInfo"},
		{"GET", "//evil.example.com/finesse/api/SystemInfo"},
		{"GET", "/finesse/../admin"},
		{"GET", "/finesse/%2e%2e/admin"},
		{"GET", "/finesse/%2E/api"},
		{"GET", "/finesse\\..\\admin"},
		{"GET", "/finesse/api/SystemInfo#frag"},
		{"GET", "/finesse/api/User/10 01"},
		{"GET", "/finesse/api/User/1001\r\nX-Evil: 1"},
		{"GET", "/finesse/%zz"},
	} {
		resp, err := c.Request(ctx, tt.method, tt.path, nil)
		assert.ErrorIs(t, err, ErrInvalidRequest, "%s %q", tt.method, tt.path)
		assert.Nil(t, resp)
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	assert.Len(t, fs.reqs, n, "refused requests are never sent")
}

func TestNewClientValidation(t *testing.T) {
	d := fakeDoer{}
	for _, tt := range []struct{ base, want string }{
		{"https://fin-a.example.com:8445", "https://fin-a.example.com:8445"},
		{"https://fin-a.example.com:8445/", "https://fin-a.example.com:8445"},
		{" HTTPS://fin-a.example.com:8445/proxy/side-a/ ", "https://fin-a.example.com:8445/proxy/side-a"},
		{"http://127.0.0.1:8082", "http://127.0.0.1:8082"},
	} {
		c, err := NewClient(tt.base, d, basicAuth)
		require.NoError(t, err, tt.base)
		assert.Equal(t, tt.want, c.BaseURL())
	}
	for _, base := range []string{
		"", "fin-a:8445", "ftp://fin-a", "https://", "https:///path", "mailto:x@y",
		"https://1001:" + testPassword + "@fin-a:8445", "https://fin-a:8445?x=1", "https://fin-a:8445#f",
		"https://fin-a:8445/a/../b", "https://fin a", "https://fin-a:8445/%zz",
	} {
		_, err := NewClient(base, d, basicAuth)
		assert.ErrorIs(t, err, ErrInvalidRequest, base)
		assertNoSecret(t, err)
	}
	_, err := NewClient("https://fin-a", nil, basicAuth)
	assert.ErrorIs(t, err, ErrInvalidRequest)
	_, err = NewClient("https://fin-a", d, Auth{Username: "a:b", Password: "x"})
	assert.ErrorIs(t, err, ErrInvalidRequest)
}

func TestClientBasePrefixAndSetAuth(t *testing.T) {
	fs := newServer(t, reply(200, "<SystemInfo><status>IN_SERVICE</status></SystemInfo>"))
	c, err := NewClient(fs.URL+"/proxy/a/", nethttp.New(fs.Server.Client()), basicAuth)
	require.NoError(t, err)
	_, err = c.GetSystemInfo(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "/proxy/a/finesse/api/SystemInfo", fs.last(t).Path)

	assert.Equal(t, basicAuth, c.Auth())
	require.NoError(t, c.SetAuth(bearerAuth))
	_, err = c.GetSystemInfo(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "Bearer "+testToken, fs.last(t).Header.Get("Authorization"))
	err = c.SetAuth(Auth{Token: "a\nb"})
	assert.ErrorIs(t, err, ErrInvalidRequest)
	assert.Equal(t, bearerAuth, c.Auth(), "a rejected SetAuth keeps the old credentials")
}

func TestClientConcurrentUse(t *testing.T) {
	fs := newServer(t, reply(200, "<SystemInfo><status>IN_SERVICE</status></SystemInfo>"))
	c := fs.client(t, basicAuth)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 10; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, err := c.GetSystemInfo(context.Background())
			errs <- err
		}()
		go func() {
			defer wg.Done()
			errs <- c.SetAuth(Auth{Token: "t"})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
}
