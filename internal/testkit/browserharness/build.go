package browserharness

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// WasmBuildTimeout bounds BuildWasm: the build takes 30-60 s on a loaded
// 2-core machine; the bound only catches a hung toolchain.
const WasmBuildTimeout = 4 * time.Minute

// WasmBuildFlags are `make wasm`'s go build flags (the Makefile's
// WASM_GCFLAGS and WASM_LDFLAGS; a test keeps the two equal), so that the
// browser tests and benchmarks run the build that ships.
var WasmBuildFlags = []string{"-trimpath",
	"-gcflags=github.com/finesse-ha/finesse-ha/internal/failover=-l",
	"-gcflags=github.com/finesse-ha/finesse-ha/internal/client=-l",
	"-gcflags=github.com/finesse-ha/finesse-ha/wasm/...=-l",
	"-gcflags=encoding/json=-l", "-gcflags=fmt=-l", "-gcflags=net/url=-l",
	"-gcflags=time=-l", "-gcflags=context=-l", "-gcflags=reflect=-l",
	"-ldflags=-s -w"}

// BuildWasm builds the module's ./wasm (root is the module root) into
// dir/finesse-ha.wasm and copies the toolchain's wasm_exec.js next to it,
// as `make wasm` does for dist/: the two must come from one toolchain. Like
// `make wasm` it stamps web/package.json's version (client.version).
func BuildWasm(ctx context.Context, root, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	version, err := PackageVersion(root)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, WasmBuildTimeout)
	defer cancel()
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	// The version goes into make's -ldflags, as `make wasm` adds it.
	args := []string{"build"}
	for _, f := range WasmBuildFlags {
		if strings.HasPrefix(f, "-ldflags=") {
			f += " -X main.version=" + version
		}
		args = append(args, f)
	}
	cmd := exec.CommandContext(ctx, gobin, append(args, "-o", filepath.Join(dir, "finesse-ha.wasm"), "./wasm")...)
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

// PackageVersion is the npm package's version (web/package.json under root),
// which the .wasm reports as client.version.
func PackageVersion(root string) (string, error) {
	raw, err := os.ReadFile(filepath.Join(root, "web", "package.json"))
	if err != nil {
		return "", err
	}
	var pkg struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal(raw, &pkg); err != nil || pkg.Version == "" {
		return "", fmt.Errorf("web/package.json: no version (%v)", err)
	}
	return pkg.Version, nil
}
