package browserharness

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/finesse-ha/finesse-ha/internal/testkit/modroot"
)

// TestWasmBuildFlagsAreMakes: the browser tests and benchmarks build the
// .wasm exactly as `make wasm` does, so that they measure what ships.
func TestWasmBuildFlagsAreMakes(t *testing.T) {
	root, err := modroot.Dir()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("make", "-s", "--no-print-directory", "print-wasm-flags")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("make print-wasm-flags: %v", err)
	}
	if got, want := strings.TrimSpace(string(out)), strings.Join(WasmBuildFlags, " "); got != want {
		t.Errorf("make wasm builds with\n\t%s\nbut BuildWasm with\n\t%s", got, want)
	}
}
