package browserharness

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/sim"
)

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	res, err := http.Get(url)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, string(body)
}

func TestPageServerServesTheOverlayWithItsPolicy(t *testing.T) {
	first, second := t.TempDir(), t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(first, "page.html"), []byte("first CONFIG"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(second, "page.html"), []byte("second"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(second, "only.js"), []byte("js"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(second, "index.html"), []byte("index"), 0o644))
	s, err := StartPageServer(PageConfig{
		Static: []sim.StaticDir{{Prefix: "/app/", Dir: first}, {Prefix: "/app", Dir: second}},
		CSP:    "default-src 'self'",
		Rewrite: func(p string, body []byte) []byte {
			return []byte(strings.ReplaceAll(string(body), "CONFIG", "rewritten "+p))
		},
	})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	assert.True(t, strings.HasPrefix(s.URL, "http://127.0.0.1:"))

	res, body := get(t, s.URL+"/app/page.html")
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "first rewritten /app/page.html", body, "first directory wins, then the rewrite")
	assert.Equal(t, "default-src 'self'; report-uri "+CSPReportPath, res.Header.Get("Content-Security-Policy"))
	assert.Contains(t, res.Header.Get("Content-Type"), "text/html")
	_, body = get(t, s.URL+"/app/only.js")
	assert.Equal(t, "js", body, "the overlay falls through to the next directory")
	_, body = get(t, s.URL+"/app/")
	assert.Equal(t, "index", body)

	for _, p := range []string{"/app/missing.js", "/app/../pages_test.go", "/apple/page.html", "/page.html"} {
		res, _ := get(t, s.URL+p)
		assert.Equal(t, http.StatusNotFound, res.StatusCode, p)
	}

	s.SetCSP("script-src 'none'")
	res, _ = get(t, s.URL+"/app/only.js")
	assert.Equal(t, "script-src 'none'; report-uri "+CSPReportPath, res.Header.Get("Content-Security-Policy"))

	assert.Empty(t, s.Violations())
	post, err := http.Post(s.URL+CSPReportPath, "application/csp-report", strings.NewReader(`{"csp-report":{"blocked-uri":"inline"}}`))
	require.NoError(t, err)
	require.NoError(t, post.Body.Close())
	assert.Equal(t, http.StatusNoContent, post.StatusCode)
	assert.Equal(t, []string{`{"csp-report":{"blocked-uri":"inline"}}`}, s.Violations())
}

func TestPageServerHosts(t *testing.T) {
	s, err := StartPageServer(PageConfig{Host: "localhost"})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	assert.True(t, strings.HasPrefix(s.URL, "http://localhost:"), "another site than 127.0.0.1, for cross-site frames")
	_, err = StartPageServer(PageConfig{Host: "example.com"})
	assert.Error(t, err)
}
