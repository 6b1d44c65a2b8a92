package nethttp

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/finesse-ha/finesse-ha/internal/httpx"
)

func TestDoer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Echo-Method", r.Method)
		w.Header().Set("X-Echo-Header", r.Header.Get("X-In"))
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(b)
	}))
	defer srv.Close()
	d := New(srv.Client())

	req := httpx.NewRequest(context.Background(), httpx.MethodPost, srv.URL+"/echo", []byte("<x/>"))
	req.Header.Set("x-in", "v")
	resp, err := d.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Status != "200 OK" || string(body) != "<x/>" ||
		resp.Header.Get("x-echo-method") != "POST" || resp.Header.Get("X-Echo-Header") != "v" {
		t.Fatalf("got %d %q %q %v", resp.StatusCode, resp.Status, body, resp.Header)
	}

	resp, err = d.Do(httpx.NewRequest(context.Background(), httpx.MethodGet, srv.URL+"/missing", nil))
	if err != nil {
		t.Fatalf("a 404 must be a response, not an error: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != httpx.StatusNotFound {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

func TestDoerContext(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := (&Doer{}).Do(httpx.NewRequest(ctx, httpx.MethodGet, srv.URL, nil))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's deadline", err)
	}
}
