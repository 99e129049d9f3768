//go:build js && wasm

// Command emar-wasm is the bedside's checks for a device that cannot reach
// the server: the server's own rules (mar.OfflineVerify through package
// mar/offline) compiled to WebAssembly. It exposes one JavaScript function,
//
//	emarOfflineCheck(envelopeJSON, publicKeyBase64, requestJSON) → resultJSON
//
// and stays running so the page can call it again. See docs/offline.md.
package main

import (
	"syscall/js"
	_ "time/tzdata" // the units' zones, with no zoneinfo on the device

	"github.com/emar-project/emar/mar/offline"
)

func main() {
	js.Global().Set("emarOfflineCheck", js.FuncOf(func(this js.Value, args []js.Value) any {
		if len(args) != 3 {
			return `{"allowed":false,"code":"invalid","message":"emarOfflineCheck takes the envelope, the public key and the request","checks":[],"candidates":[]}`
		}
		return offline.CheckJSONCall(args[0].String(), args[1].String(), args[2].String())
	}))
	if ready := js.Global().Get("emarOfflineReady"); ready.Type() == js.TypeFunction {
		ready.Invoke()
	}
	select {}
}
