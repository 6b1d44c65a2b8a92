package browserharness

import (
	"context"
	"fmt"
	"strings"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// IntensiveThrottlingGrace is how long a page must be hidden before a
// throttled harness (Config.Throttled) applies Chrome's intensive wake-up
// throttling: chained timers then fire once a minute. Chrome's default is
// 5 minutes; the flag below shortens it (research/browser-runtime.md §1:
// minute-long gaps began 8.4-10.4 s after hiding).
const IntensiveThrottlingGrace = 10

// throttledDefaults are chromedp's default flags minus the three that turn
// background throttling off, plus a 10 s intensive-throttling grace period.
func throttledDefaults() []chromedp.ExecAllocatorOption {
	var opts []chromedp.ExecAllocatorOption
	for _, o := range chromedp.DefaultExecAllocatorOptions {
		opts = append(opts, o)
	}
	return append(opts,
		// Flags set later win: these undo chromedp's defaults.
		chromedp.Flag("disable-background-timer-throttling", false),
		chromedp.Flag("disable-renderer-backgrounding", false),
		chromedp.Flag("disable-backgrounding-occluded-windows", false),
		chromedp.Flag("enable-features", fmt.Sprintf("IntensiveWakeUpThrottling:grace_period_seconds/%d", IntensiveThrottlingGrace)),
	)
}

// Hide puts a foreground tab over t, which makes t's page hidden (its
// document.visibilityState becomes "hidden"), and returns the function
// that closes that tab again. Chromium treats a page under another tab
// as a user's background tab; a headless window is never occluded
// otherwise.
func (t *Tab) Hide() (show func(), err error) {
	c := chromedp.FromContext(t.Ctx)
	if c == nil || c.Browser == nil {
		return nil, fmt.Errorf("browserharness: Hide: tab not started")
	}
	var id target.ID
	err = chromedp.Run(t.Ctx, chromedp.ActionFunc(func(ctx context.Context) error {
		var err error
		id, err = target.CreateTarget("about:blank").Do(cdpBrowser(ctx))
		return err
	}))
	if err != nil {
		return nil, fmt.Errorf("browserharness: opening a tab over the page: %w", err)
	}
	return func() {
		_ = chromedp.Run(t.Ctx, chromedp.ActionFunc(func(ctx context.Context) error {
			return target.CloseTarget(id).Do(cdpBrowser(ctx))
		}))
	}, nil
}

// VisibilityState is the page's document.visibilityState.
func (t *Tab) VisibilityState() (string, error) {
	var s string
	err := t.Eval(`document.visibilityState`, &s)
	return strings.TrimSpace(s), err
}

// cdpBrowser runs a CDP command on the browser rather than the tab: only
// the browser target can open and close other tabs.
func cdpBrowser(ctx context.Context) context.Context {
	return cdp.WithExecutor(ctx, chromedp.FromContext(ctx).Browser)
}

// CloseWorkers closes the browser's workers of type kind ("worker",
// "shared_worker") whose script is url, as a crash would end them.
func (t *Tab) CloseWorkers(kind, url string) error {
	return chromedp.Run(t.Ctx, chromedp.ActionFunc(func(ctx context.Context) error {
		infos, err := target.GetTargets().Do(cdpBrowser(ctx))
		if err != nil {
			return err
		}
		n := 0
		for _, ti := range infos {
			if string(ti.Type) == kind && ti.URL == url {
				if err := target.CloseTarget(ti.TargetID).Do(cdpBrowser(ctx)); err != nil {
					return err
				}
				n++
			}
		}
		if n == 0 {
			return fmt.Errorf("browserharness: no %s target at %s", kind, url)
		}
		return nil
	}))
}
