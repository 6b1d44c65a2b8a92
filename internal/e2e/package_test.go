package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The package tests work on what an integrator gets: build/npm.sh assembles
// the package from the .wasm the fixture built, `npm pack` packs it, and the
// tests read, lint, type-check or install that tarball. Their npm tools come
// from the npm registry through build/npm-ci.sh (locked, cached in .cache/npm).

// npmCommandTimeout bounds one npm, tsc or bundler run; a first `npm ci` on a
// cold cache downloads a few tens of MB.
const npmCommandTimeout = 5 * time.Minute

// npmPkg is the assembled package: its folder, its tarball, and the tarball
// unpacked as an install lays it out.
type npmPkg struct {
	dir       string // build/npm.sh's output
	tarball   string // npm pack of dir
	version   string // package.json's version
	installed string // the tarball unpacked: what node_modules/finesse-ha holds
}

var (
	pkgOnce sync.Once
	pkg     *npmPkg
	pkgErr  error

	toolsOnce sync.Once
	toolsDir  string
	toolsErr  error
)

// requireNPM skips (or fails under CI=true) when npm is absent.
func requireNPM(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("npm"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("npm not found on PATH: the package tests need Node.js >= 20.11 with npm")
		}
		t.Skip("npm not found on PATH: the package tests need Node.js >= 20.11 with npm")
	}
}

// run runs name with args in dir and returns its combined output, failing the
// test with that output when the command fails.
func run(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	out, err := runErr(dir, env, name, args...)
	require.NoError(t, err, "%s %s in %s:\n%s", name, strings.Join(args, " "), dir, out)
	return out
}

func runErr(dir string, env []string, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), npmCommandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// npmCI installs a fixture folder's locked devDependencies from the npm
// registry (build/npm-ci.sh; cached by the lockfile's hash in .cache/npm) and
// returns the folder they are installed in.
func npmCI(root, fixture string) (string, error) {
	out, err := runErr(root, nil, filepath.Join(root, "build", "npm-ci.sh"), fixture)
	if err != nil {
		return "", &cmdError{what: "build/npm-ci.sh " + fixture, out: out, err: err}
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return lines[len(lines)-1], nil
}

// npmTools is the installed build/npm-tools (esbuild, publint, TypeScript).
func npmTools(t *testing.T) string {
	t.Helper()
	requireNPM(t)
	root := moduleRoot(t)
	toolsOnce.Do(func() { toolsDir, toolsErr = npmCI(root, filepath.Join(root, "build", "npm-tools")) })
	require.NoError(t, toolsErr)
	return toolsDir
}

type cmdError struct {
	what, out string
	err       error
}

func (e *cmdError) Error() string { return e.what + ": " + e.err.Error() + "\n" + e.out }

// npmPackage assembles and packs the package once per test run, from the
// .wasm the browser fixture built.
func npmPackage(t *testing.T) *npmPkg {
	t.Helper()
	f := env(t)
	npmTools(t) // build/npm.sh's classic-script build needs esbuild
	pkgOnce.Do(func() { pkg, pkgErr = packPackage(moduleRoot(t), f.tmp) })
	require.NoError(t, pkgErr)
	return pkg
}

func packPackage(root, tmp string) (*npmPkg, error) {
	// Under the fixture's dist/, so the browser tests find it at /npm/.
	p := &npmPkg{dir: filepath.Join(tmp, "dist", "npm")}
	if out, err := runErr(root, nil, filepath.Join(root, "build", "npm.sh"), p.dir, filepath.Join(tmp, "dist")); err != nil {
		return nil, &cmdError{what: "build/npm.sh", out: out, err: err}
	}
	out, err := runErr(p.dir, nil, "npm", "pack", "--json", "--pack-destination", tmp)
	if err != nil {
		return nil, &cmdError{what: "npm pack", out: out, err: err}
	}
	var packed []struct {
		Filename string `json:"filename"`
		Version  string `json:"version"`
	}
	if err := json.Unmarshal([]byte(out), &packed); err != nil || len(packed) != 1 {
		return nil, &cmdError{what: "npm pack --json output", out: out, err: err}
	}
	p.tarball = filepath.Join(tmp, packed[0].Filename)
	p.version = packed[0].Version
	// The browser tests that serve the package (the CRM softphone) serve only
	// what the tarball holds, so a file missing from `files` fails them.
	p.installed = filepath.Join(tmp, "installed", "node_modules", "finesse-ha")
	if err := os.MkdirAll(p.installed, 0o755); err != nil {
		return nil, err
	}
	if out, err := runErr(tmp, nil, "tar", "-xzf", p.tarball, "-C", p.installed, "--strip-components=1"); err != nil {
		return nil, &cmdError{what: "tar -x " + p.tarball, out: out, err: err}
	}
	return p, nil
}

// extractPackage unpacks the tarball into dir/node_modules/finesse-ha, as an
// install would lay it out (the package has no dependencies).
func extractPackage(t *testing.T, p *npmPkg, dir string) {
	t.Helper()
	dest := filepath.Join(dir, "node_modules", "finesse-ha")
	require.NoError(t, os.MkdirAll(dest, 0o755))
	run(t, dir, nil, "tar", "-xzf", p.tarball, "-C", dest, "--strip-components=1")
}

// TestPackageFiles: `npm pack --dry-run` ships exactly the intended files:
// nothing from web/test or the demo, no gadget tests, nothing missing.
func TestPackageFiles(t *testing.T) {
	p := npmPackage(t)
	out := run(t, p.dir, nil, "npm", "pack", "--dry-run", "--json")
	var packed []struct {
		Files []struct {
			Path string `json:"path"`
		} `json:"files"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &packed), out)
	require.Len(t, packed, 1)
	var got []string
	for _, f := range packed[0].Files {
		got = append(got, f.Path)
	}
	want := []string{
		"CHANGELOG.md", "LICENSE", "THIRD-PARTY-NOTICES.md", "README.md", "package.json",
		"index.js", "index.d.ts", "finesse-ha.global.js", "finesse-ha.wasm", "wasm_exec.js",
		"loader.js", "remote.js", "host.js", "relay.js", "worker.js",
		"crm/common.js", "crm/common.d.ts", "crm/dynamics-cif.js", "crm/dynamics-cif.d.ts",
		"crm/salesforce-opencti.js", "crm/salesforce-opencti.d.ts",
		"postmessage-bridge.js", "postmessage-bridge.d.ts",
		"gadget/index.js", "gadget/index.d.ts", "gadget/desktop-follower.js", "gadget/gadget.js",
		"gadget/gadget.css", "gadget/finesse-ha.xml",
		"softphone/softphone.html", "softphone/softphone.css", "softphone/softphone.js", "softphone/softphone-main.js",
	}
	sort.Strings(got)
	sort.Strings(want)
	assert.Equal(t, want, got)
}

// TestPackageSoftphoneImports: build/npm-softphone.mjs, which rewrites the
// CRM softphone's imports for the package, fails the build on an import it
// has no mapping for and on a file of the page's module graph the package
// lacks, and names it. (The shipped softphone itself is proven by the
// TestSoftphone* browser tests, which serve it from the installed package.)
func TestPackageSoftphoneImports(t *testing.T) {
	p := npmPackage(t)
	root := moduleRoot(t)
	script := filepath.Join(root, "build", "npm-softphone.mjs")
	main, err := os.ReadFile(filepath.Join(root, "gadget", "softphone-main.js"))
	require.NoError(t, err)
	phone, err := os.ReadFile(filepath.Join(root, "gadget", "softphone.js"))
	require.NoError(t, err)
	for _, c := range []struct {
		name, prepend, remove, want string
	}{
		{name: "the sources as they are"},
		{name: "an unmapped import", prepend: "import { teams } from './adapters/teams.js';\n",
			want: `gadget/softphone.js imports "./adapters/teams.js", which build/npm-softphone.mjs does not map to the package`},
		{name: "a bare import", prepend: "import 'finesse-ha/bridge';\n",
			want: `gadget/softphone.js imports "finesse-ha/bridge", which build/npm-softphone.mjs does not map to the package`},
		{name: "an adapter's import missing", remove: "crm/common.js",
			want: "crm/dynamics-cif.js refers to crm/common.js, which is not in the package"},
		{name: "the worker missing", remove: "worker.js",
			want: "remote.js refers to worker.js, which is not in the package"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			copyTree(t, p.dir, dir)
			// What build/npm.sh copies before it runs the script.
			require.NoError(t, os.WriteFile(filepath.Join(dir, "softphone", "softphone-main.js"), main, 0o644))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "softphone", "softphone.js"), append([]byte(c.prepend), phone...), 0o644))
			if c.remove != "" {
				require.NoError(t, os.Remove(filepath.Join(dir, filepath.FromSlash(c.remove))))
			}
			out, err := runErr(dir, nil, "node", script, dir)
			if c.want == "" {
				require.NoError(t, err, out)
				return
			}
			require.Error(t, err, out)
			assert.Contains(t, out, c.want)
		})
	}
}

// TestPackageLicense: the tarball carries the repository's LICENSE, says
// Apache-2.0 in package.json, and every JavaScript file it ships names its
// license on the first line (Go's wasm_exec.js keeps Go's BSD license).
func TestPackageLicense(t *testing.T) {
	p := npmPackage(t)
	dir := t.TempDir()
	extractPackage(t, p, dir)
	pkgDir := filepath.Join(dir, "node_modules", "finesse-ha")

	want, err := os.ReadFile(filepath.Join(moduleRoot(t), "LICENSE"))
	require.NoError(t, err)
	require.Contains(t, string(want), "Apache License\n                           Version 2.0")
	got, err := os.ReadFile(filepath.Join(pkgDir, "LICENSE"))
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))

	// The Go runtime's and every linked module's license travel with the .wasm.
	notices, err := os.ReadFile(filepath.Join(pkgDir, "THIRD-PARTY-NOTICES.md"))
	require.NoError(t, err)
	goLicense, err := os.ReadFile(filepath.Join(runtime.GOROOT(), "LICENSE"))
	require.NoError(t, err)
	assert.Contains(t, string(notices), string(goLicense))
	list := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "list", "-deps", "-f", "{{with .Module}}{{if not .Main}}{{.Path}} {{.Version}}{{end}}{{end}}", "./wasm")
	list.Dir = moduleRoot(t)
	list.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	mods, err := list.Output()
	require.NoError(t, err)
	require.Contains(t, string(mods), "github.com/hack-pad/safejs ", "the browser build links at least this module")
	for _, mod := range strings.Fields(strings.ReplaceAll(string(mods), " ", "@")) {
		heading := "## " + strings.Replace(mod, "@", " ", 1) + "\n\n```\n"
		assert.Contains(t, string(notices), heading, "a license for %s", mod)
	}

	var meta struct {
		License string            `json:"license"`
		Engines map[string]string `json:"engines"`
	}
	raw, err := os.ReadFile(filepath.Join(pkgDir, "package.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &meta))
	assert.Equal(t, "Apache-2.0", meta.License)
	assert.NotContains(t, meta.Engines, "node", "a browser-only package names no Node.js engine")

	var scripts int
	require.NoError(t, filepath.WalkDir(pkgDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".js" {
			return err
		}
		scripts++
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		first, _, _ := strings.Cut(string(src), "\n")
		want := "SPDX-License-Identifier: Apache-2.0"
		if filepath.Base(path) == "wasm_exec.js" {
			want = "SPDX-License-Identifier: BSD-3-Clause"
		}
		assert.Contains(t, first, want, "first line of %s", path)
		return nil
	}))
	assert.GreaterOrEqual(t, scripts, 10, "JavaScript files in the package")
}

// TestPackageEntryPointsLoad: every entry point of the installed package
// loads as an ES module (under Node, which resolves `exports` as bundlers
// do) and exports exactly what its types declare.
func TestPackageEntryPointsLoad(t *testing.T) {
	p := npmPackage(t)
	dir := t.TempDir()
	extractPackage(t, p, dir)
	script := `const out = {};
for (const entry of ['finesse-ha', 'finesse-ha/crm/dynamics', 'finesse-ha/crm/salesforce', 'finesse-ha/bridge', 'finesse-ha/gadget']) {
  out[entry] = Object.keys(await import(entry)).sort();
}
console.log(JSON.stringify(out));`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "load.mjs"), []byte(script), 0o644))
	out := run(t, dir, nil, "node", "load.mjs")
	var got map[string][]string
	require.NoError(t, json.Unmarshal([]byte(out), &got), out)
	assert.Equal(t, map[string][]string{
		"finesse-ha":                {"Client", "createClient"},
		"finesse-ha/crm/dynamics":   {"attachDynamicsCIF", "defaultSearch", "odataString", "waitForCIFInit"},
		"finesse-ha/crm/salesforce": {"attachSalesforceOpenCTI", "defaultScreenPop"},
		"finesse-ha/bridge":         {"CHANNEL", "connectToSoftphone", "createPostMessageBridge", "normalizeOrigins"},
		"finesse-ha/gadget":         {"STATUS_MAP", "createDesktopFollower", "default", "mapDesktopStatus", "start"},
	}, got, "every-export.ts imports each of these, so the types declare them")
}

// TestPackagePublint: publint --strict finds nothing (exports, types,
// files, module formats).
func TestPackagePublint(t *testing.T) {
	p := npmPackage(t)
	out := run(t, p.dir, nil, filepath.Join(npmTools(t), "node_modules", ".bin", "publint"), "--strict", ".")
	assert.Contains(t, out, "All good!", out)
}

// TestPackageTypesStrict: a strict TypeScript file that uses every export of
// every entry point compiles against the packed package, with the bundler
// resolution (Vite, esbuild, webpack) and with Node's.
func TestPackageTypesStrict(t *testing.T) {
	p := npmPackage(t)
	tsc := filepath.Join(npmTools(t), "node_modules", ".bin", "tsc")
	dir := t.TempDir()
	extractPackage(t, p, dir)
	src, err := os.ReadFile(filepath.Join("testdata", "package", "every-export.ts"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "every-export.ts"), src, 0o644))
	for _, resolution := range []struct{ module, resolution string }{{"esnext", "bundler"}, {"nodenext", "nodenext"}} {
		t.Run(resolution.resolution, func(t *testing.T) {
			writeTSConfig(t, dir, resolution.module, resolution.resolution, "every-export.ts")
			run(t, dir, nil, tsc, "-p", "tsconfig.json")
		})
	}
}

// writeTSConfig writes a strict tsconfig for a browser page's code.
func writeTSConfig(t *testing.T, dir, module, resolution string, files ...string) {
	t.Helper()
	cfg := map[string]any{
		"compilerOptions": map[string]any{
			"strict": true, "noEmit": true, "noUncheckedIndexedAccess": true,
			"target": "es2022", "lib": []string{"es2022", "dom", "dom.iterable"},
			"module": module, "moduleResolution": resolution, "types": []string{},
		},
		"files": files,
	}
	raw, err := json.MarshalIndent(cfg, "", "  ")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "tsconfig.json"), raw, 0o644))
}

// TestReadmeTypeScriptCompiles: every ```ts block of README.md and
// web/README.md (the quick starts) compiles under tsc --strict against the
// packed package, as a module of its own.
func TestReadmeTypeScriptCompiles(t *testing.T) {
	p := npmPackage(t)
	tsc := filepath.Join(npmTools(t), "node_modules", ".bin", "tsc")
	dir := t.TempDir()
	extractPackage(t, p, dir)
	var files []string
	for _, readme := range []string{"README.md", filepath.Join("web", "README.md")} {
		raw, err := os.ReadFile(filepath.Join(moduleRoot(t), readme))
		require.NoError(t, err)
		blocks := tsBlock.FindAllStringSubmatch(string(raw), -1)
		require.NotEmpty(t, blocks, "%s has a ```ts quick start", readme)
		for i, b := range blocks {
			name := strings.NewReplacer("/", "-", ".md", "").Replace(readme) + "-" + string(rune('a'+i)) + ".ts"
			require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(b[1]), 0o644))
			files = append(files, name)
		}
	}
	writeTSConfig(t, dir, "esnext", "bundler", files...)
	run(t, dir, nil, tsc, "-p", "tsconfig.json")
}

// tsBlock is a fenced TypeScript block of a Markdown file.
var tsBlock = regexp.MustCompile("(?s)\n```ts\n(.*?)\n```\n")
