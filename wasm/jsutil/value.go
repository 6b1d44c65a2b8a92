//go:build js && wasm

package jsutil

import "github.com/hack-pad/safejs"

// StringOf returns v's text when v is a JS string; ok is false for any
// other type, so callers report their own "must be a string" error.
func StringOf(v safejs.Value) (s string, ok bool) {
	if v.Type() != safejs.TypeString {
		return "", false
	}
	s, err := v.String()
	return s, err == nil
}
