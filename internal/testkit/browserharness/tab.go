package browserharness

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Tab is one browser tab. Console output and uncaught exceptions are
// collected: they are the only clue when a page never reaches the state a
// caller waits for.
type Tab struct {
	// Ctx runs chromedp actions in this tab; it ends at the tab's timeout.
	Ctx    context.Context
	cancel []context.CancelFunc

	mu    sync.Mutex
	lines []string
}

// NewTab opens a tab that closes after timeout or Close, whichever is first.
func (h *Harness) NewTab(timeout time.Duration) *Tab {
	ctx, cancelTab := chromedp.NewContext(h.browser)
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	t := &Tab{Ctx: ctx, cancel: []context.CancelFunc{cancelTimeout, cancelTab}}
	chromedp.ListenTarget(ctx, func(ev any) {
		if line := ConsoleLine(ev); line != "" {
			t.mu.Lock()
			t.lines = append(t.lines, line)
			t.mu.Unlock()
		}
	})
	return t
}

// Close closes the tab.
func (t *Tab) Close() {
	for _, c := range t.cancel {
		c()
	}
}

// Console returns the console lines and uncaught exceptions seen so far.
func (t *Tab) Console() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.lines...)
}

// Open navigates to url and waits until the JS expression ready is truthy.
func (t *Tab) Open(url, ready string, within time.Duration) error {
	return chromedp.Run(t.Ctx,
		chromedp.Navigate(url),
		chromedp.Poll(ready, nil, chromedp.WithPollingTimeout(within)),
	)
}

// Eval evaluates expr in the tab, awaiting a returned promise, and decodes
// the JSON result into out (nil to ignore it).
func (t *Tab) Eval(expr string, out any) error { return Eval(t.Ctx, expr, out) }

// Eval evaluates expr in the page of ctx, awaiting a returned promise.
func Eval(ctx context.Context, expr string, out any) error {
	return chromedp.Run(ctx, chromedp.Evaluate(expr, out, func(p *runtime.EvaluateParams) *runtime.EvaluateParams {
		return p.WithAwaitPromise(true)
	}))
}

// ConsoleLine renders a console call or uncaught exception, "" for any
// other CDP event.
func ConsoleLine(ev any) string {
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		parts := make([]string, 0, len(ev.Args))
		for _, a := range ev.Args {
			if a.Value != nil {
				parts = append(parts, string(a.Value))
			} else {
				parts = append(parts, a.Description)
			}
		}
		return fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(parts, " "))
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			msg += " " + d.Exception.Description
		}
		return "uncaught: " + msg
	}
	return ""
}
