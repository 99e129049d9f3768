//go:build !(js && wasm)

package main

import (
	"fmt"
	"os"
)

// main elsewhere than in a browser says how to build the real thing.
func main() {
	fmt.Fprintln(os.Stderr, "emar-wasm runs only as WebAssembly: build it with GOOS=js GOARCH=wasm (make build does)")
	os.Exit(2)
}
