// Package modroot finds the finesse-ha module's root directory, so that the
// repository's tools (build/wasmtest, cmd/finesse-bench) work when started
// from any directory inside it.
package modroot

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Dir is the directory of the main module's go.mod, as `go env GOMOD`
// reports it for the current directory.
func Dir() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside the finesse-ha module (go env GOMOD is empty)")
	}
	return filepath.Dir(gomod), nil
}
