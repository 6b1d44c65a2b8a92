package client

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/httpx/nethttp"
	"github.com/finesse-ha/finesse-ha/internal/sim"
)

// simDoer is the HTTP client of the tests against the simulator.
func simDoer() Doer { return nethttp.New(&http.Client{Timeout: 10 * time.Second}) }

// startSim starts a simulator pair with cfg and short BOSH timings (a 1 s
// wait, 5 s of inactivity), so that the tests see losses quickly; it is
// closed when t ends.
func startSim(t *testing.T, cfg sim.Config) *sim.Pair {
	t.Helper()
	cfg.BOSHMaxWait, cfg.BOSHInactivity = time.Second, 5*time.Second
	pair, err := sim.New(cfg)
	require.NoError(t, err)
	require.NoError(t, pair.Start())
	t.Cleanup(func() { _ = pair.Close() })
	return pair
}

// boshSides is pair's two sides over BOSH, as Config.Sides.
func boshSides(pair *sim.Pair) []SideConfig {
	return []SideConfig{{REST: pair.A().URL(), BOSH: pair.A().BOSHURL()}, {REST: pair.B().URL(), BOSH: pair.B().BOSHURL()}}
}
