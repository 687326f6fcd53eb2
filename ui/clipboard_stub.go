//go:build !nativeclipboard

package ui

// NativeClipboard returns a function that writes the local system clipboard, or nil when
// this build has none. This default build has none, so it needs neither cgo nor X11
// headers; build with -tags nativeclipboard (cgo and libx11-dev) to get one. Copy always
// reaches the operator's terminal through OSC 52 either way.
func NativeClipboard() func(string) error { return nil }

// NativeClipboardRead returns a function that reads the system clipboard, or nil when this
// build has none (this one).
func NativeClipboardRead() func() string { return nil }
