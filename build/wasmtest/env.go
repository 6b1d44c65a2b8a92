package main

import (
	"fmt"
	"sort"
	"strings"
)

// wasm_exec.js copies argv and the environment into a fixed 8 KiB area of
// wasm memory and refuses to start when they do not fit; wasmbrowsertest
// passes the whole environment. CI machines with large environments would
// fail for no reason of ours, so go test gets only what it, Chromium and the
// tests need.
const envLimit = 8192

// argvBudget is kept free of the limit for the test binary's path and its
// -test.* flags.
const argvBudget = 2048

// keepEnv are exact variable names passed through; every GO* variable and
// every FINESSE_HA_* variable is kept too.
var keepEnv = map[string]bool{
	"PATH": true, "HOME": true, "USER": true, "LOGNAME": true, "TMPDIR": true,
	"LANG": true, "LC_ALL": true, "TZ": true,
	"CI": true, "CGO_ENABLED": true,
	"XDG_CACHE_HOME": true, "XDG_CONFIG_HOME": true, "XDG_RUNTIME_DIR": true,
	"WASM_HEADLESS": true, // wasmbrowsertest: "off" opens a visible window for debugging
	"DISPLAY":       true, "WAYLAND_DISPLAY": true,
}

func keep(name string) bool {
	if keepEnv[name] || strings.HasPrefix(name, "FINESSE_HA_") {
		return true
	}
	// GOOS and GOARCH are set below; everything else GO* configures the
	// toolchain (GOFLAGS, GOCACHE, GOPROXY, GOTOOLCHAIN...).
	return strings.HasPrefix(name, "GO") && name != "GOOS" && name != "GOARCH"
}

// testEnv is the environment for `go test`: the kept part of base, the
// fixtures' variables, and GOOS=js GOARCH=wasm.
func testEnv(base []string, fixtures map[string]string) ([]string, error) {
	vars := map[string]string{}
	for _, kv := range base {
		name, value, ok := strings.Cut(kv, "=")
		if ok && keep(name) {
			vars[name] = value
		}
	}
	for k, v := range fixtures {
		vars[k] = v
	}
	vars["GOOS"], vars["GOARCH"] = "js", "wasm"

	out := make([]string, 0, len(vars))
	size := 0
	for k, v := range vars {
		out = append(out, k+"="+v)
		size += len(k) + len(v) + 2
	}
	sort.Strings(out)
	if size > envLimit-argvBudget {
		return nil, fmt.Errorf("environment for the browser is %d bytes; wasm_exec.js allows %d with argv "+
			"(largest variables: %s)", size, envLimit, largest(out))
	}
	return out, nil
}

func largest(env []string) string {
	s := append([]string(nil), env...)
	sort.Slice(s, func(i, j int) bool { return len(s[i]) > len(s[j]) })
	var names []string
	for i := 0; i < len(s) && i < 3; i++ {
		name, _, _ := strings.Cut(s[i], "=")
		names = append(names, fmt.Sprintf("%s (%d)", name, len(s[i])))
	}
	return strings.Join(names, ", ")
}
