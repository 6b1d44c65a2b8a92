package main

// BROWSER HOOK. The browser part of `make bench` (the failover scenarios in
// headless Chromium with the real .wasm, time to connected, heap, idle CPU)
// is package internal/browserbench, written separately. Its expected API:
//
//	func Run(ctx context.Context, o browserbench.Options) (*browserbench.Report, error)
//
// and, if it has one, (*Report).Markdown() string, rendered as the
// "Browser (headless Chromium)" section. Until it lands, runBrowser states
// that the section is not measured, and the report lists it under "Not
// measured yet".

// browserSection is what the report renders for the browser part.
type browserSection struct {
	markdown string // the section body, when it ran
	skipped  string // why it did not run
	failed   bool
}

func runBrowser(s settings) browserSection {
	_ = s
	return browserSection{skipped: "internal/browserbench is not in this tree yet"}
}
