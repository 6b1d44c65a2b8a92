//go:build js && wasm

package jsutil

import (
	"context"
	"errors"
	"fmt"

	"github.com/hack-pad/safejs"
)

// RejectedError is a Promise that settled by rejection. Name and Message come
// from the rejection value when it is an Error ("TypeError", "Failed to
// fetch"); for any other value Message is its string form and Name is empty.
type RejectedError struct {
	Name    string
	Message string
	// Value is the rejection value itself, for callers that need more.
	Value safejs.Value
}

func (e *RejectedError) Error() string {
	if e.Name == "" {
		return "promise rejected: " + e.Message
	}
	return "promise rejected: " + e.Name + ": " + e.Message
}

// IsAbort reports whether the rejection is the DOMException an
// AbortController's abort() produces.
func (e *RejectedError) IsAbort() bool { return e.Name == "AbortError" }

// Await blocks the calling goroutine until p settles. It is AwaitContext
// without a deadline; see there.
func Await(p safejs.Value) (safejs.Value, error) {
	return AwaitContext(context.Background(), p)
}

// AwaitContext blocks the calling goroutine until p settles or ctx is done.
// p may be a Promise, a thenable or a plain value (Promise.resolve semantics).
// A rejection becomes a *RejectedError.
//
// Returning on ctx does not stop the JS work behind p (only an AbortSignal
// given to that work can); the two callbacks stay registered until p settles
// and then release themselves, because releasing a js.Func that JS may still
// call makes syscall/js panic ("call to released function").
//
// Never call it from a JS callback: that blocks the event loop the Promise
// needs to settle, and the program deadlocks.
func AwaitContext(ctx context.Context, p safejs.Value) (safejs.Value, error) {
	promise, err := safejs.Global().Get("Promise")
	if err != nil {
		return safejs.Value{}, err
	}
	p, err = promise.Call("resolve", p)
	if err != nil {
		return safejs.Value{}, err
	}

	type result struct {
		v   safejs.Value
		err error
	}
	ch := make(chan result, 1) // buffered: the callback never blocks, even after we gave up
	var onOK, onErr safejs.Func
	release := func() {
		onOK.Release()
		onErr.Release()
	}
	onOK, err = FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		release()
		ch <- result{v: arg(args, 0)}
		return nil
	})
	if err != nil {
		return safejs.Value{}, err
	}
	onErr, err = FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		release()
		ch <- result{err: Rejection(arg(args, 0))}
		return nil
	})
	if err != nil {
		onOK.Release()
		return safejs.Value{}, err
	}
	if _, err := p.Call("then", onOK, onErr); err != nil {
		release()
		return safejs.Value{}, err
	}
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		return safejs.Value{}, ctx.Err()
	}
}

// Rejection turns a JS rejection or exception value into a *RejectedError.
func Rejection(v safejs.Value) *RejectedError {
	e := &RejectedError{Value: v}
	if v.Type() == safejs.TypeObject {
		e.Name = stringProp(v, "name")
		e.Message = stringProp(v, "message")
		if cause, err := v.Get("cause"); err == nil && !cause.IsUndefined() && !cause.IsNull() {
			e.Message += " (cause: " + Describe(cause) + ")"
		}
	}
	if e.Name == "" && e.Message == "" {
		e.Message = Describe(v)
	}
	return e
}

// Describe is JS's String(v): "TypeError: Failed to fetch" for an Error,
// the text of a string, "undefined" for undefined. It never fails.
func Describe(v safejs.Value) string {
	str, err := safejs.Global().Get("String")
	if err == nil {
		if s, err := str.Invoke(v); err == nil {
			if out, err := s.String(); err == nil {
				return out
			}
		}
	}
	return "<" + v.Type().String() + ">"
}

func stringProp(v safejs.Value, name string) string {
	p, err := v.Get(name)
	if err != nil {
		return ""
	}
	s, _ := StringOf(p)
	return s
}

// ErrNoExecutor is returned by NewPromise when JS did not call the executor
// synchronously, which only a broken Promise polyfill would do.
var ErrNoExecutor = errors.New("jsutil: Promise executor not called")

// NewPromise returns a JS Promise settled by fn, which runs in its own
// goroutine so that it may block (fetch, timers, channels). A nil error
// resolves the Promise with fn's value (converted like safejs.ValueOf); an
// error, or a panic in fn, rejects it with a JS Error carrying the message.
// Callers must keep credentials out of fn's error messages: they reach the
// page.
func NewPromise(fn func() (any, error)) (safejs.Value, error) {
	promise, err := safejs.Global().Get("Promise")
	if err != nil {
		return safejs.Value{}, err
	}
	var resolve, reject safejs.Value
	called := false
	executor, err := FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		resolve, reject = arg(args, 0), arg(args, 1)
		called = true
		return nil
	})
	if err != nil {
		return safejs.Value{}, err
	}
	// The Promise constructor runs the executor synchronously, so the handle
	// is no longer needed once New returns.
	p, err := promise.New(executor)
	executor.Release()
	if err != nil {
		return safejs.Value{}, err
	}
	if !called {
		return safejs.Value{}, ErrNoExecutor
	}
	go func() {
		v, err := call(fn)
		if err == nil {
			if _, ierr := resolve.Invoke(v); ierr == nil {
				return
			} else {
				// The value could not be converted to JS: reject instead
				// of leaving the Promise pending forever.
				err = fmt.Errorf("jsutil: resolve: %w", ierr)
			}
		}
		_, _ = reject.Invoke(NewError(err.Error()))
	}()
	return p, nil
}

// call runs fn and turns a panic into a *PanicError.
func call(fn func() (any, error)) (v any, err error) {
	defer Recover(&err)
	return fn()
}
