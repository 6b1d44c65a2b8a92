// Command wasmtest runs the browser tests: `go test` for GOOS=js GOARCH=wasm
// in headless Chromium (wasmbrowsertest as go_js_wasm_exec), with the
// host-side servers those tests talk to already running.
//
//	go run ./build/wasmtest [go test flags] [packages]
//	go run ./build/wasmtest -timeout 300s ./wasm/...
//
// Why a runner: inside wasm, httptest servers live on Go's in-process fake
// network, which the browser's fetch cannot reach (research/go-wasm.md), so
// every fetch test needs a real server on 127.0.0.1 started outside the
// browser. The runner starts those fixtures (fixtures.go), hands their URLs
// to the tests through environment variables (wasmbrowsertest copies the
// environment into the wasm's os.Getenv), runs go test, stops them, and
// exits with go test's status.
//
// It never skips: a missing Chromium is an error with instructions, in CI or
// not, because a browser suite that silently does not run is a suite that
// silently passes.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/finesse-ha/finesse-ha/internal/testkit/modroot"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	root, err := modroot.Dir()
	if err != nil {
		return fail(err)
	}
	binDir := filepath.Join(root, "bin")
	path := binDir + string(os.PathListSeparator) + os.Getenv("PATH")
	if err := os.Setenv("PATH", path); err != nil {
		return fail(err)
	}
	if err := requireChromium(); err != nil {
		return fail(err)
	}
	if err := ensureExecWrapper(root, binDir); err != nil {
		return fail(err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	env, stopFixtures, err := startFixtures()
	if err != nil {
		return fail(err)
	}
	defer stopFixtures()

	if len(args) == 0 {
		args = []string{"-timeout", "300s", "./wasm/..."}
	}
	if !hasTimeout(args) {
		// A hang in the browser must fail, not wait go test's ten minutes.
		args = append([]string{"-timeout", "300s"}, args...)
	}
	cmd := exec.Command("go", append([]string{"test"}, args...)...)
	cmd.Dir, _ = os.Getwd()
	cmd.Stdout, cmd.Stderr, cmd.Stdin = os.Stdout, os.Stderr, nil
	cmd.Env, err = testEnv(os.Environ(), env)
	if err != nil {
		return fail(err)
	}
	if err := cmd.Start(); err != nil {
		return fail(fmt.Errorf("start go test: %w", err))
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-ctx.Done():
		// The terminal already sent go test the same signal; give it the
		// chance to print its summary, then report its status.
		_ = cmd.Process.Signal(os.Interrupt)
		err = <-done
	}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exitErr) && exitErr.ExitCode() > 0:
		return exitErr.ExitCode()
	default:
		return fail(fmt.Errorf("go test: %w", err))
	}
}

func fail(err error) int {
	fmt.Fprintln(os.Stderr, "wasmtest:", err)
	return 1
}

func hasTimeout(args []string) bool {
	for _, a := range args {
		if a == "--" || a == "-args" {
			break
		}
		for _, p := range []string{"-timeout", "--timeout", "-test.timeout", "--test.timeout"} {
			if a == p || strings.HasPrefix(a, p+"=") {
				return true
			}
		}
	}
	return false
}
