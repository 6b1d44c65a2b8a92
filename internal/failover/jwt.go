package failover

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math"
	"strings"
	"time"
)

// tokenTimes reads iat and exp from a JWT's payload. Only the payload is
// decoded: the signature is the server's business, and the client needs
// these two numbers only to know when to ask for a fresh token (SPEC §4.2).
// ok is false when the token is not a JWT or carries no usable exp; iat is
// zero when absent. Nothing of the token is ever returned or logged.
func tokenTimes(token string) (iat, exp time.Time, ok bool) {
	const maxToken = 16 << 10 // Cisco IdS tokens are a few kB
	if len(token) > maxToken {
		return time.Time{}, time.Time{}, false
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 || parts[1] == "" {
		return time.Time{}, time.Time{}, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return time.Time{}, time.Time{}, false
	}
	var claims struct {
		Iat json.Number `json:"iat"`
		Exp json.Number `json:"exp"`
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	if dec.Decode(&claims) != nil {
		return time.Time{}, time.Time{}, false
	}
	exp, ok = numericDate(claims.Exp)
	if !ok {
		return time.Time{}, time.Time{}, false
	}
	iat, iatOK := numericDate(claims.Iat)
	if !iatOK || !iat.Before(exp) {
		iat = time.Time{}
	}
	return iat, exp, true
}

// numericDate is RFC 7519's NumericDate: seconds since the epoch, possibly
// fractional. Values before 2000 or after 2200 are not dates a token server
// issues; they are treated as unreadable.
func numericDate(n json.Number) (time.Time, bool) {
	if n == "" {
		return time.Time{}, false
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || f < 946684800 || f > 7258118400 {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true
}
