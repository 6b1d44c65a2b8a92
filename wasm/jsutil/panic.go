//go:build js && wasm

package jsutil

import (
	"fmt"
	"runtime/debug"
	"sync/atomic"
)

// PanicError is a recovered Go panic, turned into an error so that it can be
// reported (e.g. as an `error` event) instead of ending the wasm runtime.
type PanicError struct {
	Value any    // the value passed to panic
	Stack []byte // the goroutine's stack where the panic happened
}

func (e *PanicError) Error() string { return fmt.Sprintf("jsutil: recovered panic: %v", e.Value) }

// Unwrap exposes a panic value that is itself an error.
func (e *PanicError) Unwrap() error {
	if err, ok := e.Value.(error); ok {
		return err
	}
	return nil
}

var panicHandler atomic.Pointer[func(*PanicError)]

// SetPanicHandler installs the function told about every panic recovered by
// this package (nil removes it). The bridge uses it to emit `error` events;
// it is called on the goroutine that panicked and must not panic itself.
func SetPanicHandler(h func(*PanicError)) {
	if h == nil {
		panicHandler.Store(nil)
		return
	}
	panicHandler.Store(&h)
}

// Recover must be deferred directly: `defer jsutil.Recover(&err)`. It turns a
// panic into a *PanicError stored in *errp (if errp is not nil) and reports it
// to the panic handler.
func Recover(errp *error) {
	v := recover()
	if v == nil {
		return
	}
	pe := &PanicError{Value: v, Stack: debug.Stack()}
	notifyPanic(pe)
	if errp != nil {
		*errp = pe
	}
}

func notifyPanic(pe *PanicError) {
	h := panicHandler.Load()
	if h == nil {
		return
	}
	// A panicking handler must not undo the recovery it is reporting.
	defer func() { _ = recover() }()
	(*h)(pe)
}

// Go runs fn in a new goroutine whose panics are recovered and reported to
// the panic handler: the root of every goroutine started on behalf of JS.
func Go(fn func()) {
	go func() {
		defer Recover(nil)
		fn()
	}()
}
