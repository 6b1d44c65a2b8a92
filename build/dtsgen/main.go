// Command dtsgen regenerates the generated section of web/index.d.ts from
// internal/client's wire types (see internal/client/dtsgen). Run it with
// `go generate ./internal/client`; internal/client's
// TestIndexDTSMatchesWireTypes fails while the committed file differs.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/finesse-ha/finesse-ha/internal/client/dtsgen"
)

func main() {
	dir := flag.String("dir", ".", "the package holding the wire_*.go files")
	dts := flag.String("dts", "../../web/index.d.ts", "the .d.ts file whose generated section to replace")
	flag.Parse()
	if err := run(*dir, *dts); err != nil {
		fmt.Fprintln(os.Stderr, "dtsgen:", err)
		os.Exit(1)
	}
}

func run(dir, dts string) error {
	m, err := dtsgen.Parse(dir)
	if err != nil {
		return err
	}
	file, err := os.ReadFile(dts)
	if err != nil {
		return err
	}
	out, err := dtsgen.Splice(file, m.TypeScript())
	if err != nil {
		return fmt.Errorf("%s: %w", dts, err)
	}
	return os.WriteFile(dts, out, 0o644)
}
