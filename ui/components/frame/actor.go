package frame

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui"
)

// changeActor applies an ActorChangedMsg to the shared env and tells every page.
func (a *Model) changeActor(msg ui.ActorChangedMsg) tea.Cmd {
	a.env.Actor = msg.Actor
	if msg.Store != nil {
		a.env.Store = msg.Store
	}
	note := ui.SetStatus(ui.StatusErr, fmt.Sprintf("The operators file changed: you are now %s.",
		model.Sanitize(string(msg.Actor.Role))))
	return tea.Batch(a.broadcast(msg), a.broadcast(ui.DataChangedMsg{}), note)
}
