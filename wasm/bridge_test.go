//go:build js && wasm

package main

import (
	"testing"

	"github.com/finesse-ha/finesse-ha/wasm/jsutil"
	"github.com/hack-pad/safejs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRegisterInstallsFactoryAndCallsReadyHook(t *testing.T) {
	global := safejs.Global()
	var got safejs.Value
	called := 0
	hook, err := jsutil.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		called++
		if len(args) > 0 {
			got = args[0]
		}
		return nil
	})
	require.NoError(t, err)
	defer hook.Release()
	require.NoError(t, global.Set(readyHook, hook))
	t.Cleanup(func() {
		_ = global.Delete(readyHook)
		_ = global.Delete(globalName)
	})

	require.NoError(t, register(global))

	factory, err := global.Get(globalName)
	require.NoError(t, err)
	require.Equal(t, 1, called)
	assert.True(t, factory.Equal(got), "the hook receives the registered factory")
	v, err := factory.Get("apiVersion")
	require.NoError(t, err)
	n, err := v.Int()
	require.NoError(t, err)
	assert.Equal(t, apiVersion, n)

	// The placeholder answers with a rejected Promise, never a throw or hang.
	p, err := factory.Call("createClient", map[string]any{})
	require.NoError(t, err)
	_, err = jsutil.Await(p)
	var rej *jsutil.RejectedError
	require.ErrorAs(t, err, &rej)
	assert.Equal(t, errNotImplemented.Error(), rej.Message)
}

func TestRegisterWithoutHook(t *testing.T) {
	global := safejs.Global()
	t.Cleanup(func() { _ = global.Delete(globalName) })
	require.NoError(t, register(global))
	factory, err := global.Get(globalName)
	require.NoError(t, err)
	assert.Equal(t, safejs.TypeObject, factory.Type())
}
