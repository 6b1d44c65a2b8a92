//go:build js && wasm

// Command nethttptypes is a size probe (see package sizeprobe): xmlonly
// plus net/http's types behind a Doer that never touches the network.
package main

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"syscall/js"
)

type update struct {
	Event string `xml:"event"`
}

type doer interface {
	Do(*http.Request) (*http.Response, error)
}

type echo struct{}

func (echo) Do(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Header: r.Header, Request: r}, nil
}

func main() {
	var u update
	err := xml.Unmarshal([]byte(js.Global().Get("probeXML").String()), &u)
	fmt.Println(u, err)
	req, err := http.NewRequest(http.MethodGet, js.Global().Get("probeURL").String(), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	var d doer = echo{}
	resp, err := d.Do(req)
	fmt.Println(resp.StatusCode, resp.Header.Get("X"), err)
}
