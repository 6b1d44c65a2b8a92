// Package sizeprobe holds two tiny js/wasm programs that are never
// shipped. make size builds them next to the real client so the report
// shows the floors research/wasm-size.md measured: runtimeonly is the Go
// runtime with syscall/js and nothing else, xmlonly adds encoding/xml
// (decode and print), which every Finesse payload needs. What the client
// weighs above xmlonly is its own code and its other imports.
package sizeprobe
