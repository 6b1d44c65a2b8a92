//go:build js && wasm

// Command xmlonly is a size probe (see package sizeprobe).
package main

import (
	"encoding/xml"
	"fmt"
	"syscall/js"
)

type update struct {
	Event string `xml:"event"`
}

func main() {
	var u update
	err := xml.Unmarshal([]byte(js.Global().Get("probeXML").String()), &u)
	fmt.Println(u, err)
}
