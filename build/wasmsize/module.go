package main

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// module is what the size report needs from a WebAssembly binary: each
// defined function's body, its name from the "name" custom section, and
// the sizes of the other sections. Go's linker writes function names only
// without -s, which is why the report builds its own unstripped copy.
type module struct {
	funcs    []function
	sections map[string]int // section name -> payload bytes
}

type function struct {
	name string
	size int
}

var errMalformed = errors.New("wasmsize: malformed WebAssembly binary")

var sectionNames = map[byte]string{
	1: "type", 2: "import", 3: "function", 4: "table", 5: "memory", 6: "global",
	7: "export", 8: "start", 9: "element", 10: "code", 11: "data", 12: "data count",
}

// parseModule reads b without trusting it: every length is checked, so a
// truncated or hostile file gives an error, never a panic.
func parseModule(b []byte) (*module, error) {
	if len(b) < 8 || string(b[:4]) != "\x00asm" || binary.LittleEndian.Uint32(b[4:8]) != 1 {
		return nil, fmt.Errorf("%w: not a version 1 module", errMalformed)
	}
	m := &module{sections: map[string]int{}}
	r := reader{b: b, i: 8}
	var imported uint64
	var bodies []int
	names := map[uint64]string{}
	for !r.done() {
		id, err := r.byte()
		if err != nil {
			return nil, err
		}
		payload, err := r.bytes()
		if err != nil {
			return nil, err
		}
		sec := reader{b: payload}
		switch id {
		case 0:
			name, err := sec.bytes()
			if err != nil {
				return nil, err
			}
			m.sections["custom "+string(name)] += len(payload)
			if string(name) == "name" {
				if err := parseNames(&sec, names); err != nil {
					return nil, err
				}
			}
			continue
		case 2:
			if imported, err = countFuncImports(&sec); err != nil {
				return nil, err
			}
		case 10:
			if bodies, err = bodySizes(&sec); err != nil {
				return nil, err
			}
		}
		m.sections[sectionName(id)] += len(payload)
	}
	for k, size := range bodies {
		m.funcs = append(m.funcs, function{name: names[imported+uint64(k)], size: size})
	}
	return m, nil
}

func sectionName(id byte) string {
	if n, ok := sectionNames[id]; ok {
		return n
	}
	return fmt.Sprintf("unknown %d", id)
}

// countFuncImports counts imported functions, which come first in the
// function index space that the name section refers to.
func countFuncImports(r *reader) (uint64, error) {
	n, err := r.uleb()
	if err != nil {
		return 0, err
	}
	var funcs uint64
	for range n {
		if _, err := r.bytes(); err != nil { // module
			return 0, err
		}
		if _, err := r.bytes(); err != nil { // field
			return 0, err
		}
		kind, err := r.byte()
		if err != nil {
			return 0, err
		}
		switch kind {
		case 0: // function: type index
			funcs++
			_, err = r.uleb()
		case 1: // table: element type, limits
			if _, err = r.byte(); err == nil {
				err = r.limits()
			}
		case 2: // memory: limits
			err = r.limits()
		case 3: // global: value type, mutability
			_, err = r.byte()
			if err == nil {
				_, err = r.byte()
			}
		default:
			err = fmt.Errorf("%w: import kind %d", errMalformed, kind)
		}
		if err != nil {
			return 0, err
		}
	}
	return funcs, nil
}

func bodySizes(r *reader) ([]int, error) {
	n, err := r.uleb()
	if err != nil {
		return nil, err
	}
	sizes := make([]int, 0, min(n, uint64(len(r.b))))
	for range n {
		body, err := r.bytes()
		if err != nil {
			return nil, err
		}
		sizes = append(sizes, len(body))
	}
	return sizes, nil
}

// parseNames reads the function-names subsection (id 1) of the name section.
func parseNames(r *reader, names map[uint64]string) error {
	for !r.done() {
		id, err := r.byte()
		if err != nil {
			return err
		}
		sub, err := r.bytes()
		if err != nil {
			return err
		}
		if id != 1 {
			continue
		}
		s := reader{b: sub}
		n, err := s.uleb()
		if err != nil {
			return err
		}
		for range n {
			idx, err := s.uleb()
			if err != nil {
				return err
			}
			name, err := s.bytes()
			if err != nil {
				return err
			}
			names[idx] = string(name)
		}
	}
	return nil
}

type reader struct {
	b []byte
	i int
}

func (r *reader) done() bool { return r.i >= len(r.b) }

func (r *reader) byte() (byte, error) {
	if r.done() {
		return 0, fmt.Errorf("%w: truncated", errMalformed)
	}
	c := r.b[r.i]
	r.i++
	return c, nil
}

func (r *reader) uleb() (uint64, error) {
	var v uint64
	for shift := uint(0); shift < 64; shift += 7 {
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v, nil
		}
	}
	return 0, fmt.Errorf("%w: LEB128 number too long", errMalformed)
}

// bytes reads a length-prefixed byte string (a vector or a section payload).
func (r *reader) bytes() ([]byte, error) {
	n, err := r.uleb()
	if err != nil {
		return nil, err
	}
	if n > uint64(len(r.b)-r.i) {
		return nil, fmt.Errorf("%w: length %d past the end", errMalformed, n)
	}
	b := r.b[r.i : r.i+int(n)]
	r.i += int(n)
	return b, nil
}

func (r *reader) limits() error {
	flags, err := r.byte()
	if err != nil {
		return err
	}
	if _, err := r.uleb(); err != nil {
		return err
	}
	if flags&1 != 0 {
		_, err = r.uleb()
	}
	return err
}
