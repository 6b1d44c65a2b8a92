package failover

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// testJWT builds an unsigned JWT with the given payload JSON.
func testJWT(payload string) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + enc.EncodeToString([]byte(payload)) + ".c2lnbmF0dXJl"
}

func TestTokenTimes(t *testing.T) {
	iat, exp, ok := tokenTimes(testJWT(`{"sub":"1001001","iat":1772442000,"exp":1772445600}`))
	assert.True(t, ok)
	assert.Equal(t, time.Unix(1772442000, 0).UTC(), iat)
	assert.Equal(t, time.Unix(1772445600, 0).UTC(), exp)

	_, exp, ok = tokenTimes(testJWT(`{"exp":1772445600.5}`))
	assert.True(t, ok, "fractional NumericDate")
	assert.Equal(t, int64(500_000_000), int64(exp.Nanosecond()))

	iat, _, ok = tokenTimes(testJWT(`{"exp":1772445600,"iat":1772445601}`))
	assert.True(t, ok)
	assert.True(t, iat.IsZero(), "an iat after exp is ignored")

	for name, tok := range map[string]string{
		"opaque":        "0123456789abcdef",
		"no exp":        testJWT(`{"sub":"1001001","iat":1772442000}`),
		"exp a string":  testJWT(`{"exp":"soon"}`),
		"exp far away":  testJWT(`{"exp":1e30}`),
		"not json":      testJWT(`exp=1772445600`),
		"two parts":     "eyJhbGciOiJub25lIn0.eyJleHAiOjE3NzI0NDU2MDB9",
		"bad base64":    "a.!!!.c",
		"empty payload": "a..c",
	} {
		_, _, ok := tokenTimes(tok)
		assert.False(t, ok, name)
	}
}

func FuzzTokenTimes(f *testing.F) {
	f.Add(testJWT(`{"iat":1772442000,"exp":1772445600}`))
	f.Add(testJWT(`{"exp":1772445600.25}`))
	f.Add("a.b.c")
	f.Add("")
	f.Fuzz(func(t *testing.T, tok string) {
		iat, exp, ok := tokenTimes(tok)
		if !ok {
			return
		}
		if exp.IsZero() {
			t.Fatal("ok without exp")
		}
		if !iat.IsZero() && !iat.Before(exp) {
			t.Fatal("iat not before exp")
		}
	})
}
