package ui

import (
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
