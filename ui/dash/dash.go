package dash

import (
	"provkeys/ui"
	"provkeys/ui/components/frame"
	"provkeys/ui/pages/audit"
	"provkeys/ui/pages/certs"
	"provkeys/ui/pages/groups"
	"provkeys/ui/pages/keys"

	tea "charm.land/bubbletea/v2"

	"provkeys/model"
)

// New returns the dashboard's root model for st, acting as actor: the Keys, Machine Groups,
// Certificates and Audit pages in one frame. Run it with tea.NewProgram(dash.New(...)).Run();
// it asks for the alternate screen itself.
func New(st ui.Store, actor model.Actor, opts ui.Options) tea.Model {
	e := ui.NewEnv(st, actor, opts)
	return frame.New(e, keys.New(e), groups.New(e), certs.New(e), audit.New(e))
}
