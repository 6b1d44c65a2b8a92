//go:build js && wasm

package jsfetch

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
	"github.com/finesse-ha/finesse-ha/internal/httpx"
)

// The Doer contract of SPEC §2.
var _ httpx.Doer = (*Transport)(nil)

func TestSystemInfoRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		path   string
		status finesse.Status
	}{
		{"/finesse/api/SystemInfo", finesse.StatusInService},
		{"/oos/finesse/api/SystemInfo", finesse.StatusOutOfService},
	} {
		t.Run(string(tc.status), func(t *testing.T) {
			req := newRequest(t, testCtx(t), http.MethodGet, testHost(t)+tc.path, nil)
			req.Header.Set("Authorization", "Basic MTAwMTAwMTpzZWNyZXQ=")
			resp, err := (&Transport{}).Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Equal(t, "200 OK", resp.Status)
			assert.Equal(t, "application/xml", resp.Header.Get("Content-Type"))
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)

			si, err := finesse.DecodeSystemInfo(body)
			require.NoError(t, err)
			assert.Equal(t, tc.status, si.Status)
			assert.Equal(t, finesse.DeploymentUCCE, si.DeploymentType)
			require.NotNil(t, si.PrimaryNode)
			assert.Equal(t, "fin-a.example.com", si.PrimaryNode.Host)
			require.NotNil(t, si.SecondaryNode)
			assert.Equal(t, "fin-b.example.com", si.SecondaryNode.Host)
			assert.Len(t, si.CTIServers, 2)
		})
	}
}

func TestRequestArrivesIntact(t *testing.T) {
	const payload = "<User><state>NOT_READY</state><reasonCodeId>22</reasonCodeId></User>"
	req := newRequest(t, testCtx(t), http.MethodPut, testHost(t)+"/echo?x=1&y=%C3%A9", []byte(payload))
	req.Header.Set("Authorization", "Bearer eyJ.token.sig")
	req.Header.Set("Content-Type", "application/xml")
	req.Header.Set("RequestId", "req-42")
	req.Header.Add("X-Finesse-Test", "a")
	req.Header.Add("X-Finesse-Test", "b")

	resp, err := (&Transport{}).Do(req)
	require.NoError(t, err)
	assert.Equal(t, "PUT", resp.Header.Get("X-Echo-Method"))
	assert.Equal(t, "req-42", resp.Header.Get("X-Request-Id"))
	// The browser joins repeated response headers into one value.
	assert.Equal(t, "one, two", resp.Header.Get("X-Multi"))
	assert.Equal(t, "200 OK", resp.Status)

	e := decodeEcho(t, resp)
	assert.Equal(t, "PUT", e.Method)
	assert.Equal(t, "/echo", e.Path)
	assert.Equal(t, "x=1&y=%C3%A9", e.Query)
	assert.Equal(t, payload, e.Body)
	assert.Equal(t, []string{"Bearer eyJ.token.sig"}, e.Header["Authorization"])
	assert.Equal(t, []string{"application/xml"}, e.Header["Content-Type"])
	assert.Equal(t, []string{"req-42"}, e.Header["Requestid"])
	assert.Equal(t, []string{"a, b"}, e.Header["X-Finesse-Test"])
}

func TestMethodsAndEmptyBodies(t *testing.T) {
	for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
		t.Run(method, func(t *testing.T) {
			resp, err := (&Transport{}).Do(newRequest(t, testCtx(t), method, testHost(t)+"/echo", nil))
			require.NoError(t, err)
			e := decodeEcho(t, resp)
			assert.Equal(t, method, e.Method)
			assert.Empty(t, e.Body)
		})
	}
}

func TestNon2xxIsAResponse(t *testing.T) {
	for _, tc := range []struct {
		code    int
		message string
	}{
		{401, "UNAUTHORIZED"},
		{403, "FORBIDDEN"},
		{500, "RUNTIME_EXCEPTION"},
		{503, "SERVER_OUT_OF_SERVICE"},
	} {
		t.Run(http.StatusText(tc.code), func(t *testing.T) {
			code, body := get(t, testCtx(t), testHost(t)+"/status/"+itoa(tc.code))
			assert.Equal(t, tc.code, code)
			assert.Contains(t, body, "<ApiErrors><ApiError>")
			assert.Contains(t, body, "<ErrorMessage>"+tc.message+"</ErrorMessage>")
		})
	}
	t.Run("status line", func(t *testing.T) {
		resp, err := (&Transport{}).Do(newRequest(t, testCtx(t), http.MethodGet, testHost(t)+"/status/503", nil))
		require.NoError(t, err)
		defer resp.Body.Close()
		assert.Equal(t, "503 Service Unavailable", resp.Status)
	})
	t.Run("no content", func(t *testing.T) {
		resp, err := (&Transport{}).Do(newRequest(t, testCtx(t), http.MethodGet, testHost(t)+"/status/204", nil))
		require.NoError(t, err)
		require.NotNil(t, resp.Body)
		n, err := resp.Body.Read(make([]byte, 8))
		assert.Equal(t, 0, n)
		assert.ErrorIs(t, err, io.EOF)
		assert.Equal(t, 204, resp.StatusCode)
		require.NoError(t, resp.Body.Close())
	})
}

// The server sends chunk i+1 only after the test asked for it, so reading
// chunk 0 before asking proves the body is streamed, not buffered: a
// buffering implementation would wait for the end of the body and the test
// would run into its deadline.
func TestStreamingChunksArriveIncrementally(t *testing.T) {
	ctx := testCtx(t)
	host, id := testHost(t), uniqueID(t)
	resp, err := (&Transport{}).Do(newRequest(t, ctx, http.MethodGet, host+"/stream?chunks=3&id="+id, nil))
	require.NoError(t, err)
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	for i := 0; i < 3; i++ {
		if i > 0 {
			next, err := (&Transport{}).Do(newRequest(t, ctx, http.MethodPost, host+"/stream/next?id="+id, nil))
			require.NoError(t, err)
			require.NoError(t, next.Body.Close())
			require.Equal(t, http.StatusNoContent, next.StatusCode)
		}
		line, err := r.ReadString('\n')
		require.NoError(t, err, "chunk %d", i)
		assert.Equal(t, "chunk "+itoa(i)+"\n", line)
	}
	_, err = r.ReadByte()
	assert.ErrorIs(t, err, io.EOF)
}

func TestLargeBody(t *testing.T) {
	const size = 3<<20 + 17
	resp, err := (&Transport{}).Do(newRequest(t, testCtx(t), http.MethodGet, testHost(t)+"/big?size="+itoa(size), nil))
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Len(t, body, size)
	for i, b := range body {
		if b != byte(i%251) {
			t.Fatalf("byte %d = %d, want %d", i, b, i%251)
		}
	}
}

func TestLongPollCompletes(t *testing.T) {
	code, body := get(t, testCtx(t), testHost(t)+"/slow?ms=1000")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "done", body)
}

func TestCancelBeforeResponseAbortsFetch(t *testing.T) {
	host, id := testHost(t), uniqueID(t)
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		resp, err := (&Transport{}).Do(newRequest(t, ctx, http.MethodGet, host+"/hang?id="+id, nil))
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	requireServerSaw(t, "arrived", id)
	cancel()
	err := <-errc
	require.Error(t, err)
	assert.ErrorIs(t, err, context.Canceled)
	var uerr *url.Error
	require.ErrorAs(t, err, &uerr)
	assert.Equal(t, "Get", uerr.Op)
	requireServerSaw(t, "disconnected", id)
}

func TestDeadlineDuringBodyAbortsRead(t *testing.T) {
	host, id := testHost(t), uniqueID(t)
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	resp, err := (&Transport{}).Do(newRequest(t, ctx, http.MethodGet, host+"/hang?after=headers&id="+id, nil))
	require.NoError(t, err)
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	line, err := r.ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "first\n", line)

	// The context ends while a Read waits for a chunk that never comes.
	errc := make(chan error, 1)
	go func() { _, err := r.ReadByte(); errc <- err }()
	cancel()
	assert.ErrorIs(t, <-errc, context.Canceled)
	requireServerSaw(t, "disconnected", id)
}

func TestDeadlineExceeded(t *testing.T) {
	ctx, cancel := context.WithTimeout(testCtx(t), 200*time.Millisecond)
	defer cancel()
	_, err := (&Transport{}).Do(newRequest(t, ctx, http.MethodGet, testHost(t)+"/slow?ms=30000", nil))
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	var uerr *url.Error
	require.ErrorAs(t, err, &uerr)
	assert.True(t, uerr.Timeout(), "a deadline is a timeout, as with net/http")
}

func TestCanceledContextSendsNothing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := newRequest(t, ctx, http.MethodPost, testHost(t)+"/echo", []byte("x"))
	_, err := (&Transport{}).Do(req)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestBodyCloseAbortsDownload(t *testing.T) {
	host, id := testHost(t), uniqueID(t)
	resp, err := (&Transport{}).Do(newRequest(t, testCtx(t), http.MethodGet, host+"/hang?after=headers&id="+id, nil))
	require.NoError(t, err)
	r := bufio.NewReader(resp.Body)
	line, err := r.ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "first\n", line)

	// Close from another goroutine while a Read waits: how a BOSH client
	// abandons a long-poll.
	errc := make(chan error, 1)
	go func() { _, err := r.ReadByte(); errc <- err }()
	require.NoError(t, resp.Body.Close())
	assert.ErrorIs(t, <-errc, ErrBodyClosed)
	requireServerSaw(t, "disconnected", id)

	_, err = resp.Body.Read(make([]byte, 1))
	assert.ErrorIs(t, err, ErrBodyClosed)
	assert.NoError(t, resp.Body.Close(), "a second Close is harmless")
}

func TestClosedPortIsATransportError(t *testing.T) {
	closed := os.Getenv("FINESSE_HA_CLOSED_URL")
	require.NotEmpty(t, closed, "FINESSE_HA_CLOSED_URL is not set: run via go run ./build/wasmtest")
	_, err := (&Transport{}).Do(newRequest(t, testCtx(t), http.MethodGet, closed+"finesse/api/SystemInfo", nil))
	require.Error(t, err)
	var ferr *FetchError
	require.ErrorAs(t, err, &ferr)
	assert.Contains(t, ferr.Reason, "TypeError")
	assert.NotErrorIs(t, err, context.Canceled)
	var uerr *url.Error
	require.ErrorAs(t, err, &uerr)
	assert.Equal(t, closed+"finesse/api/SystemInfo", uerr.URL)
}

func TestCredentialsStayOutOfErrors(t *testing.T) {
	t.Run("userinfo in URL", func(t *testing.T) {
		u, err := url.Parse(testHost(t) + "/echo")
		require.NoError(t, err)
		u.User = url.UserPassword("1001001", "hunter2-secret")
		_, err = (&Transport{}).Do(newRequest(t, testCtx(t), http.MethodGet, u.String(), nil))
		require.Error(t, err)
		assert.NotContains(t, err.Error(), "hunter2-secret")
	})
	t.Run("header value the browser refuses", func(t *testing.T) {
		req := newRequest(t, testCtx(t), http.MethodGet, testHost(t)+"/echo", nil)
		req.Header["Authorization"] = []string{"Basic hunter2-secret\x00x"}
		_, err := (&Transport{}).Do(req)
		require.Error(t, err)
		assert.NotContains(t, err.Error(), "hunter2-secret")
		assert.Contains(t, err.Error(), "Authorization")
	})
}

func TestNoCORSRefused(t *testing.T) {
	_, err := (&Transport{Mode: "no-cors"}).Do(newRequest(t, testCtx(t), http.MethodGet, testHost(t)+"/echo", nil))
	assert.ErrorIs(t, err, errNoCORS)
}

func TestCredentialsInclude(t *testing.T) {
	// The test host answers with the page's origin and Allow-Credentials,
	// which fetch requires in this mode; a wrong init would fail the fetch.
	resp, err := (&Transport{Credentials: CredentialsInclude}).Do(newRequest(t, testCtx(t), http.MethodGet, testHost(t)+"/echo", nil))
	require.NoError(t, err)
	e := decodeEcho(t, resp)
	assert.Equal(t, "GET", e.Method)
	assert.NotEmpty(t, e.Header["Origin"], "a cross-origin fetch carries Origin")
}

func TestNilRequest(t *testing.T) {
	_, err := (&Transport{}).Do(nil)
	assert.ErrorIs(t, err, errNilRequest)
}

func itoa(i int) string { return strconv.Itoa(i) }
