package client

import (
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/client/dtsgen"
)

// wireModel is the wire types as dtsgen reads them.
func wireModel(t *testing.T) *dtsgen.Model {
	t.Helper()
	m, err := dtsgen.Parse(".")
	require.NoError(t, err)
	return m
}

// TestIndexDTSMatchesWireTypes: web/index.d.ts declares exactly the wire
// types (every field, every closed set). It fails until
// `go generate ./internal/client` has been run and its output committed.
func TestIndexDTSMatchesWireTypes(t *testing.T) {
	file, err := os.ReadFile("../../web/index.d.ts")
	require.NoError(t, err)
	got, err := dtsgen.Section(file)
	require.NoError(t, err)
	if want := wireModel(t).TypeScript(); string(got) != string(want) {
		t.Errorf("web/index.d.ts is not what the wire types generate; run go generate ./internal/client and commit it")
	}
}

// engineStrings returns the string literals the engine passes as the first
// argument of calls to a method named call (e.g. record).
func engineStrings(t *testing.T, call string) []string {
	t.Helper()
	files, err := filepath.Glob("../failover/*.go")
	require.NoError(t, err)
	var out []string
	fset := gotoken.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		require.NoError(t, err)
		ast.Inspect(file, func(n ast.Node) bool {
			c, ok := n.(*ast.CallExpr)
			if !ok || len(c.Args) == 0 {
				return true
			}
			if sel, ok := c.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == call {
				if lit, ok := c.Args[0].(*ast.BasicLit); ok && lit.Kind == gotoken.STRING {
					s, _ := strconv.Unquote(lit.Value)
					out = append(out, s)
				}
			}
			return true
		})
	}
	return out
}

// constValues are the values of the string constants named prefix* in the
// engine's source file name.
func constValues(t *testing.T, file string, prefix *regexp.Regexp) []string {
	t.Helper()
	f, err := parser.ParseFile(gotoken.NewFileSet(), filepath.Join("../failover", file), nil, 0)
	require.NoError(t, err)
	var out []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != gotoken.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if prefix.MatchString(n.Name) && i < len(vs.Values) {
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == gotoken.STRING {
						v, _ := strconv.Unquote(lit.Value)
						out = append(out, v)
					}
				}
			}
		}
	}
	require.NotEmpty(t, out, "no %s constants in %s", prefix, file)
	return out
}

// The closed sets of wire_events.go cover every value the engine can emit:
// a new history kind, reason, state or error code in the engine fails here
// until it is added (with its meaning) to the wire, and so to index.d.ts.
func TestWireClosedSetsCoverTheEngine(t *testing.T) {
	m := wireModel(t)
	kinds := m.Enum("HistoryKind")
	for _, what := range engineStrings(t, "record") {
		assert.Contains(t, kinds, what, "history kind %q the engine records is not in the wire's HistoryKind", what)
	}
	for _, st := range constValues(t, "events.go", regexp.MustCompile(`^State`)) {
		assert.Contains(t, m.Enum("ConnState"), st)
		assert.Contains(t, kinds, st, "every state is recorded in history under its name")
	}
	for _, r := range constValues(t, "events.go", regexp.MustCompile(`^Reason`)) {
		assert.Contains(t, m.Enum("Reason"), r)
	}
	for _, c := range constValues(t, "events.go", regexp.MustCompile(`^ErrCode`)) {
		assert.Contains(t, m.Enum("ErrorCode"), c)
	}
	for _, a := range constValues(t, "events.go", regexp.MustCompile(`^Dialog(Added|Updated|Removed)$`)) {
		assert.Contains(t, m.Enum("DialogAction"), a)
	}
}

// The browser bridge reaches the engine only through this package
// (SPEC §2): its own files import no other internal package than client
// and clock, and the wasm/ helpers (jsfetch, jsws, jsutil).
func TestBrowserBridgeImportsOnlyTheClient(t *testing.T) {
	files, err := filepath.Glob("../../wasm/*.go")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	const mod = "github.com/finesse-ha/finesse-ha/"
	// SPEC §2: the bridge imports internal/client and the HTTP layer only.
	allowed := []string{mod + "internal/client", mod + "internal/clock", mod + "internal/httpx"}
	for _, f := range files {
		file, err := parser.ParseFile(gotoken.NewFileSet(), f, nil, parser.ImportsOnly)
		require.NoError(t, err)
		for _, imp := range file.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if !strings.HasPrefix(p, mod) || strings.HasPrefix(p, mod+"wasm/") || slices.Contains(allowed, p) {
				continue
			}
			t.Errorf("%s imports %s; the bridge goes through internal/client", filepath.Base(f), p)
		}
	}
}

// TestWireGoldenEnums writes every closed set of strings, for the JS tests
// (the gadget follower's states, reasons, history kinds and error codes
// must be members).
func TestWireGoldenEnums(t *testing.T) {
	sets := map[string][]string{}
	for _, ty := range wireModel(t).Types {
		if ty.Members != nil {
			sets[ty.Name] = wireModel(t).Enum(ty.Name)
		}
	}
	require.Contains(t, sets, "HistoryKind")
	checkGolden(t, "enums.json", sets)
}
