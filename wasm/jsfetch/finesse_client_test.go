//go:build js && wasm

package jsfetch

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

// The REST client of internal/finesse over this Doer, in the browser: the
// combination the wasm build ships.

var agent = finesse.Auth{Username: "1001001", Password: "hunter2-secret"}

func restClient(t *testing.T, base string) *finesse.Client {
	t.Helper()
	c, err := finesse.NewClient(base, &Transport{}, agent)
	require.NoError(t, err)
	return c
}

func TestRESTGetSystemInfo(t *testing.T) {
	si, err := restClient(t, testHost(t)).GetSystemInfo(testCtx(t))
	require.NoError(t, err)
	assert.True(t, si.InService())
	assert.Equal(t, "fin-a.example.com", si.XMPPDomain)

	si, err = restClient(t, testHost(t)+"/oos").GetSystemInfo(testCtx(t))
	require.NoError(t, err)
	assert.False(t, si.InService())
	assert.Equal(t, finesse.StatusOutOfService, si.Status)
}

func TestRESTSendsAuthAndRequestID(t *testing.T) {
	resp, err := restClient(t, testHost(t)).Request(testCtx(t), http.MethodPut, "/echo", []byte("<User/>"))
	require.NoError(t, err)
	var e echoReply
	require.NoError(t, json.Unmarshal(resp.Body, &e))
	assert.Equal(t, "PUT", e.Method)
	assert.Equal(t, "<User/>", e.Body)
	assert.Equal(t, []string{"Basic MTAwMTAwMTpodW50ZXIyLXNlY3JldA=="}, e.Header["Authorization"])
	require.NotEmpty(t, resp.RequestID)
	assert.Equal(t, []string{resp.RequestID}, e.Header["Requestid"])
}

func TestRESTTypedErrors(t *testing.T) {
	c := restClient(t, testHost(t))
	for _, tc := range []struct {
		path string
		want error
	}{
		{"/status/401", finesse.ErrUnauthorized},
		{"/status/403", finesse.ErrForbidden},
		{"/status/404", finesse.ErrNotFound},
		{"/status/500", finesse.ErrServer},
		{"/status/503", finesse.ErrOutOfService},
	} {
		resp, err := c.Request(testCtx(t), http.MethodGet, tc.path, nil)
		require.ErrorIs(t, err, tc.want, tc.path)
		require.NotNil(t, resp, "a response arrived, so Request returns it")
		var apiErr *finesse.APIError
		require.ErrorAs(t, err, &apiErr)
		require.NotEmpty(t, apiErr.Errors, "%s: ApiErrors body parsed", tc.path)
		assert.NotContains(t, err.Error(), agent.Password)
	}
	_, err := c.Request(testCtx(t), http.MethodGet, "/status/503", nil)
	var apiErr *finesse.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "SERVER_OUT_OF_SERVICE", apiErr.Errors[0].Message)
	assert.True(t, apiErr.Temporary())
}

func TestRESTTransportErrors(t *testing.T) {
	closed := os.Getenv("FINESSE_HA_CLOSED_URL")
	require.NotEmpty(t, closed, "FINESSE_HA_CLOSED_URL is not set: run via go run ./build/wasmtest")
	_, err := restClient(t, closed).GetSystemInfo(testCtx(t))
	require.ErrorIs(t, err, finesse.ErrTransport)
	var ferr *FetchError
	assert.True(t, errors.As(err, &ferr), "the fetch failure is the cause: %v", err)
	assert.NotContains(t, err.Error(), agent.Password)

	ctx, cancel := context.WithCancel(testCtx(t))
	cancel()
	_, err = restClient(t, testHost(t)).GetSystemInfo(ctx)
	require.ErrorIs(t, err, finesse.ErrTransport)
	assert.ErrorIs(t, err, context.Canceled)
}
