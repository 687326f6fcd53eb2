package ui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"provkeys/model"
)

// ActorChangedMsg tells a running dashboard that its operator's role changed (the SSH
// server sends it after the operators file is reloaded): from now on it acts as Actor
// through Store, which is the store opened as that actor, so the store's own role checks
// follow too. Revealed key material is hidden.
type ActorChangedMsg struct {
	Actor model.Actor
	Store Store
}

// changeActor applies an ActorChangedMsg to the shared env and tells every page.
func (a *app) changeActor(msg ActorChangedMsg) tea.Cmd {
	a.env.actor = msg.Actor
	if msg.Store != nil {
		a.env.store = msg.Store
	}
	note := setStatus(statusErr, fmt.Sprintf("The operators file changed: you are now %s.",
		model.Sanitize(string(msg.Actor.Role))))
	return tea.Batch(a.broadcast(msg), a.broadcast(dataChangedMsg{}), note)
}
