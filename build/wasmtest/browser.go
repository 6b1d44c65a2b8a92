package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// chromeNames are the executables chromedp (inside wasmbrowsertest) looks
// for on PATH, in its order; finding none of them here means the tests
// could not have run.
var chromeNames = []string{
	"headless_shell", "headless-shell", "chromium", "chromium-browser",
	"google-chrome", "google-chrome-stable", "google-chrome-beta", "google-chrome-unstable",
}

func requireChromium() error {
	for _, name := range chromeNames {
		if _, err := exec.LookPath(name); err == nil {
			return nil
		}
	}
	where := "this machine"
	if os.Getenv("CI") == "true" {
		where = "the CI machine"
	}
	return fmt.Errorf("no Chromium on PATH (looked for %v), so the browser tests cannot run on %s.\n"+
		"  Install it with `make deps` (Debian: apt-get install chromium). These tests are never skipped.",
		chromeNames, where)
}

// ensureExecWrapper builds bin/go_js_wasm_exec, the name go test looks up on
// PATH for GOOS=js, from the wasmbrowsertest version pinned in go.mod (its
// chromedp matches current Chromium and keeps the output free of
// "unknown IPAddressSpace" noise). build/install-deps.sh also rebuilds it
// when the pinned versions change; here it is only built when missing.
func ensureExecWrapper(root, binDir string) error {
	exe := filepath.Join(binDir, "go_js_wasm_exec")
	if _, err := os.Stat(exe); err == nil {
		return nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	fmt.Fprintln(os.Stderr, "wasmtest: building bin/go_js_wasm_exec (wasmbrowsertest)")
	cmd := exec.Command("go", "build", "-o", exe, "github.com/agnivade/wasmbrowsertest")
	cmd.Dir = root
	// Built for the host: an inherited GOOS=js would build it for wasm.
	cmd.Env = append(os.Environ(), "GOOS=", "GOARCH=")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build go_js_wasm_exec: %w", err)
	}
	return nil
}
