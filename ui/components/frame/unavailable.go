package frame

import (
	"errors"

	tea "charm.land/bubbletea/v2"

	"provkeys/store"
	"provkeys/ui"
)

// versionRead acts on a reading of the store's data version: a change reloads every page. A
// store that cannot be reached for now (store.ErrUnavailable: a database server restarting)
// holds one status line, "store unavailable, retrying", for as long as it lasts, and the
// polling goes on; the first good reading clears the line and reloads every page, since
// what changed meanwhile is unknown.
func (a *Model) versionRead(msg dataVersionMsg) tea.Cmd {
	var cmd tea.Cmd
	switch {
	case errors.Is(msg.err, store.ErrUnavailable):
		a.unavailable = true
		a.statusID++ // a pending clear must not take the line away
		a.status, a.statusKind = store.ErrUnavailable.Error(), ui.StatusErr
	case msg.err == nil && a.unavailable:
		a.unavailable = false
		if a.status == store.ErrUnavailable.Error() {
			a.status = ""
		}
		cmd = a.broadcast(ui.DataChangedMsg{})
		a.version, a.versioned = msg.version, true
	case msg.err == nil:
		if a.versioned && msg.version != a.version {
			cmd = a.broadcast(ui.DataChangedMsg{})
		}
		a.version, a.versioned = msg.version, true
	}
	return tea.Batch(cmd, a.pollTick())
}
