package finesse

import (
	"errors"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
)

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestNewRequestID(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		id := NewRequestID()
		assert.Regexp(t, uuidPattern, id)
		assert.True(t, validRequestID(id))
		assert.False(t, seen[id], "duplicate id %s", id)
		seen[id] = true
	}
}

func TestAPIErrorText(t *testing.T) {
	cause := errors.New("dial tcp 127.0.0.1:8445: connect: connection refused")
	tests := []struct {
		err  *APIError
		want string
	}{
		{&APIError{Kind: KindOutOfService, Status: 503, Method: "GET", Path: "/finesse/api/SystemInfo",
			Errors: []ApiError{{Type: "Service Unavailable", Message: "SERVER_OUT_OF_SERVICE", Data: "private"}}},
			"finesse: GET /finesse/api/SystemInfo: 503 out of service: SERVER_OUT_OF_SERVICE"},
		{&APIError{Kind: KindBadRequest, Status: 400, Method: "PUT", Path: "/finesse/api/User/1",
			Errors: []ApiError{{Type: "Invalid State"}}},
			"finesse: PUT /finesse/api/User/1: 400 bad request: Invalid State"},
		{&APIError{Kind: KindTransport, Method: "GET", Path: "/x", err: cause, detail: cause.Error()},
			"finesse: GET /x: transport error: dial tcp 127.0.0.1:8445: connect: connection refused"},
		{invalidf("empty id"), "finesse: invalid request: empty id"},
		{&APIError{}, "finesse: ErrorKind(0)"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.err.Error())
		assert.NotContains(t, tt.err.Error(), "private", "ErrorData stays out of the text")
	}
	assert.ErrorIs(t, tests[2].err, cause)
	assert.ErrorIs(t, tests[2].err, ErrTransport)
	assert.NotErrorIs(t, &APIError{}, ErrTransport)
	assert.NotErrorIs(t, &APIError{Kind: KindDecode}, ErrTransport)
	assert.Equal(t, "malformed response", KindDecode.String())
	assert.Equal(t, "ErrorKind(200)", ErrorKind(200).String())
}

func TestKindOf(t *testing.T) {
	for status, want := range map[int]ErrorKind{
		400: KindBadRequest, 401: KindUnauthorized, 403: KindForbidden, 404: KindNotFound,
		503: KindOutOfService, 500: KindServer, 502: KindServer, 504: KindServer, 599: KindServer,
		301: KindStatus, 405: KindStatus, 409: KindStatus, 429: KindStatus, 600: KindStatus, 100: KindStatus,
	} {
		assert.Equal(t, want, kindOf(status), status)
	}
}
