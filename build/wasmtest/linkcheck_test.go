package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// forbiddenInWasm are symbol prefixes of net/http's client machinery. Using
// net/http's types (Request, Response, Header) is fine and costs little;
// reaching its Transport or Client links the dialer/TLS/HTTP2 fallback and
// about 5 MB raw (SPEC §2, research/go-wasm.md §4).
var forbiddenInWasm = []string{
	"net/http.(*Transport).",
	"net/http.(*Client).",
	"net/http.(*persistConn).",
	"net/http.(*http2Transport).",
	"net/http.send",
}

// TestWasmDoesNotLinkNetHTTPClient builds the shipped wasm main and the link
// probe (jsfetch + internal/finesse) for js/wasm and reads their function
// names. It runs natively, as part of `go test ./...`.
func TestWasmDoesNotLinkNetHTTPClient(t *testing.T) {
	root := moduleRootForTest(t)
	// go test caches a result by the files the test opened; the go build
	// below reads sources the cache cannot see, so read them here to make
	// any change to them invalidate the cached result.
	touchSources(t, root, "wasm", "internal", "go.mod", "go.sum")

	out := t.TempDir()
	cmd := exec.Command("go", "build", "-trimpath", "-o", out+string(os.PathSeparator), "./wasm", "./wasm/internal/linkprobe")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", b)

	for bin, mustHave := range map[string]string{
		"wasm":      "main.register",
		"linkprobe": "github.com/finesse-ha/finesse-ha/wasm/jsfetch.(*Transport).Do",
	} {
		t.Run(bin, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(out, bin))
			require.NoError(t, err)
			names, err := wasmFuncNames(data)
			require.NoError(t, err)
			// Positive control: the reader sees the names it should, so
			// the absence checked below means something.
			assert.Contains(t, names, "main.main")
			assert.Contains(t, names, wasmSymbol(mustHave))
			var linked []string
			for _, n := range names {
				for _, bad := range forbiddenInWasm {
					if strings.HasPrefix(n, wasmSymbol(bad)) {
						linked = append(linked, n)
					}
				}
			}
			if len(linked) > 0 {
				t.Errorf("%s links net/http's client (%d functions, e.g. %v): something references "+
					"http.Client/Transport/DefaultClient; use the jsfetch Doer", bin, len(linked), linked[:min(5, len(linked))])
			}
		})
	}
}

func TestWasmFuncNamesRejectsGarbage(t *testing.T) {
	for _, data := range [][]byte{
		nil,
		[]byte("not wasm at all"),
		[]byte("\x00asm\x01\x00\x00\x00"), // no sections
		[]byte("\x00asm\x01\x00\x00\x00\x00\x7f"),                               // section size past the end
		[]byte("\x00asm\x01\x00\x00\x00\x00\x06\x04name\x01\xff"),               // truncated subsection
		[]byte("\x00asm\x01\x00\x00\x00\x00\x0b\x04name\x01\x05\x01\x00\x09ab"), // name longer than data
	} {
		_, err := wasmFuncNames(data)
		assert.Error(t, err, "%q", data)
	}
	names, err := wasmFuncNames([]byte("\x00asm\x01\x00\x00\x00\x00\x0d\x04name\x01\x06\x01\x07\x03abc"))
	require.NoError(t, err)
	assert.Equal(t, []string{"abc"}, names)
}

func TestWasmSymbol(t *testing.T) {
	assert.Equal(t, "net_http.__Transport_.roundTrip", wasmSymbol("net/http.(*Transport).roundTrip"))
	assert.Equal(t, "github.com_finesse_ha_finesse_ha_wasm_jsfetch.__Transport_.Do",
		wasmSymbol("github.com/finesse-ha/finesse-ha/wasm/jsfetch.(*Transport).Do"))
}

func moduleRootForTest(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	_, err = os.Stat(filepath.Join(root, "go.mod"))
	require.NoError(t, err)
	return root
}

func touchSources(t *testing.T, root string, paths ...string) {
	t.Helper()
	for _, p := range paths {
		err := filepath.WalkDir(filepath.Join(root, p), func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || strings.HasSuffix(path, ".go") || strings.HasPrefix(d.Name(), "go.") {
				_, err = os.ReadFile(path)
				if d.IsDir() {
					err = nil
				}
			}
			return err
		})
		require.NoError(t, err)
	}
}
