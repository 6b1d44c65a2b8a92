package finesse

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAuthNeverPrintsSecrets(t *testing.T) {
	type config struct {
		Side string
		Auth Auth
		Ptr  *Auth
	}
	for _, tt := range []struct {
		auth Auth
		want string
	}{
		{basicAuth, "Auth{Basic user=1001}"},
		{bearerAuth, "Auth{Bearer user=1001}"},
		{Auth{Token: testToken}, "Auth{Bearer}"},
		{Auth{Password: testPassword}, "Auth{Basic user=}"},
		{Auth{}, "Auth{none}"},
	} {
		a := tt.auth
		assert.Equal(t, tt.want, a.String())
		assert.Equal(t, tt.want, a.GoString())
		cfg := config{Side: "A", Auth: a, Ptr: &a}
		outs := []string{
			fmt.Sprint(a), fmt.Sprintf("%v|%+v|%#v|%s|%q|%x|%X|%d|%T", a, a, a, a, a, a, a, a, a),
			fmt.Sprintf("%v %+v %#v", cfg, cfg, cfg), fmt.Sprintf("%+v", &a), fmt.Sprintf("%#v", &cfg),
		}
		j, err := json.Marshal(cfg)
		require.NoError(t, err)
		outs = append(outs, string(j))
		x, err := xml.Marshal(cfg)
		require.NoError(t, err)
		outs = append(outs, string(x))
		for _, out := range outs {
			assert.NotContains(t, out, testPassword)
			assert.NotContains(t, out, testToken)
			assert.NotContains(t, out, "tok-SECRET")
		}
		assert.Contains(t, fmt.Sprintf("%+v", cfg), tt.want)
		assert.Contains(t, string(j), tt.want)
		assert.Equal(t, fmt.Sprintf("%q", tt.want), fmt.Sprintf("%q", a))
	}
}

func TestAuthSchemeAndHeader(t *testing.T) {
	assert.Equal(t, "Basic", basicAuth.Scheme())
	assert.Equal(t, "Basic MTAwMTpzM2NyM3QtUGE1NQ==", basicAuth.header())
	assert.Equal(t, "Bearer", bearerAuth.Scheme())
	assert.Equal(t, "Bearer "+testToken, bearerAuth.header(), "the token wins over a password")
	assert.Equal(t, "Bearer", Auth{Username: "u", Password: "p", Token: "t"}.Scheme())
	assert.Equal(t, "", Auth{}.Scheme())
	assert.Equal(t, "", Auth{}.header())
}

func TestAuthValidate(t *testing.T) {
	for _, a := range []Auth{basicAuth, bearerAuth, {}, {Username: "u"}, {Username: "u", Password: "p:with:colons"}} {
		assert.NoError(t, a.validate(), a.String())
	}
	for _, a := range []Auth{
		{Username: "a:b", Password: "p"},
		{Username: "u", Password: "p\r\n"},
		{Username: "u\x00", Password: "p"},
		{Token: "a b"},
		{Token: "a\tb"},
		{Token: "t\x7f"},
	} {
		err := a.validate()
		assert.ErrorIs(t, err, ErrInvalidRequest, a.String())
		if a.Password != "" {
			assert.NotContains(t, err.Error(), a.Password)
		}
	}
}

func TestContextWithAuthOverridesPerRequest(t *testing.T) {
	d := &headerDoer{}
	c, err := NewClient("https://fin-a:8445", d, Auth{Username: "1001", Password: "old"})
	require.NoError(t, err)
	sent := func(ctx context.Context) string {
		_, err := c.SignIn(ctx, "1001", "1001")
		require.NoError(t, err)
		return d.req.Header.Get("Authorization")
	}
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("1001:old"))
	assert.Equal(t, "Bearer tok-1", sent(ContextWithAuth(context.Background(), Auth{Token: "tok-1"})))
	assert.Equal(t, basic, sent(context.Background()), "the client's own credentials without one")
	assert.Equal(t, basic, sent(ContextWithAuth(context.Background(), Auth{Token: "bad token"})), "an invalid override is ignored")
}
