package failover

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
	"github.com/finesse-ha/finesse-ha/internal/httpx"
)

// doerFunc answers requests in memory (no network).
type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Do(r *httpx.Request) (*httpx.Response, error) {
	hr, err := http.NewRequestWithContext(r.Context(), r.Method, r.URL, bytes.NewReader(r.Body))
	if err != nil {
		return nil, err
	}
	hr.Header = http.Header(r.Header)
	resp, err := f(hr)
	if err != nil {
		return nil, err
	}
	return &httpx.Response{StatusCode: resp.StatusCode, Header: httpx.Header(resp.Header), Body: resp.Body}, nil
}

// brokenReader is a body that breaks off after a few bytes.
type brokenReader struct{ n int }

func (b *brokenReader) Read(p []byte) (int, error) {
	if b.n > 0 {
		return 0, errors.New("connection reset")
	}
	b.n = copy(p, "<ApiErr")
	return b.n, nil
}

func xmlResponse(status int, body string) *http.Response {
	return &http.Response{
		StatusCode: status,
		Header:     http.Header{"Content-Type": {"application/xml"}},
		Body:       io.NopCloser(strings.NewReader(body)),
	}
}

func TestFinesseRESTAdapter(t *testing.T) {
	var mu sync.Mutex
	var ids []string
	doer := doerFunc(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		// Sent with Finesse's exact spelling, so not via Header.Get.
		ids = append(ids, r.Method+" "+r.URL.Path+" "+strings.Join(r.Header[finesse.RequestIDHeader], ","))
		mu.Unlock()
		switch {
		case r.URL.Path == "/finesse/api/SystemInfo":
			return xmlResponse(200, "<SystemInfo><status>IN_SERVICE</status><deploymentType>UCCE</deploymentType></SystemInfo>"), nil
		case r.URL.Path == "/finesse/api/User/1001" && r.Method == "GET":
			return xmlResponse(200, "<User><loginId>1001</loginId><state>READY</state></User>"), nil
		case r.URL.Path == "/finesse/api/User/1001/Dialogs":
			return xmlResponse(200, "<Dialogs><Dialog><id>5</id><state>ACTIVE</state></Dialog></Dialogs>"), nil
		case r.URL.Path == "/finesse/api/Dialog/5":
			return xmlResponse(200, "<Dialog><id>5</id><state>ACTIVE</state></Dialog>"), nil
		case r.URL.Path == "/finesse/api/User/1001" && r.Method == "PUT":
			return xmlResponse(202, ""), nil
		case r.URL.Path == "/finesse/api/Team/1":
			return &http.Response{StatusCode: 404, Body: io.NopCloser(&brokenReader{})}, nil
		case r.URL.Path == "/finesse/api/Dialog/9":
			return xmlResponse(503, "<ApiErrors><ApiError><ErrorType>Service Unavailable</ErrorType><ErrorMessage>SERVER_OUT_OF_SERVICE</ErrorMessage></ApiError></ApiErrors>"), nil
		}
		return nil, errors.New("connection refused")
	})
	c, err := finesse.NewClient("https://fin-a:8445", doer, finesse.Auth{Username: "1001", Password: "pw"})
	require.NoError(t, err)
	r := FinesseREST(c)
	ctx := context.Background()

	si, err := r.SystemInfo(ctx)
	require.NoError(t, err)
	assert.True(t, si.InService())
	u, err := r.User(ctx, "1001")
	require.NoError(t, err)
	assert.Equal(t, finesse.StateReady, u.State)
	ds, err := r.Dialogs(ctx, "1001")
	require.NoError(t, err)
	assert.Len(t, ds.Dialogs, 1)
	d, err := r.Dialog(ctx, "5")
	require.NoError(t, err)
	assert.Equal(t, "5", d.ID)

	require.NoError(t, r.UpdateUser(ctx, "1001", finesse.UserChange{State: finesse.StateLogin, Extension: "1001"}, "fha-1-aa"))
	require.NoError(t, r.UpdateUser(ctx, "1001", finesse.UserChange{State: finesse.StateReady}, "fha-2-bb"))
	resp, err := r.Do(ctx, "PUT", "/finesse/api/User/1001", []byte("<User><state>READY</state></User>"), "fha-3-cc")
	require.NoError(t, err)
	assert.Equal(t, 202, resp.Status)

	// A 503 is an answer: a response, not an error (REST.Do's contract).
	resp, err = r.Do(ctx, "PUT", "/finesse/api/Dialog/9", []byte("<Dialog/>"), "fha-4-dd")
	require.NoError(t, err)
	assert.Equal(t, 503, resp.Status)
	assert.Equal(t, []string{"application/xml"}, resp.Header["Content-Type"], "the response header is passed on")
	assert.Contains(t, string(resp.Body), "SERVER_OUT_OF_SERVICE")
	assert.Equal(t, kindOutOfService, kindOfStatus(resp.Status))

	// No answer, or one whose body broke off, is an error and no response.
	resp, err = r.Do(ctx, "GET", "/finesse/api/Queue/1", nil, "")
	assert.Nil(t, resp)
	assert.Equal(t, kindTransport, classify(err))
	resp, err = r.Do(ctx, "GET", "/finesse/api/Team/1", nil, "")
	assert.Nil(t, resp)
	assert.Equal(t, kindTransport, classify(err))

	mu.Lock()
	defer mu.Unlock()
	assert.Contains(t, ids, "PUT /finesse/api/User/1001 fha-1-aa")
	assert.Contains(t, ids, "PUT /finesse/api/User/1001 fha-2-bb")
	assert.Contains(t, ids, "PUT /finesse/api/User/1001 fha-3-cc")
}

// A 2xx body over the client's limit is no usable answer: an error, no
// response. A non-2xx body over it is still the answer, cut at the limit.
func TestFinesseRESTDoBodyOverLimit(t *testing.T) {
	doer := doerFunc(func(r *http.Request) (*http.Response, error) {
		status := 200
		if r.Method == "PUT" {
			status = 400
		}
		return xmlResponse(status, "<User><state>"+strings.Repeat("X", 100)+"</state></User>"), nil
	})
	c, err := finesse.NewClient("https://fin-a:8445", doer, finesse.Auth{Username: "1001", Password: "pw"}, finesse.WithMaxBody(32))
	require.NoError(t, err)
	r := FinesseREST(c)

	resp, err := r.Do(context.Background(), "GET", "/finesse/api/User/1001", nil, "")
	assert.Nil(t, resp)
	require.Error(t, err)

	resp, err = r.Do(context.Background(), "PUT", "/finesse/api/User/1001", []byte("<User/>"), "")
	require.NoError(t, err)
	assert.Equal(t, 400, resp.Status)
	assert.Len(t, resp.Body, 32)
}
