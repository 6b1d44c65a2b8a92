//go:build js && wasm

package jsutil

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/hack-pad/safejs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// eval runs a JS expression in the page, e.g. a Promise to await.
func eval(t *testing.T, expr string) safejs.Value {
	t.Helper()
	fn, err := safejs.Global().Get("Function")
	require.NoError(t, err)
	f, err := fn.New("return (" + expr + ");")
	require.NoError(t, err)
	v, err := f.Invoke()
	require.NoError(t, err)
	return v
}

func TestAwaitResolved(t *testing.T) {
	for _, expr := range []string{"Promise.resolve(42)", "42", "({then(ok) { ok(42); }})", "new Promise(ok => setTimeout(() => ok(42), 10))"} {
		v, err := Await(eval(t, expr))
		require.NoError(t, err, expr)
		n, err := v.Int()
		require.NoError(t, err)
		assert.Equal(t, 42, n, expr)
	}
}

func TestAwaitRejected(t *testing.T) {
	for _, tc := range []struct {
		expr, name, message string
	}{
		{`Promise.reject(new TypeError("Failed to fetch"))`, "TypeError", "Failed to fetch"},
		{`Promise.reject(new DOMException("stop", "AbortError"))`, "AbortError", "stop"},
		{`Promise.reject("plain string")`, "", "plain string"},
		{`Promise.reject()`, "", "undefined"},
		{`Promise.reject(new Error("outer", {cause: new Error("inner")}))`, "Error", "outer (cause: Error: inner)"},
	} {
		_, err := Await(eval(t, tc.expr))
		var rej *RejectedError
		require.ErrorAs(t, err, &rej, tc.expr)
		assert.Equal(t, tc.name, rej.Name, tc.expr)
		assert.Equal(t, tc.message, rej.Message, tc.expr)
		assert.Equal(t, tc.name == "AbortError", rej.IsAbort())
	}
}

func TestAwaitContextGivesUp(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	never := eval(t, "new Promise(() => {})")
	done := make(chan error, 1)
	go func() { _, err := AwaitContext(ctx, never); done <- err }()
	cancel()
	assert.ErrorIs(t, <-done, context.Canceled)
}

// A Promise that settles after AwaitContext gave up must still find its
// callbacks registered: a released js.Func being called would end the
// runtime, and this test binary with it.
func TestAwaitContextLateSettle(t *testing.T) {
	resolveLater := eval(t, `(() => { let ok; const p = new Promise(r => ok = r); return {p, ok}; })()`)
	p, err := resolveLater.Get("p")
	require.NoError(t, err)
	ok, err := resolveLater.Get("ok")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = AwaitContext(ctx, p)
	require.ErrorIs(t, err, context.Canceled)
	_, err = ok.Invoke(1)
	require.NoError(t, err)
	// Let the settled Promise run its callbacks, then prove the runtime lives.
	v, err := Await(eval(t, "new Promise(ok => setTimeout(() => ok('alive'), 0))"))
	require.NoError(t, err)
	s, _ := v.String()
	assert.Equal(t, "alive", s)
}

func TestNewPromise(t *testing.T) {
	t.Run("resolves", func(t *testing.T) {
		p, err := NewPromise(func() (any, error) {
			time.Sleep(time.Millisecond) // may block: it runs in a goroutine
			return "ok", nil
		})
		require.NoError(t, err)
		v, err := Await(p)
		require.NoError(t, err)
		s, _ := v.String()
		assert.Equal(t, "ok", s)
	})
	t.Run("rejects with the error message", func(t *testing.T) {
		p, err := NewPromise(func() (any, error) { return nil, errors.New("side A refused") })
		require.NoError(t, err)
		_, err = Await(p)
		var rej *RejectedError
		require.ErrorAs(t, err, &rej)
		assert.Equal(t, "Error", rej.Name)
		assert.Equal(t, "side A refused", rej.Message)
	})
	t.Run("unconvertible value rejects instead of hanging", func(t *testing.T) {
		p, err := NewPromise(func() (any, error) { return struct{}{}, nil })
		require.NoError(t, err)
		_, err = Await(p)
		var rej *RejectedError
		require.ErrorAs(t, err, &rej)
		assert.Contains(t, rej.Message, "resolve")
	})
}

// recordPanics installs a panic handler for the test and returns what it saw.
func recordPanics(t *testing.T) func() []*PanicError {
	var mu sync.Mutex
	var seen []*PanicError
	SetPanicHandler(func(p *PanicError) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, p)
	})
	t.Cleanup(func() { SetPanicHandler(nil) })
	return func() []*PanicError {
		mu.Lock()
		defer mu.Unlock()
		return append([]*PanicError(nil), seen...)
	}
}

func TestPanicInPromiseRejects(t *testing.T) {
	seen := recordPanics(t)
	p, err := NewPromise(func() (any, error) {
		var m map[string]int
		m["boom"] = 1 // a real runtime panic, not a polite one
		return nil, nil
	})
	require.NoError(t, err)
	_, err = Await(p)
	var rej *RejectedError
	require.ErrorAs(t, err, &rej)
	assert.Contains(t, rej.Message, "recovered panic")
	require.Len(t, seen(), 1)
	assert.NotEmpty(t, seen()[0].Stack)
}

func TestPanicInCallbackStaysInGo(t *testing.T) {
	seen := recordPanics(t)
	f, err := FuncOf(func(safejs.Value, []safejs.Value) any { panic("bridge bug") })
	require.NoError(t, err)
	defer f.Release()
	// Called from JS, as the page would; without the recover this would end
	// the wasm runtime and the test binary.
	v, err := f.Value().Invoke()
	require.NoError(t, err)
	errCtor, err := safejs.Global().Get("Error")
	require.NoError(t, err)
	isErr, err := v.InstanceOf(errCtor)
	require.NoError(t, err)
	assert.True(t, isErr, "the callback answers with an Error object")
	assert.Contains(t, Describe(v), "bridge bug")
	require.Len(t, seen(), 1)
	assert.Equal(t, "bridge bug", seen()[0].Value)
}

func TestArgOutOfRange(t *testing.T) {
	// JS may call any function with fewer arguments than expected; the
	// callbacks here read them through arg(), which must not index out of range.
	assert.Equal(t, safejs.TypeUndefined, arg(nil, 0).Type())
	one, err := safejs.ValueOf(1)
	require.NoError(t, err)
	assert.Equal(t, safejs.TypeNumber, arg([]safejs.Value{one}, 0).Type())
	assert.Equal(t, safejs.TypeUndefined, arg([]safejs.Value{one}, 1).Type())
}

func TestGoRecovers(t *testing.T) {
	done := make(chan *PanicError, 1)
	SetPanicHandler(func(p *PanicError) { done <- p })
	t.Cleanup(func() { SetPanicHandler(nil) })
	Go(func() { panic(errors.New("goroutine bug")) })
	p := <-done
	assert.EqualError(t, p.Unwrap(), "goroutine bug")
}

func TestRecoverWithoutHandler(t *testing.T) {
	SetPanicHandler(nil)
	err := func() (err error) {
		defer Recover(&err)
		panic("no handler installed")
	}()
	var pe *PanicError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "no handler installed", pe.Value)
}

func TestPanickingHandlerIsContained(t *testing.T) {
	SetPanicHandler(func(*PanicError) { panic("handler bug") })
	t.Cleanup(func() { SetPanicHandler(nil) })
	err := func() (err error) {
		defer Recover(&err)
		panic("first")
	}()
	var pe *PanicError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "first", pe.Value)
}

func TestStringOf(t *testing.T) {
	for _, tc := range []struct {
		expr string
		want string
		ok   bool
	}{
		{`"abc"`, "abc", true},
		{`""`, "", true},
		{`42`, "", false},
		{`new String("boxed")`, "", false},
		{`undefined`, "", false},
		{`null`, "", false},
		{`({toString() { return "x"; }})`, "", false},
	} {
		s, ok := StringOf(eval(t, tc.expr))
		assert.Equal(t, tc.ok, ok, tc.expr)
		assert.Equal(t, tc.want, s, tc.expr)
	}
}
