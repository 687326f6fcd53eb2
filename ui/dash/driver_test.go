package dash

import (
	"testing"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/components/frame"
	"provkeys/ui/internal/uitest"
)

// newDriver drives the whole dashboard on st.
func newDriver(t *testing.T, st ui.Store, actor model.Actor, opts ui.Options) *uitest.Driver {
	t.Helper()
	return uitest.NewDriverOn(t, New(st, actor, uitest.TestOptions(opts)).(*frame.Model))
}

// openView starts the dashboard on st and switches to view n (1 groups, 2 certs, 3 audit).
func openView(t *testing.T, st ui.Store, actor model.Actor, n int) *uitest.Driver {
	t.Helper()
	d := newDriver(t, st, actor, ui.Options{})
	for range n {
		d.Press("tab")
	}
	return d
}
