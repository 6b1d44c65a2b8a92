package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const modulePath = "github.com/finesse-ha/finesse-ha"

// TestStaleWasmBuild fails when dist/finesse-ha.wasm (what `make wasm`
// packages next to web/index.js) is older than a Go source it is built from,
// so nobody ships or demos a .wasm that lacks their last change.
//
// "Sources" are the non-test Go files of this module's packages that
// GOOS=js GOARCH=wasm ./wasm depends on (from go list -deps), plus go.mod: a
// change to internal/sim or a test file does not change the .wasm and must
// not fail this test.
func TestStaleWasmBuild(t *testing.T) {
	root := moduleRoot(t)
	wasmPath := filepath.Join(root, "dist", "finesse-ha.wasm")
	built, err := os.Stat(wasmPath)
	if os.IsNotExist(err) {
		t.Skip("dist/finesse-ha.wasm not built (make test does not build dist; run make wasm to check it)")
	}
	require.NoError(t, err)

	sources := wasmSources(t, root)
	require.NotEmpty(t, sources)
	var newer []string
	for _, src := range sources {
		fi, err := os.Stat(src)
		require.NoError(t, err)
		if fi.ModTime().After(built.ModTime()) {
			rel, _ := filepath.Rel(root, src)
			newer = append(newer, rel)
		}
	}
	if len(newer) > 0 {
		t.Fatalf("dist/finesse-ha.wasm (built %s) is older than %d source(s): %s; run make wasm",
			built.ModTime().UTC().Format(time.RFC3339), len(newer), strings.Join(newer, ", "))
	}
	t.Logf("dist/finesse-ha.wasm is newer than its %d sources", len(sources))
}

// wasmSources lists the files the .wasm build reads from this module.
func wasmSources(t *testing.T, root string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	cmd := exec.CommandContext(ctx, gobin, "list", "-deps",
		"-f", `{{if .Module}}{{if eq .Module.Path "`+modulePath+`"}}{{$d := .Dir}}{{range .GoFiles}}{{$d}}/{{.}}
{{end}}{{range .EmbedFiles}}{{$d}}/{{.}}
{{end}}{{end}}{{end}}`, "./wasm")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := cmd.Output()
	require.NoError(t, err, "go list: %s", stderrOf(err))
	files := []string{filepath.Join(root, "go.mod")}
	for _, line := range strings.Split(string(out), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			files = append(files, line)
		}
	}
	return files
}

func stderrOf(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}
