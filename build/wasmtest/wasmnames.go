package main

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// wasmFuncNames returns the function names of a WebAssembly module's "name"
// custom section, which Go's linker writes unless -s is given. (go tool nm
// does not read wasm files.) Malformed input gives an error, never a panic.
func wasmFuncNames(data []byte) ([]string, error) {
	if len(data) < 8 || !bytes.Equal(data[:4], []byte("\x00asm")) {
		return nil, errors.New("not a wasm module")
	}
	r := &wasmReader{b: data[8:]}
	for !r.eof() {
		id := r.byte()
		size := r.uleb()
		sec := r.take(size)
		if r.err != nil {
			return nil, r.err
		}
		if id != 0 {
			continue
		}
		s := &wasmReader{b: sec}
		if name := string(s.take(s.uleb())); s.err != nil || name != "name" {
			continue
		}
		return nameSubsection(s)
	}
	return nil, errors.New("no name section (built with -ldflags=-s?)")
}

// wasmSymbol is how Go's wasm linker spells a Go symbol in the name
// section: every character other than letters, digits, '_' and '.' becomes
// '_' (cmd/link/internal/wasm, nameRegexp), so "net/http.(*Client).Do" is
// "net_http.__Client_.Do".
func wasmSymbol(goName string) string {
	return strings.Map(func(r rune) rune {
		if r == '_' || r == '.' || unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return '_'
	}, goName)
}

// nameSubsection reads the function-names subsection (id 1) of a name
// section: a vector of (function index, name).
func nameSubsection(s *wasmReader) ([]string, error) {
	for !s.eof() {
		id := s.byte()
		sub := &wasmReader{b: s.take(s.uleb())}
		if s.err != nil {
			return nil, s.err
		}
		if id != 1 {
			continue
		}
		n := sub.uleb()
		var names []string
		for i := uint64(0); i < n && sub.err == nil; i++ {
			sub.uleb() // function index
			names = append(names, string(sub.take(sub.uleb())))
		}
		if sub.err != nil {
			return nil, sub.err
		}
		return names, nil
	}
	return nil, errors.New("name section without function names")
}

// wasmReader reads the wasm binary encoding; the first error sticks and
// later reads return zero values.
type wasmReader struct {
	b   []byte
	err error
}

func (r *wasmReader) eof() bool { return r.err != nil || len(r.b) == 0 }

func (r *wasmReader) byte() byte {
	if b := r.take(1); len(b) == 1 {
		return b[0]
	}
	return 0
}

func (r *wasmReader) take(n uint64) []byte {
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.err = fmt.Errorf("wasm: truncated (want %d bytes, have %d)", n, len(r.b))
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

// uleb reads an unsigned LEB128 number of at most 64 bits.
func (r *wasmReader) uleb() uint64 {
	var v uint64
	for shift := uint(0); shift < 64; shift += 7 {
		b := r.byte()
		if r.err != nil {
			return 0
		}
		v |= uint64(b&0x7f) << shift
		if b&0x80 == 0 {
			return v
		}
	}
	r.err = errors.New("wasm: LEB128 number too long")
	return 0
}
