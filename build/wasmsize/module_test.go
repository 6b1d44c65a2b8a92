package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tinyModule is a hand-assembled module: one imported function, two
// defined functions with bodies of 4 and 6 bytes, and a name section
// naming them as Go's linker would.
func tinyModule() []byte { return bytes.Join(tinyModuleParts(), nil) }

// tinyModuleParts is tinyModule cut at its section boundaries.
func tinyModuleParts() [][]byte {
	vec := func(b ...[]byte) []byte { // length-prefixed concatenation
		x := bytes.Join(b, nil)
		return append([]byte{byte(len(x))}, x...)
	}
	str := func(s string) []byte { return vec([]byte(s)) }
	section := func(id byte, payload []byte) []byte { return append([]byte{id}, vec(payload)...) }
	imports := append([]byte{1}, append(append(str("go"), str("debug")...), 0, 0)...)
	code := append([]byte{2}, append(vec([]byte{0, 1, 2, 0x0b}), vec([]byte{0, 1, 2, 3, 4, 0x0b})...)...)
	names := append([]byte{2},
		append(append([]byte{1}, str("crypto_tls.__Conn_.Read")...),
			append([]byte{2}, str("main.main")...)...)...)
	nameSec := append(str("name"), append([]byte{1}, vec(names)...)...)
	return [][]byte{[]byte("\x00asm\x01\x00\x00\x00"), section(2, imports), section(10, code), section(0, nameSec)}
}

func TestParseModuleNamesBodies(t *testing.T) {
	m, err := parseModule(tinyModule())
	require.NoError(t, err)
	require.Len(t, m.funcs, 2)
	assert.Equal(t, function{name: "crypto_tls.__Conn_.Read", size: 4}, m.funcs[0])
	assert.Equal(t, function{name: "main.main", size: 6}, m.funcs[1])

	rows := byPackage(m.funcs, []string{"crypto/tls", "crypto", "main"})
	assert.Equal(t, []pkgSize{{"main", 6}, {"crypto/tls", 4}}, rows, "the longest import path wins: crypto/tls, not crypto")
}

func TestParseModuleRejectsTruncation(t *testing.T) {
	// Only prefixes that end on a section boundary are whole modules.
	boundaries := map[int]bool{}
	n := 0
	for _, part := range tinyModuleParts() {
		n += len(part)
		boundaries[n] = true
	}
	full := tinyModule()
	for n := range len(full) {
		_, err := parseModule(full[:n])
		if boundaries[n] {
			assert.NoError(t, err, "prefix of %d bytes ends on a section boundary", n)
		} else {
			assert.ErrorIs(t, err, errMalformed, "prefix of %d bytes", n)
		}
	}
	_, err := parseModule([]byte("\x00asm\x01\x00\x00\x00\x0a\x7f"))
	assert.ErrorIs(t, err, errMalformed)
}

func TestReferenceChain(t *testing.T) {
	dump := "# pkg\n_ -> main.main\nmain.main -> a.b\nmain.main -> x.y\nx.y -> crypto/tls.Client\na.b -> crypto/tls.Client\n"
	assert.Equal(t, []string{"main.main", "a.b", "crypto/tls.Client"}, referenceChain(strings.NewReader(dump), "crypto/tls"))
	assert.Nil(t, referenceChain(strings.NewReader(dump), "net/http"))
}

func FuzzParseModule(f *testing.F) {
	f.Add(tinyModule())
	f.Add([]byte("\x00asm\x01\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseModule(b)
		if err == nil {
			for _, fn := range m.funcs {
				if fn.size > len(b) {
					t.Fatalf("body of %d bytes in a %d-byte file", fn.size, len(b))
				}
			}
		}
	})
}
