// Package dash is the dashboard: New puts the Keys, Machine Groups, Certificates, Audit and
// Machines pages in the frame. The command line and the SSH server start it; a page is added to the
// tabs by adding its constructor to New.
package dash

import (
	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/components/frame"
	"provkeys/ui/pages/audit"
	"provkeys/ui/pages/certs"
	"provkeys/ui/pages/groups"
	"provkeys/ui/pages/keys"
	"provkeys/ui/pages/machines"
)

// New returns the dashboard's root model for st, acting as actor: the Keys, Machine Groups,
// Certificates, Audit and Machines pages in one frame. Run it with tea.NewProgram(dash.New(...)).Run();
// it asks for the alternate screen itself.
func New(st ui.Store, actor model.Actor, opts ui.Options) tea.Model {
	e := ui.NewEnv(st, actor, opts)
	return frame.New(e, keys.New(e), groups.New(e), certs.New(e), audit.New(e), machines.New(e))
}
