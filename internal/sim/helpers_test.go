package sim

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
	"github.com/finesse-ha/finesse-ha/internal/sim/internal/boshtest"
)

const (
	agentID  = "1001001"
	password = "s3cret-pw"
)

func startPair(t *testing.T, cfg Config) *Pair {
	t.Helper()
	if cfg.Password == "" {
		cfg.Password = password
	}
	if cfg.BOSHMaxWait == 0 {
		cfg.BOSHMaxWait = time.Second
	}
	if cfg.BOSHInactivity == 0 {
		cfg.BOSHInactivity = 5 * time.Second
	}
	p, err := New(cfg)
	require.NoError(t, err)
	require.NoError(t, p.Start())
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

type reply struct {
	status int
	header http.Header
	body   string
}

// rest sends one REST request with Basic credentials for agentID.
func rest(t *testing.T, method, url, body string, hdr ...string) reply {
	t.Helper()
	return callAs(t, agentID, password, method, url, body, hdr...)
}

func callAs(t *testing.T, user, pass, method, url, body string, hdr ...string) reply {
	t.Helper()
	r, err := tryCall(&http.Client{Timeout: 5 * time.Second}, user, pass, method, url, body, hdr...)
	require.NoError(t, err)
	return r
}

// tryCall is call without assertions; hdr is a list of name, value pairs.
func tryCall(c *http.Client, user, pass, method, url, body string, hdr ...string) (reply, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return reply{}, err
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/xml")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: string(data)}, err
}

func api(s *Side, path string) string { return s.URL() + "/finesse/api/" + path }

func systemInfo(t *testing.T, s *Side) *finesse.SystemInfo {
	t.Helper()
	r := callAs(t, "", "", http.MethodGet, api(s, "SystemInfo"), "")
	require.Equal(t, http.StatusOK, r.status, r.body)
	si, err := finesse.DecodeSystemInfo([]byte(r.body))
	require.NoError(t, err)
	return si
}

func getUser(t *testing.T, s *Side) *finesse.User {
	t.Helper()
	r := rest(t, http.MethodGet, api(s, "User/"+agentID), "")
	require.Equal(t, http.StatusOK, r.status, r.body)
	u, err := finesse.DecodeUser([]byte(r.body))
	require.NoError(t, err)
	return u
}

func getDialogs(t *testing.T, s *Side) []finesse.Dialog {
	t.Helper()
	r := rest(t, http.MethodGet, api(s, "User/"+agentID+"/Dialogs"), "")
	require.Equal(t, http.StatusOK, r.status, r.body)
	ds, err := finesse.DecodeDialogs([]byte(r.body))
	require.NoError(t, err)
	return ds.Dialogs
}

// putState sends a state change and requires 202.
func putState(t *testing.T, s *Side, body string, hdr ...string) {
	t.Helper()
	r := rest(t, http.MethodPut, api(s, "User/"+agentID), body, hdr...)
	require.Equal(t, http.StatusAccepted, r.status, r.body)
}

// boshLogin logs agentID into side s with the test-only BOSH client.
func boshLogin(t *testing.T, s *Side) *boshtest.Client {
	t.Helper()
	c := boshtest.New(s.BOSHURL(), s.Host())
	_, err := c.Login(testCtx(t), agentID, password, "crm", 1)
	require.NoError(t, err)
	return c
}

// nextUpdate polls c until an event on node arrives and decodes it.
func nextUpdate(t *testing.T, c *boshtest.Client, node string) *finesse.Update {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var found *boshtest.Event
	_, err := c.PollUntil(ctx, func(b *boshtest.Body) bool {
		for _, ev := range b.Events() {
			if ev.Node == node {
				found = &ev
				return true
			}
		}
		return false
	})
	require.NoError(t, err, "waiting for an event on %s", node)
	u, err := finesse.DecodeUpdate(found.Node, []byte(found.Update))
	require.NoError(t, err)
	return u
}
