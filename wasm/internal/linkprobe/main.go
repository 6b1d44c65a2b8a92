//go:build js && wasm

// Command linkprobe is not shipped. It links what the browser client will
// link for HTTP (the fetch Doer under internal/finesse's REST client) so
// that build/wasmtest's link check can prove, already before the bridge
// uses them, that this combination does not pull in net/http's client.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
	"github.com/finesse-ha/finesse-ha/wasm/jsfetch"
)

func main() {
	c, err := finesse.NewClient(os.Getenv("URL"), &jsfetch.Transport{}, finesse.Auth{Username: os.Getenv("U"), Password: os.Getenv("P")})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	si, err := c.GetSystemInfo(ctx)
	fmt.Println(si, err)
	u, err := c.GetUser(ctx, os.Getenv("U"))
	fmt.Println(u, err)
	d, err := c.GetDialogs(ctx, os.Getenv("U"))
	fmt.Println(d, err)
	id, err := c.SignIn(ctx, os.Getenv("U"), os.Getenv("E"))
	fmt.Println(id, err)
	r, err := c.Request(ctx, "PUT", "/finesse/api/User/x", nil)
	fmt.Println(r, err)
}
