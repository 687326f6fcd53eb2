package keys

import (
	"testing"

	"provkeys/ui"
	"provkeys/ui/internal/uitest"
)

// ctrl+c quits from anywhere, also while the filter bar or a form has the keyboard and would
// otherwise take every key as text.
func TestCtrlCQuitsWhileTyping(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		setup func(d *uitest.Driver)
	}{
		{"table", func(d *uitest.Driver) {}},
		{"filter bar", func(d *uitest.Driver) { d.Press("/"); d.Typ("web") }},
		{"add wizard", func(d *uitest.Driver) { d.Press("n"); d.MustSee("step 1 of 4") }},
		{"edit form", func(d *uitest.Driver) { d.Press("e"); d.MustSee("Edit key"); d.Typ("x") }},
		{"saved filter prompt", func(d *uitest.Driver) { d.Press("/"); d.Typ("a"); d.Press("enter", "F") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newDriver(t, uitest.ThreeKeys(), uitest.Admin, ui.Options{})
			tc.setup(d)
			if d.Quit {
				t.Fatal("quit before ctrl+c")
			}
			d.Press("ctrl+c")
			if !d.Quit {
				t.Fatalf("ctrl+c did not quit:\n%s", d.View())
			}
		})
	}
}
