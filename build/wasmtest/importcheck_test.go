package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// forbiddenImports may not be in the browser build's import graph: Go
// links a package's init and tables as soon as anything imports it, called
// or not (research/wasm-size.md). net/http's types alone cost about 0.6 MB
// gzip, crypto/tls about 0.5 MB (mellium's xmpp.Session asserts *tls.Conn),
// golang.org/x/text's PRECIS tables (mellium's jid) about 0.26 MB, and
// the small ones that keep the .wasm under SPEC §7's target without
// -gcflags=all=-l: crypto/rand's FIPS 140 module (~50 KB) and net (~17 KB,
// e.g. through net/textproto). An entry ending in "/" forbids a whole
// module path prefix.
var forbiddenImports = []string{
	"net",
	"net/http",
	"crypto/tls",
	"crypto/x509",
	"crypto/rand",
	"golang.org/x/net/websocket",
	"mellium.im/xmpp",
	"mellium.im/sasl",
	"golang.org/x/text/",
}

// TestWasmImportsNoNetworkStack lists what GOOS=js GOARCH=wasm ./wasm
// imports, directly or not, and fails on any of forbiddenImports.
func TestWasmImportsNoNetworkStack(t *testing.T) {
	root := moduleRootForTest(t)
	touchSources(t, root, "wasm", "internal", "go.mod", "go.sum")
	cmd := exec.Command("go", "list", "-deps", "./wasm")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := cmd.Output()
	require.NoError(t, err)
	deps := strings.Fields(string(out))
	// Positive control: the list is the browser build's, not an empty one.
	require.Contains(t, deps, "github.com/finesse-ha/finesse-ha/wasm/jsfetch")
	require.Contains(t, deps, "encoding/xml")
	if bad := forbiddenIn(deps); len(bad) > 0 {
		t.Errorf("the browser build imports %v; find who with: GOOS=js GOARCH=wasm go list -deps -f '{{.ImportPath}}: {{.Imports}}' ./wasm", bad)
	}
}

func forbiddenIn(deps []string) []string {
	var bad []string
	for _, d := range deps {
		for _, f := range forbiddenImports {
			if d == f || (strings.HasSuffix(f, "/") && strings.HasPrefix(d, f)) {
				bad = append(bad, d)
			}
		}
	}
	return bad
}

func TestForbiddenIn(t *testing.T) {
	require.Equal(t, []string{"net/http", "mellium.im/xmpp", "golang.org/x/text/secure/precis"},
		forbiddenIn([]string{"net/http", "net/http/httptrace2", "net/url", "mellium.im/xmpp", "mellium.im/xmpp/stanza",
			"golang.org/x/text/secure/precis", "golang.org/x/net/idna"}))
}
