package testkit_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const module = "github.com/finesse-ha/finesse-ha"

// The product: what the browser build links, and the client that the native
// tools start. Reading `go list -deps` rather than the call graph, because an
// import links a package whether or not anything calls it.
var product = []struct {
	pattern string
	env     []string
}{
	{"./wasm/...", []string{"GOOS=js", "GOARCH=wasm"}},
	{"./internal/client", nil},
	{"./internal/httpx/nethttp", nil},
	{"./internal/ws/native", nil},
}

// Tooling: importable by tests, benchmarks and tools, never by the product.
var tooling = []string{
	module + "/internal/testkit",
	module + "/internal/sim",
	module + "/internal/e2e",
	module + "/cmd/",
	module + "/build/",
}

func TestProductImportsNoTooling(t *testing.T) {
	for _, p := range product {
		cmd := exec.Command("go", "list", "-deps", p.pattern)
		cmd.Dir = "../.."
		cmd.Env = append(os.Environ(), p.env...)
		out, err := cmd.Output()
		require.NoError(t, err, "go list -deps %s", p.pattern)
		deps := strings.Fields(string(out))
		require.NotEmpty(t, deps)
		for _, dep := range deps {
			for _, tool := range tooling {
				if dep == tool || strings.HasPrefix(dep, tool+"/") || (strings.HasSuffix(tool, "/") && strings.HasPrefix(dep, tool)) {
					t.Errorf("%s links %s, which is tooling", p.pattern, dep)
				}
			}
		}
	}
}
