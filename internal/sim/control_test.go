package sim

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

func control(t *testing.T, p *Pair, method, path, body string, hdr ...string) reply {
	t.Helper()
	if body != "" && strings.HasPrefix(body, "{") {
		hdr = append(hdr, "Content-Type", "application/json")
	}
	return callAs(t, "", "", method, p.ControlURL()+path, body, hdr...)
}

func TestControlAPIInjectsFaults(t *testing.T) {
	p := startPair(t, Config{})
	r := control(t, p, http.MethodPost, "/control/fault", `{"fault":"out-of-service","side":"B"}`)
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Equal(t, finesse.StatusOutOfService, systemInfo(t, p.B()).Status)

	r = control(t, p, http.MethodPost, "/control/fault?fault=in-service&side=B", "")
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Equal(t, finesse.StatusInService, systemInfo(t, p.B()).Status)

	r = control(t, p, http.MethodPost, "/control/fault", "fault=latency&side=A&duration=0.05")
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Contains(t, p.A().activeFaults(), "latency duration=50ms")

	r = control(t, p, http.MethodPost, "/control/reset", "")
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Empty(t, p.A().activeFaults())
}

func TestControlAPIRejectsUnknownFaults(t *testing.T) {
	p := startPair(t, Config{})
	r := control(t, p, http.MethodPost, "/control/fault", `{"fault":"meteor","side":"A"}`)
	require.Equal(t, http.StatusBadRequest, r.status)
	var body struct {
		Error string   `json:"error"`
		Valid []string `json:"valid"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.body), &body))
	assert.Contains(t, body.Error, "meteor")
	assert.Len(t, body.Valid, len(FaultCatalog()))
	assert.Contains(t, body.Valid, "kill")

	for _, bad := range []string{`{"fault":`, "fault=kill", "fault=burst-503&side=A&n=x", "fault=latency&side=A&duration=soon", ""} {
		r := control(t, p, http.MethodPost, "/control/fault", bad)
		assert.Equal(t, http.StatusBadRequest, r.status, bad)
	}
	assert.Equal(t, http.StatusMethodNotAllowed, control(t, p, http.MethodGet, "/control/fault", "").status)
}

func TestControlAPIStateCallAndSignIn(t *testing.T) {
	p := startPair(t, Config{Agents: 4, Mode: finesse.DeploymentUCCX})
	r := control(t, p, http.MethodPost, "/control/signin?ready=true", "")
	require.Equal(t, http.StatusOK, r.status, r.body)
	r = control(t, p, http.MethodPost, "/control/call?agent=1001003", "")
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Contains(t, r.body, "dialogId")
	assert.Equal(t, http.StatusConflict, control(t, p, http.MethodPost, "/control/call?agent=1001003", "").status, "not READY any more")

	r = control(t, p, http.MethodGet, "/control/state", "")
	require.Equal(t, http.StatusOK, r.status)
	var st State
	require.NoError(t, json.Unmarshal([]byte(r.body), &st))
	assert.Equal(t, finesse.DeploymentUCCX, st.Mode)
	assert.Equal(t, 4, st.SignedIn)
	assert.Equal(t, 3, st.Ready)
	assert.Equal(t, 1, st.Calls)
	require.Len(t, st.Sides, 2)
	assert.Equal(t, p.A().URL(), st.Sides[0].URL)
	assert.Equal(t, finesse.StatusOutOfService, st.Sides[1].Status)

	r = control(t, p, http.MethodGet, "/control/faults", "")
	require.Equal(t, http.StatusOK, r.status)
	var cat []FaultInfo
	require.NoError(t, json.Unmarshal([]byte(r.body), &cat))
	assert.Equal(t, FaultCatalog(), cat)
}

func TestControlServesStaticFilesWithCORS(t *testing.T) {
	web, dist := t.TempDir(), t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(web, "index.html"), []byte("<h1>demo</h1>"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(web, "same.txt"), []byte("web"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dist, "same.txt"), []byte("dist"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dist, "finesse-ha.wasm"), []byte("\x00asm"), 0o644))
	p := startPair(t, Config{Static: []StaticDir{{Dir: web}, {Prefix: "/", Dir: dist}, {Prefix: "/assets", Dir: dist}}})
	r := control(t, p, http.MethodGet, "/index.html", "", "Origin", "http://other.test")
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "<h1>demo</h1>", r.body)
	assert.Equal(t, "http://other.test", r.header.Get("Access-Control-Allow-Origin"))
	r = control(t, p, http.MethodGet, "/finesse-ha.wasm", "")
	require.Equal(t, http.StatusOK, r.status, "directories under one prefix overlay")
	assert.Equal(t, "application/wasm", r.header.Get("Content-Type"))
	assert.Equal(t, "web", control(t, p, http.MethodGet, "/same.txt", "").body, "the first directory wins")
	assert.Equal(t, "dist", control(t, p, http.MethodGet, "/assets/same.txt", "").body)
	assert.Equal(t, http.StatusNotFound, control(t, p, http.MethodGet, "/missing.txt", "").status)
	assert.Equal(t, http.StatusOK, control(t, p, http.MethodGet, "/control/state", "").status, "API still reachable")
}
