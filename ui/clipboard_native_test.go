//go:build nativeclipboard

package ui

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestNativeClipboardUnderX writes the system clipboard and reads it back with xclip while
// this process still owns the selection. Run it under a display:
//
//	xvfb-run -a go test -tags nativeclipboard -run TestNativeClipboardUnderX ./ui
func TestNativeClipboardUnderX(t *testing.T) {
	if os.Getenv("DISPLAY") == "" {
		t.Skip("no DISPLAY")
	}
	if _, err := exec.LookPath("xclip"); err != nil {
		t.Skip("no xclip")
	}
	write := NativeClipboard()
	if write == nil {
		t.Fatal("NativeClipboard is nil with a display")
	}
	const secret = "3|api.private.zscaler.com|TkFUSVZFLUNMSVBCT0FSRC1URVNU"
	if err := write(secret); err != nil {
		t.Fatal(err)
	}
	var got string
	for range 50 { // the X server answers asynchronously
		out, err := exec.Command("xclip", "-o", "-selection", "clipboard").Output()
		if got = strings.TrimSpace(string(out)); err == nil && got == secret {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("xclip read %q, want %q", got, secret)
}

func TestNativeClipboardWithoutDisplayIsNil(t *testing.T) {
	if os.Getenv("DISPLAY") != "" {
		t.Skip("a display is present")
	}
	if NativeClipboard() != nil {
		t.Fatal("NativeClipboard must be nil without a display, so copy falls back to OSC 52 alone")
	}
}
