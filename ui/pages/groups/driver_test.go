package groups

import (
	"testing"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/components/frame"
	"provkeys/ui/internal/uitest"
)

// groupsOf is the Machine Groups page the driver shows.
func groupsOf(d *uitest.Driver) *groupsPage { return d.M.Page(1).(*groupsPage) }

// newDriver drives the Machine Groups page on st, in the dashboard's frame with stub tabs where
// the dashboard has its other pages, so the screen is drawn as the dashboard draws it.
func newDriver(t *testing.T, st ui.Store, actor model.Actor, opts ui.Options) *uitest.Driver {
	t.Helper()
	e := ui.NewEnv(st, actor, uitest.TestOptions(opts))
	return uitest.NewDriverOn(t, frame.New(e, uitest.StubTab("Keys"), New(e), uitest.StubTab("Certificates"), uitest.StubTab("Audit")))
}

// openView is newDriver with the tab pressed n times: the Machine Groups page's tab is number 1.
func openView(t *testing.T, st ui.Store, actor model.Actor, n int) *uitest.Driver {
	t.Helper()
	d := newDriver(t, st, actor, ui.Options{})
	for range n {
		d.Press("tab")
	}
	return d
}
