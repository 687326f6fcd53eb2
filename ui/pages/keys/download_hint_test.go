package keys

import (
	"strings"
	"testing"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/internal/uitest"
)

// Over SSH, `w` on a key tells the operator what to run on their own machine; the name and
// the file must survive the shell even with spaces and quotes in them.
func TestDownloadHintOverSSHIsShellSafe(t *testing.T) {
	for name, want := range map[string]string{
		"web 04":    `export 'web 04' > 'web 04.txt'`,
		"web-04":    `export web-04 > web-04.txt`,
		"bob's box": `export 'bob'\''s box' > 'bob'\''s box.txt'`,
	} {
		remote := model.Actor{Name: "alice", Role: model.RoleAdmin, Remote: "203.0.113.9:52144"}
		d := newDriver(t, uitest.NewFake(uitest.TestKey(1, name)), remote, ui.Options{})
		d.Press("w")
		if got := d.Status(); !strings.Contains(got, want) {
			t.Errorf("%q: hint %q, want it to contain %q", name, got, want)
		}
	}
}
