package keys

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"

	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/keyset"
)

// headKeys is how many keys the first screen loads: more rows than any terminal shows.
const headKeys = 200

// loadKeysHead loads the first screenful of keys.
func loadKeysHead(st ui.Store, seq int) tea.Cmd {
	return ui.WithStore(func(ctx context.Context) tea.Msg {
		keys, total, err := st.ListKeysHead(ctx, headKeys)
		return keysHeadMsg{seq: seq, keys: keys, total: total, err: err}
	})
}

// releaseAfter is the number of keys from which a load returns its scratch memory at once.
const releaseAfter = 20_000

// listTimeout bounds loading every key: a million take seconds, far beyond storeTimeout.
const listTimeout = 2 * time.Minute

// loadKeys lists every key and builds their keySet, in the command: through the shared
// cache when the dashboard has one (over SSH), else directly.
func loadKeys(st ui.Store, cache *keyset.Cache, seq int) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), listTimeout)
		defer cancel()
		var set *keyset.Set
		var err error
		if cache != nil {
			set, err = cache.Load(ctx, st)
		} else {
			set, err = keyset.List(ctx, st)
		}
		if set.Len() >= releaseAfter {
			// Listing many keys leaves its scratch (the driver's strings, a third of a
			// gigabyte for a million keys) to the garbage collector, which would keep the
			// memory mapped until the heap next grows that far. Hand it back: the
			// dashboard's resident size is then about what it holds. It is a full
			// collection (60-100 ms at a million keys), so it runs beside the first frame
			// of the loaded table instead of before it: the keys are ready without it.
			go debug.FreeOSMemory()
		}
		return keysLoadedMsg{seq: seq, set: set, err: err}
	}
}

// loadFormData fetches what the add or edit form offers; for an edit it also re-reads the
// key, so the form starts from the version the store has now.
func loadFormData(st ui.Store, edit bool, id int64) tea.Cmd {
	return ui.WithStore(func(ctx context.Context) tea.Msg {
		msg := formDataMsg{edit: edit}
		if edit {
			if msg.key, msg.err = st.Key(ctx, id); msg.err != nil {
				return msg
			}
		}
		if msg.certs, msg.err = st.ListCerts(ctx); msg.err != nil {
			return msg
		}
		msg.groups, msg.err = st.ListGroups(ctx)
		return msg
	})
}

// fetchSecret releases one key's material for the clipboard or the screen, audited as a
// copy or a reveal.
func fetchSecret(st ui.Store, purpose exportPurpose, id int64, name string) tea.Cmd {
	return ui.WithStore(func(ctx context.Context) tea.Msg {
		action := model.ActionCopy
		if purpose == forReveal {
			action = model.ActionReveal
		}
		s, err := st.ReleaseKey(ctx, id, action)
		return secretMsg{purpose: purpose, id: id, name: name, secret: s, err: err}
	})
}

// auditUse records a copy or download of material the page already holds (the key shown
// once after creation): the store releases nothing, but the trail must show it left. A
// failure to record it is said in the status line.
func auditUse(st ui.Store, id int64, purpose model.Action, failure error) tea.Cmd {
	return ui.WithStore(func(ctx context.Context) tea.Msg {
		if err := st.AuditKeyUse(ctx, id, purpose, failure); err != nil {
			return ui.StatusMsg{Kind: ui.StatusErr, Text: fmt.Sprintf("The %s was not recorded in the audit trail: %s", purpose, ui.Sentence(err, "the key"))}
		}
		return nil
	})
}

// copyCmds sends secret to the operator's terminal clipboard with OSC 52 and, when there is
// one, to the local system clipboard. The native write runs in a command because X11 may be
// slow to answer.
func copyCmds(secret, name string, native func(string) error) tea.Cmd {
	osc := tea.SetClipboard(secret)
	if native == nil {
		return tea.Batch(osc, ui.Okf("Copied %s — sent to your terminal's clipboard.", name))
	}
	return tea.Batch(osc, func() tea.Msg {
		return nativeCopiedMsg{name: name, err: native(secret)}
	})
}

// nativeCopyStatus words the status after a copy that also wrote the system clipboard.
func nativeCopyStatus(msg nativeCopiedMsg) tea.Cmd {
	if msg.err != nil {
		return ui.SetStatus(ui.StatusErr, fmt.Sprintf(
			"Copied %s — sent to your terminal's clipboard; the system clipboard failed: %s.",
			msg.name, model.Sanitize(msg.err.Error())))
	}
	return ui.Okf("Copied %s — sent to your terminal's clipboard (and the system clipboard).", msg.name)
}
