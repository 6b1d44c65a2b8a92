package e2e

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/sim"
	"github.com/finesse-ha/finesse-ha/internal/testkit/browserharness"
)

// fixture is shared by every browser test: building the wasm and starting a
// browser are the slow parts, so they happen once per package run. The
// browser, simulators and tabs come from internal/testkit/browserharness, which the
// browser benchmarks share.
type fixture struct {
	h   *browserharness.Harness
	tmp string
}

var (
	fixOnce sync.Once
	fix     *fixture
	fixErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if fix != nil {
		fix.close()
	}
	os.Exit(code)
}

func (f *fixture) close() {
	if f.h != nil {
		f.h.Close()
	}
	os.RemoveAll(f.tmp)
}

// moduleRoot is the repository root: tests run in internal/e2e.
func moduleRoot(t testing.TB) string {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	return root
}

// requireChromium skips (or fails under CI=true) when the browser is absent.
func requireChromium(t testing.TB) {
	t.Helper()
	if err := browserharness.CheckChromium(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
}

// env returns the shared fixture, building it on first use.
func env(t *testing.T) *fixture {
	t.Helper()
	requireChromium(t)
	fixOnce.Do(func() { fix, fixErr = newFixture(moduleRoot(t)) })
	require.NoError(t, fixErr)
	return fix
}

// newFixture builds the .wasm from the working tree (not dist/, which may
// be stale) and launches the browser.
func newFixture(root string) (*fixture, error) {
	tmp, err := os.MkdirTemp("", "finesse-ha-e2e-")
	if err != nil {
		return nil, err
	}
	f := &fixture{tmp: tmp}
	dist := filepath.Join(tmp, "dist")
	if err := browserharness.BuildWasm(context.Background(), root, dist); err != nil {
		f.close()
		return nil, err
	}
	// The same layout build/demo.sh serves: web/ and the built package
	// overlaid at the root, plus gadget/ and this package's fixture pages.
	f.h, err = browserharness.New(browserharness.Config{Static: []sim.StaticDir{
		{Prefix: "/", Dir: filepath.Join(root, "web")},
		{Prefix: "/", Dir: dist},
		{Prefix: "/gadget/", Dir: filepath.Join(root, "gadget")},
		{Prefix: "/e2e/", Dir: filepath.Join(root, "internal", "e2e", "testdata")},
	}})
	if err != nil {
		f.close()
		return nil, err
	}
	return f, nil
}

// newPair starts a simulator with cfg for one test (it starts in
// milliseconds), so faults a test injects never leak into another, even
// with -count=N. Its ControlURL serves the static files.
func (f *fixture) newPair(t *testing.T, cfg sim.Config) *sim.Pair {
	t.Helper()
	pair, err := f.h.StartPair(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { pair.Close() })
	return pair
}

// tab opens a new browser tab for one test. The console output and
// uncaught exceptions it collected are logged if the test fails: they are
// the only clue when a page never reaches the state a test waits for.
func (f *fixture) tab(t *testing.T, timeout time.Duration) context.Context {
	t.Helper()
	return f.newTab(t, timeout).Ctx
}

// newTab is tab for a test that also closes the tab itself.
func (f *fixture) newTab(t *testing.T, timeout time.Duration) *browserharness.Tab {
	t.Helper()
	tab := f.h.NewTab(timeout)
	t.Cleanup(func() {
		tab.Close()
		if t.Failed() {
			for _, l := range tab.Console() {
				t.Log("browser: " + l)
			}
		}
	})
	return tab
}

// artifactDir is where screenshots go: FINESSE_HA_ARTIFACTS (kept, for CI
// uploads) or a temp dir removed with the test.
func artifactDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("FINESSE_HA_ARTIFACTS"); d != "" {
		require.NoError(t, os.MkdirAll(d, 0o755))
		return d
	}
	return t.TempDir()
}
