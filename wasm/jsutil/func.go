//go:build js && wasm

package jsutil

import "github.com/hack-pad/safejs"

// FuncOf is safejs.FuncOf for callbacks JS may call: a panic in fn is
// recovered, reported to the panic handler and turned into a thrown JS Error,
// so the Go runtime keeps running. fn runs on the JS event loop and must not
// block (use [NewPromise] for work that waits).
func FuncOf(fn func(this safejs.Value, args []safejs.Value) any) (safejs.Func, error) {
	return safejs.FuncOf(func(this safejs.Value, args []safejs.Value) (result any) {
		var err error
		func() {
			defer Recover(&err)
			result = fn(this, args)
		}()
		if err != nil {
			// Returning an Error object rather than throwing: throwing from a
			// Go callback goes through syscall/js's panic path, which is
			// exactly what this wrapper exists to avoid.
			return NewError(err.Error())
		}
		return result
	})
}

// NewError makes a JS Error with message msg, or undefined if even that fails
// (it cannot in a browser; the fallback keeps the signature panic-free).
func NewError(msg string) safejs.Value {
	ctor, err := safejs.Global().Get("Error")
	if err != nil {
		return safejs.Undefined()
	}
	e, err := ctor.New(msg)
	if err != nil {
		return safejs.Undefined()
	}
	return e
}

// arg returns args[i], or undefined when JS passed fewer arguments: JS may
// call any function with any number of them.
func arg(args []safejs.Value, i int) safejs.Value {
	if i < len(args) {
		return args[i]
	}
	return safejs.Undefined()
}
