//go:build js && wasm

// Command runtimeonly is a size probe (see package sizeprobe).
package main

import "syscall/js"

func main() {
	js.Global().Get("console").Call("log", "hello")
}
