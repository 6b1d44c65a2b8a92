//go:build js && wasm

package main

import (
	"testing"

	"github.com/finesse-ha/finesse-ha/wasm/jsutil"
	"github.com/hack-pad/safejs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRegisterInstallsTheFactory(t *testing.T) {
	global := safejs.Global()
	t.Cleanup(func() { _ = global.Delete(globalName) })
	require.NoError(t, register(global))

	factory, err := global.Get(globalName)
	require.NoError(t, err)
	require.Equal(t, safejs.TypeObject, factory.Type())
	v, err := factory.Get("version")
	require.NoError(t, err)
	s, err := v.String()
	require.NoError(t, err)
	assert.Equal(t, version, s)

	// The placeholder answers with a rejected Promise, never a throw or hang.
	emit, err := jsutil.FuncOf(func(safejs.Value, []safejs.Value) any { return nil })
	require.NoError(t, err)
	defer emit.Release()
	p, err := factory.Call("createClient", "{}", emit)
	require.NoError(t, err)
	_, err = jsutil.Await(p)
	var rej *jsutil.RejectedError
	require.ErrorAs(t, err, &rej)
	assert.Equal(t, "Error", rej.Name)
	assert.Equal(t, errNotImplemented.Error(), rej.Message)
}
