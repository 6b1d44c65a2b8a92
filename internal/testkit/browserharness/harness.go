// Package browserharness runs pages in headless Chromium against the
// in-process simulator: it launches one browser (Debian's /usr/bin/chromium,
// driven by chromedp), starts simulators whose control port serves the web
// package and the built .wasm, and opens tabs that collect console output.
//
// It is shared by the end-to-end tests (internal/e2e) and the browser
// benchmarks (internal/testkit/browserbench), which need the same fixture and must
// not drift apart. Everything stays on loopback.
package browserharness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/finesse-ha/finesse-ha/internal/sim"
)

// ChromiumPath is where Debian's chromium package installs the browser.
const ChromiumPath = "/usr/bin/chromium"

// ErrNoChromium is returned (wrapped) when ChromiumPath does not exist.
var ErrNoChromium = errors.New("headless Chromium not found at " + ChromiumPath +
	" (install the Debian package chromium: apt-get install chromium)")

// CheckChromium reports ErrNoChromium when the browser is absent.
func CheckChromium() error {
	if _, err := os.Stat(ChromiumPath); err != nil {
		return fmt.Errorf("%w: %v", ErrNoChromium, err)
	}
	return nil
}

// Config says what the harness serves.
type Config struct {
	// Static is served on every simulator's control port (see
	// sim.Config.Static); directories under one prefix overlay, first wins.
	Static []sim.StaticDir
	// Throttled launches the browser with background throttling as users
	// have it (throttled.go): hidden pages' timers slow down.
	Throttled bool
}

// allocatorOptions are the Chromium flags of one harness.
func allocatorOptions(cfg Config, tmp string) []chromedp.ExecAllocatorOption {
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(ChromiumPath),
		chromedp.Flag("disable-background-networking", true),
		// performance.memory reports real, unbucketed heap sizes.
		chromedp.Flag("enable-precise-memory-info", true),
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.UserDataDir(filepath.Join(tmp, "chromium-profile")),
		chromedp.WindowSize(1280, 1000),
	}
	if cfg.Throttled {
		return append(throttledDefaults(), opts...)
	}
	return append(append(chromedp.DefaultExecAllocatorOptions[:], opts...),
		// Background tabs must run their timers at full rate: the
		// benchmarks drive several tabs, and a throttled one would time
		// the browser's power saving, not the client.
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
	)
}

// Harness is one running browser plus the static layout its pages load.
// It is safe for concurrent use: tabs and simulators are independent.
type Harness struct {
	static  []sim.StaticDir
	browser context.Context
	tmp     string

	mu      sync.Mutex
	cleanup []func()
}

// New launches headless Chromium with a throw-away profile. The caller must
// Close the harness.
func New(cfg Config) (*Harness, error) {
	if err := CheckChromium(); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "finesse-ha-browser-")
	if err != nil {
		return nil, err
	}
	h := &Harness{static: cfg.Static, tmp: tmp}
	h.cleanup = append(h.cleanup, func() { os.RemoveAll(tmp) })

	opts := allocatorOptions(cfg, tmp)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	h.cleanup = append(h.cleanup, cancelAlloc)
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	h.cleanup = append(h.cleanup, cancelBrowser)
	// Start the browser now so a launch failure is reported here, once.
	if err := chromedp.Run(browser); err != nil {
		h.Close()
		return nil, fmt.Errorf("starting %s: %w", ChromiumPath, err)
	}
	h.browser = browser
	return h, nil
}

// Close stops the browser and removes its profile.
func (h *Harness) Close() {
	h.mu.Lock()
	fns := h.cleanup
	h.cleanup = nil
	h.mu.Unlock()
	for i := len(fns) - 1; i >= 0; i-- {
		fns[i]()
	}
}

// Static is the layout every simulator started by StartPair serves.
func (h *Harness) Static() []sim.StaticDir { return h.static }

// StartPair starts a simulator with cfg and the harness's static files on
// its control port. It starts in milliseconds, so each test or run gets
// its own and injected faults never leak. The caller must Close it.
func (h *Harness) StartPair(cfg sim.Config) (*sim.Pair, error) {
	cfg.Static = h.static
	p, err := sim.New(cfg)
	if err != nil {
		return nil, err
	}
	if err := p.Start(); err != nil {
		return nil, err
	}
	return p, nil
}

// Version is the browser's product string (e.g. "HeadlessChrome/156.0…"),
// "" if the browser does not say.
func (h *Harness) Version() string {
	var product string
	_ = chromedp.Run(h.browser, chromedp.ActionFunc(func(ctx context.Context) error {
		var err error
		_, product, _, _, _, err = browser.GetVersion().Do(ctx)
		return err
	}))
	return product
}
