package keys

import (
	"testing"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/components/frame"
	"provkeys/ui/internal/uitest"
)

// keysOf is the Keys page the driver shows.
func keysOf(d *uitest.Driver) *keysPage { return d.M.Page(0).(*keysPage) }

// cursorName is the name of the key under the Keys page's cursor.
func cursorName(d *uitest.Driver) string {
	r, ok := keysOf(d).current()
	if !ok {
		return ""
	}
	return r.k.Name
}

// keysFrame is the Keys page on e, alone in the dashboard's frame.
func keysFrame(e *ui.Env) *frame.Model { return frame.New(e, New(e)) }

// newDriver drives the Keys page on st, in the dashboard's frame with stub tabs where
// the dashboard has its other pages, so the screen is drawn as the dashboard draws it.
func newDriver(t *testing.T, st ui.Store, actor model.Actor, opts ui.Options) *uitest.Driver {
	t.Helper()
	e := ui.NewEnv(st, actor, uitest.TestOptions(opts))
	return uitest.NewDriverOn(t, frame.New(e, New(e), uitest.StubTab("Machine Groups"), uitest.StubTab("Certificates"), uitest.StubTab("Audit")))
}

// openView is newDriver with the tab pressed n times: the Keys page's tab is number 0.
func openView(t *testing.T, st ui.Store, actor model.Actor, n int) *uitest.Driver {
	t.Helper()
	d := newDriver(t, st, actor, ui.Options{})
	for range n {
		d.Press("tab")
	}
	return d
}

// onTopIs reports whether an overlay of type T is on top of the Keys page.
func onTopIs[T overlay](p *keysPage) bool { _, ok := p.onTop().(T); return ok }
