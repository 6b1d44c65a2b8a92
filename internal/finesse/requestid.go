package finesse

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"strings"
)

// RequestIDHeader is the header Finesse echoes as <requestId> in the Update
// that reports the outcome of a PUT or POST. It is sent with this exact
// spelling (HTTP header names are case-insensitive; finesse.js uses it).
const RequestIDHeader = "requestId"

// NewRequestID returns a random version-4 UUID, the form finesse.js sends.
//
// The randomness is math/rand/v2's (ChaCha8, seeded by the runtime from
// the system's or the browser's random source): a requestId must be
// unique, not secret, and importing crypto/rand links the FIPS 140 module
// into the browser build (about 50 KB gzip, research/wasm-size.md).
func NewRequestID() string {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(b[8:], rand.Uint64())
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}

type requestIDKey struct{}

// ContextWithRequestID makes the Client send id as the requestId of every
// PUT, POST or DELETE made with the returned context, instead of a fresh
// one. A caller that retries a request after a 503 keeps one id for all
// attempts, so the one notification that answers matches whichever attempt
// took effect.
func ContextWithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

func requestIDFrom(ctx context.Context) (string, bool) {
	id, ok := ctx.Value(requestIDKey{}).(string)
	return id, ok && id != ""
}

// validRequestID keeps ids header-safe and short: printable ASCII without
// white space, at most 128 bytes.
func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	return !strings.ContainsFunc(id, func(r rune) bool { return r <= ' ' || r >= 0x7f })
}
