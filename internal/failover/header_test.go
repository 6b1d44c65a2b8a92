package failover

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestResponseHeaderFiltersAndCanonicalizes(t *testing.T) {
	h := newHarness(t, 31)
	got := responseHeader(map[string][]string{
		"content-type":        {"application/xml", "text/plain"},
		"X-Echo":              {"Basic " + testPassword},
		"Set-Cookie":          {"JSESSIONID=abc"},
		"set-cookie2":         {"old=1"},
		"Authorization":       {"Basic eDp5"},
		"proxy-authorization": {"Basic eDp5"},
		"Empty":               {},
	}, h.e.secrets.scrub)
	assert.Equal(t, map[string]string{
		"Content-Type": "application/xml",
		"X-Echo":       "Basic " + redacted,
	}, got)
	assert.Nil(t, responseHeader(map[string][]string{"Set-Cookie": {"a=b"}}, h.e.secrets.scrub), "nothing left: nil")
	assert.Nil(t, responseHeader(nil, h.e.secrets.scrub))

	// Two spellings of one name: the same one wins every time.
	for range 20 {
		got := responseHeader(map[string][]string{"X-A": {"upper"}, "x-a": {"lower"}}, h.e.secrets.scrub)
		assert.Equal(t, map[string]string{"X-A": "upper"}, got)
	}
}

func TestRequestPassesResponseHeadersAndFullErrorBody(t *testing.T) {
	h := newHarness(t, 32)
	h.start("A")
	h.A.with(func() {
		h.A.doHeader = map[string][]string{
			"Content-Type": {"application/xml"},
			"Set-Cookie":   {"JSESSIONID=abc"},
		}
	})
	p := h.e.submit("GET", "/finesse/api/User/1001001", nil)
	h.run(time.Second)
	h.requireDone(p)
	require.NoError(t, p.err)
	assert.Equal(t, map[string]string{"Content-Type": "application/xml"}, p.resp.Header)

	// A 400 whose body is longer than the error's excerpt, and which quotes
	// the password: the page gets all of it but the password.
	long := "<ApiErrors><ApiError><ErrorMessage>" + strings.Repeat("x", 300) + " " + testPassword + "</ErrorMessage></ApiError></ApiErrors>"
	h.A.with(func() { h.A.doStatus, h.A.doBody = 400, long })
	p = h.e.submit("PUT", "/finesse/api/Dialog/1", []byte("<Dialog/>"))
	h.run(time.Second)
	h.requireDone(p)
	var re *RequestError
	require.ErrorAs(t, p.err, &re)
	assert.Equal(t, 400, re.Status)
	assert.Equal(t, strings.ReplaceAll(long, testPassword, redacted), re.Body)
	assert.Equal(t, map[string]string{"Content-Type": "application/xml"}, re.Header)
	assert.Less(t, len(re.Msg), len(re.Body), "Msg stays an excerpt")
	assert.NotContains(t, re.Error(), testPassword)
}

func TestRequestWithoutAnswerHasNoBody(t *testing.T) {
	h := newHarness(t, 33)
	h.start("A")
	h.A.kill()
	h.B.kill()
	p := h.e.submit("GET", "/finesse/api/User/1001001", nil)
	h.run(2 * time.Minute)
	h.requireDone(p)
	var re *RequestError
	require.ErrorAs(t, p.err, &re)
	assert.Zero(t, re.Status)
	assert.Empty(t, re.Body)
	assert.Nil(t, re.Header)
}
