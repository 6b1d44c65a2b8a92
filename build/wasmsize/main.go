// Command wasmsize explains the size of the browser build: it compiles the
// wasm package once more without -s (Go's linker drops function names with
// it), attributes every function body to its Go package, and prints the
// packages whose code weighs most. With -why it also prints the
// linker's chain of references that pulls a symbol in (go build
// -ldflags=-dumpdep), which is how a size regression is traced to the
// import that caused it.
//
//	go run ./build/wasmsize [-pkg ./wasm] [-top 25] [-why crypto/tls.(*Conn).clientHandshake]
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	pkg := flag.String("pkg", "./wasm", "the js/wasm main package to measure")
	top := flag.Int("top", 25, "how many packages to list")
	why := flag.String("why", "", "print the reference chain that links this symbol (substring match)")
	flag.Parse()
	if err := run(os.Stdout, *pkg, *top, *why); err != nil {
		fmt.Fprintln(os.Stderr, "wasmsize:", err)
		os.Exit(1)
	}
}

func run(w io.Writer, pkg string, top int, why string) error {
	dir, err := os.MkdirTemp("", "wasmsize")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "named.wasm")
	ldflags := ""
	if why != "" {
		ldflags = "-dumpdep"
	}
	var deps bytes.Buffer
	build := goCmd("build", "-trimpath", "-ldflags="+ldflags, "-o", out, pkg)
	build.Stderr = &deps
	if err := build.Run(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, tail(deps.String(), 2000))
	}
	list, err := goCmd("list", "-deps", pkg).Output()
	if err != nil {
		return fmt.Errorf("go list: %w", err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return err
	}
	m, err := parseModule(b)
	if err != nil {
		return err
	}
	rows := byPackage(m.funcs, strings.Fields(string(list)))
	report(w, m, rows, top)
	if why != "" {
		chain := referenceChain(&deps, why)
		if chain == nil {
			fmt.Fprintf(w, "\nno linked symbol matches %q\n", why)
		} else {
			fmt.Fprintf(w, "\nwhy %s is linked (each line references the next):\n  %s\n", chain[len(chain)-1], strings.Join(chain, "\n  "))
		}
	}
	return nil
}

func goCmd(args ...string) *exec.Cmd {
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	return cmd
}

type pkgSize struct {
	path string
	raw  int
}

// byPackage sums function bodies per import path. The wasm name section
// spells symbols with every character outside [A-Za-z0-9_.] turned into
// '_' ("crypto_tls.__Conn_.Read" is crypto/tls.(*Conn).Read), so names are
// matched against the mangled forms of the build's real import paths,
// longest first.
func byPackage(funcs []function, paths []string) []pkgSize {
	type cand struct{ mangled, path string }
	cands := make([]cand, 0, len(paths))
	for _, p := range paths {
		cands = append(cands, cand{mangle(p) + ".", p})
	}
	sort.Slice(cands, func(i, j int) bool { return len(cands[i].mangled) > len(cands[j].mangled) })
	sizes := map[string]int{}
	for _, f := range funcs {
		owner := "(other)"
		for _, c := range cands {
			if strings.HasPrefix(f.name, c.mangled) {
				owner = c.path
				break
			}
		}
		sizes[owner] += f.size
	}
	rows := make([]pkgSize, 0, len(sizes))
	for p, n := range sizes {
		rows = append(rows, pkgSize{path: p, raw: n})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].raw > rows[j].raw })
	return rows
}

func mangle(path string) string {
	b := []byte(path)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.') {
			b[i] = '_'
		}
	}
	return string(b)
}

func report(w io.Writer, m *module, rows []pkgSize, top int) {
	var code int
	for _, f := range m.funcs {
		code += f.size
	}
	fmt.Fprintf(w, "function bodies: %d bytes in %d functions; data section: %d bytes\n\n", code, len(m.funcs), m.sections["data"])
	fmt.Fprintf(w, "%-60s %10s %6s\n", "package (code only)", "bytes", "share")
	for i, r := range rows {
		if i == top {
			break
		}
		fmt.Fprintf(w, "%-60s %10d %5.1f%%\n", r.path, r.raw, 100*float64(r.raw)/float64(max(code, 1)))
	}
}

// referenceChain finds, in the linker's -dumpdep output ("from -> to" per
// line), a shortest chain from the entry point to the first symbol whose
// name contains target.
func referenceChain(dump io.Reader, target string) []string {
	edges := map[string][]string{}
	data, _ := io.ReadAll(dump)
	for _, line := range strings.Split(string(data), "\n") {
		from, to, ok := strings.Cut(line, " -> ")
		if ok {
			edges[from] = append(edges[from], to)
		}
	}
	parent := map[string]string{"_": ""}
	queue := []string{"_"}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if n != "_" && strings.Contains(n, target) {
			var chain []string
			for ; n != "_"; n = parent[n] {
				chain = append([]string{n}, chain...)
			}
			return chain
		}
		for _, next := range edges[n] {
			if _, seen := parent[next]; !seen {
				parent[next] = n
				queue = append(queue, next)
			}
		}
	}
	return nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
