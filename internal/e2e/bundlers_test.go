package e2e

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/sim"
)

// bundlers are the fixture projects under web/test/bundlers/: each has its
// own package.json and lockfile, src/main.js importing the package as an
// integrator would, and `npm run build` writing dist/ (plus public/ for the
// bundlers that do not emit the page).
var bundlers = []string{"vite", "esbuild", "webpack"}

// TestBundlers installs the packed tarball into a fresh project per bundler,
// builds it, serves the output from the simulator's control port and
// connects in Chromium: the .wasm must be emitted and found, the subpath
// exports resolved, and the client connected with package.json's version.
// The projects' own dependencies are installed from their lockfiles once
// (build/npm-ci.sh, cached by lockfile in .cache/npm); the build runs there.
func TestBundlers(t *testing.T) {
	p := npmPackage(t)
	f := env(t)
	root := moduleRoot(t)
	fixtures := filepath.Join(root, "web", "test", "bundlers")
	for _, name := range bundlers {
		t.Run(name, func(t *testing.T) {
			dir, err := npmCI(root, filepath.Join(fixtures, name))
			require.NoError(t, err)
			require.NoError(t, os.RemoveAll(filepath.Join(dir, "dist")))
			copyTree(t, filepath.Join(fixtures, name), dir)
			// src/main.js imports the shared page half as ../../pkg-test.js.
			copyFile(t, filepath.Join(fixtures, "pkg-test.js"), filepath.Join(filepath.Dir(dir), "pkg-test.js"))
			run(t, dir, nil, "npm", "install", "--no-save", "--no-audit", "--no-fund", "--loglevel=error", p.tarball)
			run(t, dir, nil, "npm", "run", "build")

			static := []sim.StaticDir{{Prefix: "/", Dir: filepath.Join(dir, "dist")}}
			if _, err := os.Stat(filepath.Join(dir, "public")); err == nil {
				static = append(static, sim.StaticDir{Prefix: "/", Dir: filepath.Join(dir, "public")})
			}
			pair, err := sim.New(sim.Config{Static: static})
			require.NoError(t, err)
			require.NoError(t, pair.Start())
			t.Cleanup(func() { pair.Close() })
			ctx := f.tab(t, 90*time.Second)

			status := connectPackagePage(t, ctx, pair, pair.ControlURL()+"/index.html")
			assert.Equal(t, p.version, status.Version, "client.version is package.json's version")
			var page struct {
				Imported map[string]string `json:"imported"`
			}
			require.NoError(t, evalJS(ctx, `({imported: window.pkgTest.imported})`, &page))
			assert.Equal(t, map[string]string{"attachSalesforceOpenCTI": "function", "createPostMessageBridge": "function"}, page.Imported)
			// Asked of the server, not of the page: in a worker runtime the
			// worker loads the .wasm, and the page's own resource timing
			// does not show it.
			var wasm []string
			for _, path := range pair.StaticServed() {
				if strings.HasSuffix(path, ".wasm") {
					wasm = append(wasm, path)
				}
			}
			t.Logf("runtime %q; .wasm served: %v", status.Runtime, wasm)
			// 'auto' falls back to the page when the worker script is
			// missing; Chromium has SharedWorker, so a build that lands
			// in the page has lost one connection per agent.
			assert.Equal(t, "shared-worker", status.Runtime, "the bundle ships worker.js where the page finds it")
			require.Len(t, wasm, 1, "one .wasm loaded")
			_, err = os.Stat(filepath.Join(dir, "dist", filepath.FromSlash(wasm[0])))
			assert.NoError(t, err, "the .wasm the page loaded is the one the bundler emitted")
		})
	}
}

// TestBundlerReadmeLines: the config lines the README gives for esbuild are
// the ones TestBundlers builds with.
func TestBundlerReadmeLines(t *testing.T) {
	root := moduleRoot(t)
	readme, err := os.ReadFile(filepath.Join(root, "web", "README.md"))
	require.NoError(t, err)
	fixture := filepath.Join(root, "web", "test", "bundlers", "esbuild")
	var meta struct {
		Scripts map[string]string `json:"scripts"`
	}
	raw, err := os.ReadFile(filepath.Join(fixture, "package.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &meta))
	main, err := os.ReadFile(filepath.Join(fixture, "src", "main.js"))
	require.NoError(t, err)
	for _, line := range []string{
		meta.Scripts["build"],
		"import wasmURL from 'finesse-ha/finesse-ha.wasm';",
		"wasmURL: new URL(wasmURL, import.meta.url)",
		"workerURL: new URL('./worker.js', import.meta.url)",
	} {
		require.NotEmpty(t, line)
		assert.Contains(t, string(main)+meta.Scripts["build"], line, "the fixture uses it")
		assert.Contains(t, string(readme), line, "web/README.md shows it")
	}
}

// copyTree copies the files of src into dst, except installed or built ones.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	require.NoError(t, filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "node_modules" || d.Name() == "dist" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		copyFile(t, path, filepath.Join(dst, rel))
		return nil
	}))
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(dst, b, 0o644))
}
