//go:build js && wasm

// Command linkprobe is not shipped. It links what the browser client will
// link for HTTP (the fetch Doer and the Finesse model) so that
// build/wasmtest's link check can prove, already before the bridge uses
// them, that this combination does not pull in net/http's client.
//
// When internal/finesse's REST client exists, use it here too (it is the
// code most likely to reach for http.DefaultClient by accident).
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
	"github.com/finesse-ha/finesse-ha/wasm/jsfetch"
)

// doer is the SPEC §2 interface, so the call below is dynamic like the
// real client's.
type doer interface {
	Do(*http.Request) (*http.Response, error)
}

func main() {
	var d doer = &jsfetch.Transport{}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, os.Getenv("URL")+"/finesse/api/SystemInfo", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp, err := d.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, finesse.MaxBodySize))
	if err != nil {
		fmt.Println(err)
		return
	}
	si, err := finesse.DecodeSystemInfo(body)
	fmt.Println(si, err)
}
