package frame

import (
	"context"

	tea "charm.land/bubbletea/v2"

	"provkeys/ui"
)

// pollVersion reads the store's data version.
func pollVersion(st ui.Store) tea.Cmd {
	return ui.WithStore(func(ctx context.Context) tea.Msg {
		v, err := st.DataVersion(ctx)
		return dataVersionMsg{version: v, err: err}
	})
}
