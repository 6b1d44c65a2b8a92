package client

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

func TestParseAuth(t *testing.T) {
	a, err := ParseAuth([]byte(`{"token":"tok-123"}`))
	require.NoError(t, err)
	assert.Equal(t, finesse.Auth{Token: "tok-123"}, a)
	a, err = ParseAuth([]byte(`{"username":"1001001","password":"pw-123"}`))
	require.NoError(t, err)
	assert.Equal(t, finesse.Auth{Username: "1001001", Password: "pw-123"}, a)

	for in, field := range map[string]string{
		`{"username":"1001001"}`:                          "auth.password",
		`{"password":"pw-secret-1"}`:                      "auth.username",
		`{"token":"tok secret"}`:                          "auth.token",
		`{"token":"tok-secret","password":"pw-secret-2"}`: "auth",
		`{"token":"tok-secret","extra":1}`:                "auth",
		`"tok-secret"`:                                    "auth",
		`{}`:                                              "auth",
		`{"token":42}`:                                    "auth.token",
	} {
		_, err := ParseAuth([]byte(in))
		var oe *OptionError
		require.ErrorAs(t, err, &oe, in)
		assert.Equal(t, field, oe.Field, in)
		for _, sec := range []string{"pw-secret", "tok-secret", "tok secret"} {
			assert.NotContains(t, err.Error(), sec, in)
		}
	}
}

func FuzzParseAuth(f *testing.F) {
	f.Add([]byte(`{"token":"tok-123"}`))
	f.Add([]byte(`{"username":"1001001","password":"pw"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := ParseAuth(data)
		if err == nil && a.Validate() != nil {
			t.Fatalf("accepted unusable credentials")
		}
	})
}
