package keys

import (
	"context"

	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui"
)

// askRefusedRelease puts a release of key material the role does not allow (a viewer's
// copy, download or reveal) to the store all the same: the store is the authority, refuses
// it again and writes the refused audit row, so the attempt is in the audit trail and not
// only on the operator's screen. The answer is dropped either way; nothing is shown.
func askRefusedRelease(st ui.Store, a model.Action, id int64) tea.Cmd {
	return ui.WithStore(func(ctx context.Context) tea.Msg {
		_, _ = st.ReleaseKey(ctx, id, a)
		return nil
	})
}
