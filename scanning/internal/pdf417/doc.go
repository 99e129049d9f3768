// Package pdf417 reads PDF417 symbols (ISO/IEC 15438).
//
//go:generate go run ./gen
package pdf417
