package audit

import (
	"testing"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/components/frame"
	"provkeys/ui/internal/uitest"
)

// auditOf is the Audit page the driver shows.
func auditOf(d *uitest.Driver) *auditPage { return d.M.Page(3).(*auditPage) }

// newDriver drives the Audit page on st, in the dashboard's frame with stub tabs where
// the dashboard has its other pages, so the screen is drawn as the dashboard draws it.
func newDriver(t *testing.T, st ui.Store, actor model.Actor, opts ui.Options) *uitest.Driver {
	t.Helper()
	e := ui.NewEnv(st, actor, uitest.TestOptions(opts))
	return uitest.NewDriverOn(t, frame.New(e, uitest.StubTab("Keys"), uitest.StubTab("Machine Groups"), uitest.StubTab("Certificates"), New(e)))
}

// openView is newDriver with the tab pressed n times: the Audit page's tab is number 3.
func openView(t *testing.T, st ui.Store, actor model.Actor, n int) *uitest.Driver {
	t.Helper()
	d := newDriver(t, st, actor, ui.Options{})
	for range n {
		d.Press("tab")
	}
	return d
}
