package failover

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSourceUsesOnlyInjectedTime is the vet-like check of the design rule:
// the engine tells time only through its clock.Clock (so every scenario
// runs in virtual time) and links no HTTP client (it has no I/O of its own).
func TestSourceUsesOnlyInjectedTime(t *testing.T) {
	forbidden := map[string]bool{
		"time.Now": true, "time.Since": true, "time.Until": true, "time.Sleep": true,
		"time.After": true, "time.AfterFunc": true, "time.NewTimer": true, "time.NewTicker": true, "time.Tick": true,
		"context.WithTimeout": true, "context.WithDeadline": true,
		"context.WithTimeoutCause": true, "context.WithDeadlineCause": true,
	}
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		require.NoError(t, err)
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, name, src, 0)
		require.NoError(t, err)
		checked++
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			assert.NotContains(t, []string{"net/http", "net", "os", "time/tzdata"}, path, "%s imports %s", name, path)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if pkg, ok := sel.X.(*ast.Ident); ok && forbidden[pkg.Name+"."+sel.Sel.Name] {
				t.Errorf("%s: %s: use the injected clock, not %s.%s", name, fset.Position(sel.Pos()), pkg.Name, sel.Sel.Name)
			}
			return true
		})
	}
	assert.Greater(t, checked, 5, "the check must see the package's files")
}

// TestModelAndBrokerDoNoIO holds the split of doc.go ("What the engine
// holds"): the agent and call model and the request broker know no clock,
// no context, no adapter and no Engine, so they stay testable on their own.
func TestModelAndBrokerDoNoIO(t *testing.T) {
	allowed := map[string]bool{
		"fmt": true, "reflect": true, "slices": true, "strings": true,
		"github.com/finesse-ha/finesse-ha/internal/finesse": true,
	}
	for _, name := range []string{"model.go", "model_agent.go", "model_calls.go", "broker.go"} {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, name, nil, 0)
		require.NoError(t, err)
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			assert.True(t, allowed[path], "%s imports %s", name, path)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && (id.Name == "Engine" || id.Name == "REST" || id.Name == "Clock") {
				t.Errorf("%s: %s: refers to %s", name, fset.Position(id.Pos()), id.Name)
			}
			return true
		})
	}
}
