package httpx

import (
	"net/textproto"
	"testing"
)

func TestCanonicalKeyAgreesWithTextproto(t *testing.T) {
	for _, k := range []string{"", "content-type", "CONTENT-TYPE", "Content-Type", "requestId", "x-a-b", "-x", "a--b",
		"accept", "WWW-Authenticate", "sec-websocket-protocol", "bad key", "ünï", "x_y", "1abc"} {
		if got, want := CanonicalKey(k), textproto.CanonicalMIMEHeaderKey(k); got != want {
			t.Errorf("CanonicalKey(%q) = %q, textproto says %q", k, got, want)
		}
	}
}

func FuzzCanonicalKey(f *testing.F) {
	f.Add("content-type")
	f.Add("X-REQUEST-ID")
	f.Fuzz(func(t *testing.T, k string) {
		if got, want := CanonicalKey(k), textproto.CanonicalMIMEHeaderKey(k); got != want {
			t.Errorf("CanonicalKey(%q) = %q, textproto says %q", k, got, want)
		}
	})
}

func TestHeader(t *testing.T) {
	h := Header{}
	h.Set("content-type", "text/xml")
	h.Add("X-Multi", "a")
	h.Add("x-multi", "b")
	if h.Get("Content-Type") != "text/xml" || len(h.Values("X-MULTI")) != 2 {
		t.Fatalf("header = %v", h)
	}
	c := h.Clone()
	c.Del("x-multi")
	if len(h.Values("x-multi")) != 2 || c.Get("x-multi") != "" {
		t.Fatalf("Clone shares storage: %v / %v", h, c)
	}
	if Header(nil).Clone() != nil {
		t.Fatal("nil Clone is not nil")
	}
}
