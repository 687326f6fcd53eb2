//go:build nativeclipboard

package ui

import "golang.design/x/clipboard"

// NativeClipboard returns a function that writes the local system clipboard through
// golang.design/x/clipboard, or nil when there is none (no display, or a build without
// cgo), in which case copy relies on OSC 52 alone. The X11 selection belongs to this
// process and disappears when the dashboard exits.
func NativeClipboard() func(string) error {
	if err := clipboard.Init(); err != nil {
		return nil
	}
	return func(s string) error {
		clipboard.Write(clipboard.FmtText, []byte(s))
		return nil
	}
}

// NativeClipboardRead returns a function that reads the system clipboard's text, or nil
// when there is none; `keys copy` compares before it clears.
func NativeClipboardRead() func() string {
	if err := clipboard.Init(); err != nil {
		return nil
	}
	return func() string { return string(clipboard.Read(clipboard.FmtText)) }
}
