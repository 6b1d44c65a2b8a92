package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/sim"
)

// chromiumPath is where Debian's chromium package installs the browser.
const chromiumPath = "/usr/bin/chromium"

// The wasm build takes 30-60 s on a loaded 2-core machine; the bound only
// catches a hung toolchain.
const wasmBuildTimeout = 4 * time.Minute

// fixture is shared by every browser test: building the wasm and starting a
// browser are the slow parts, so they happen once per package run.
type fixture struct {
	static  []sim.StaticDir
	browser context.Context
	tmp     string
	cleanup []func()
}

var (
	fixOnce sync.Once
	fix     *fixture
	fixErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if fix != nil {
		for i := len(fix.cleanup) - 1; i >= 0; i-- {
			fix.cleanup[i]()
		}
	}
	os.Exit(code)
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
	if _, err := os.Stat(chromiumPath); err != nil {
		msg := fmt.Sprintf("headless Chromium not found at %s (install the Debian package chromium: apt-get install chromium)", chromiumPath)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
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

func newFixture(root string) (*fixture, error) {
	f := &fixture{}
	tmp, err := os.MkdirTemp("", "finesse-ha-e2e-")
	if err != nil {
		return nil, err
	}
	f.tmp = tmp
	f.cleanup = append(f.cleanup, func() { os.RemoveAll(tmp) })
	fail := func(err error) (*fixture, error) {
		for i := len(f.cleanup) - 1; i >= 0; i-- {
			f.cleanup[i]()
		}
		return nil, err
	}

	dist := filepath.Join(tmp, "dist")
	if err := buildWasm(root, dist); err != nil {
		return fail(err)
	}

	// The same layout build/demo.sh serves: web/ and the built package
	// overlaid at the root, plus gadget/ and this package's fixture pages.
	f.static = []sim.StaticDir{
		{Prefix: "/", Dir: filepath.Join(root, "web")},
		{Prefix: "/", Dir: dist},
		{Prefix: "/gadget/", Dir: filepath.Join(root, "gadget")},
		{Prefix: "/e2e/", Dir: filepath.Join(root, "internal", "e2e", "testdata")},
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("disable-background-networking", true),
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.UserDataDir(filepath.Join(tmp, "chromium-profile")),
		chromedp.WindowSize(1280, 1000),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	f.cleanup = append(f.cleanup, cancelAlloc)
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	f.cleanup = append(f.cleanup, cancelBrowser)
	// Start the browser now so a launch failure is reported here, once.
	if err := chromedp.Run(browser); err != nil {
		return fail(fmt.Errorf("starting %s: %w", chromiumPath, err))
	}
	f.browser = browser
	return f, nil
}

// buildWasm builds ./wasm and copies wasm_exec.js next to it, as `make wasm`
// does for dist/.
func buildWasm(root, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), wasmBuildTimeout)
	defer cancel()
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	cmd := exec.CommandContext(ctx, gobin, "build", "-trimpath", "-ldflags=-s -w",
		"-o", filepath.Join(dir, "finesse-ha.wasm"), "./wasm")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building finesse-ha.wasm: %w\n%s", err, strings.TrimSpace(string(out)))
	}
	glue, err := os.ReadFile(filepath.Join(runtime.GOROOT(), "lib", "wasm", "wasm_exec.js"))
	if err != nil {
		return fmt.Errorf("wasm_exec.js: %w", err)
	}
	return os.WriteFile(filepath.Join(dir, "wasm_exec.js"), glue, 0o644)
}

// newPair starts a simulator for one test (it starts in milliseconds), so
// faults a test injects never leak into another, even with -count=N. Its
// ControlURL serves the static files.
func (f *fixture) newPair(t *testing.T) *sim.Pair {
	t.Helper()
	pair, err := sim.New(sim.Config{Static: f.static})
	require.NoError(t, err)
	require.NoError(t, pair.Start())
	t.Cleanup(func() { pair.Close() })
	return pair
}

// tab opens a new browser tab for one test. Console output and uncaught
// exceptions are collected and logged if the test fails: they are the only
// clue when a page never reaches the state a test waits for.
func (f *fixture) tab(t *testing.T, timeout time.Duration) context.Context {
	t.Helper()
	ctx, cancelTab := chromedp.NewContext(f.browser)
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	var mu sync.Mutex
	var lines []string
	chromedp.ListenTarget(ctx, func(ev any) {
		if line := consoleLine(ev); line != "" {
			mu.Lock()
			lines = append(lines, line)
			mu.Unlock()
		}
	})
	t.Cleanup(func() {
		cancelTimeout()
		cancelTab()
		if t.Failed() {
			mu.Lock()
			defer mu.Unlock()
			for _, l := range lines {
				t.Log("browser: " + l)
			}
		}
	})
	return ctx
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
