package keys

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/components/confirm"
	"provkeys/ui/keyfile"
	"provkeys/ui/pages/keys/downloads"
	"provkeys/ui/pages/keys/keyform"
	"provkeys/ui/pages/keys/savedfilters"
)

// askDelete asks before deleting the key under the cursor. It first counts the key's active
// machines, since deleting the key revokes them: the question says how many.
func (p *keysPage) askDelete() tea.Cmd {
	r, ok := p.current()
	if !ok {
		return nil
	}
	st, id, version, name := p.env.Store, r.k.ID, r.k.Version, r.name
	return ui.WithStore(func(ctx context.Context) tea.Msg {
		n, err := st.ActiveMachineCount(ctx, id)
		return deleteAskMsg{id: id, version: version, name: name, machines: n, err: err}
	})
}

// deleteAskMsg is a key about to be deleted, with how many active machines it would revoke.
type deleteAskMsg struct {
	id, version int64
	name        string
	machines    int
	err         error
}

// confirmDelete opens the question once the machines are counted.
func (p *keysPage) confirmDelete(msg deleteAskMsg) tea.Cmd {
	if msg.err != nil {
		return ui.Failed("count the machines of key "+msg.name, msg.err)
	}
	st, id, version, name := p.env.Store, msg.id, msg.version, msg.name
	question := fmt.Sprintf("Delete key %s?", name)
	if msg.machines > 0 {
		question = fmt.Sprintf("Delete key %s and revoke the %d active machine(s) enrolled with it?", name, msg.machines)
	}
	p.ask(confirm.New(question, func() tea.Cmd {
		return ui.WithStore(func(ctx context.Context) tea.Msg {
			return keyChangedMsg{verb: "deleted", name: name, err: st.DeleteKey(ctx, id, version)}
		})
	}, func() tea.Cmd { return ui.Statusf("Kept key %s.", name) }))
	return nil
}

// toggle enables a disabled key or disables an enabled one.
func (p *keysPage) toggle() tea.Cmd {
	r, ok := p.current()
	if !ok {
		return nil
	}
	st, id, version, name, enable := p.env.Store, r.k.ID, r.k.Version, r.name, !r.k.Enabled
	verb := "disabled"
	if enable {
		verb = "enabled"
	}
	return ui.WithStore(func(ctx context.Context) tea.Msg {
		_, err := st.SetKeyEnabled(ctx, id, version, enable)
		return keyChangedMsg{verb: verb, name: name, err: err}
	})
}

// copyKey fetches the key material (audited as an export) for the clipboard.
func (p *keysPage) copyKey() tea.Cmd {
	r, ok := p.current()
	if !ok {
		return nil
	}
	return fetchSecret(p.env.Store, forCopy, r.k.ID, r.name)
}

// reveal shows the key in its expanded row, or hides it again.
func (p *keysPage) reveal() tea.Cmd {
	r, ok := p.current()
	if !ok {
		return nil
	}
	if p.revealID == r.k.ID {
		p.hideReveal()
		return ui.Statusf("Hid key %s.", r.name)
	}
	return fetchSecret(p.env.Store, forReveal, r.k.ID, r.name)
}

func (p *keysPage) hideReveal() {
	p.revealID, p.revealSecret = 0, ""
	p.revealToken++
}

// askDownload asks where to write the key under the cursor.
func (p *keysPage) askDownload() tea.Cmd {
	r, ok := p.current()
	if !ok {
		return nil
	}
	return p.askPath(r.k.ID, r.name, "")
}

// askPath prompts for a download path; held is the material when the page already has it
// (a key just created), else the command exports it from the store.
func (p *keysPage) askPath(id int64, name, held string) tea.Cmd {
	st, d := p.env.Store, download{id: id, name: name, held: held}
	home, _ := os.UserHomeDir()
	at := downloads.Tilde(filepath.Join(downloads.Dir(), keyfile.SafeName(name)+".txt"), home)
	q, cmd := confirm.NewPrompt("Save key "+name+" to:", at, func(path string) tea.Cmd {
		return downloadCmd(st, d, path, false)
	}, func() tea.Cmd { return ui.Statusf("Download cancelled.") })
	p.ask(q)
	return cmd
}

// handleResult applies the result of a command; ok is false for messages it doesn't know.
func (p *keysPage) handleResult(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case deleteAskMsg:
		return p.confirmDelete(msg), true
	case keyChangedMsg:
		if msg.err != nil {
			return tea.Batch(ui.Failed(ui.ChangeVerb(msg.verb)+" key "+msg.name, msg.err), p.reloadOnStale(msg.err)), true
		}
		return tea.Batch(ui.Okf("%s key %s.", ui.Capitalize(msg.verb), msg.name), ui.StoreChanged), true
	case formDataMsg:
		return p.openForm(msg), true
	case keyCreatedMsg:
		return p.keyCreated(msg), true
	case keyUpdatedMsg:
		return p.updated(msg), true
	case keyConflictMsg:
		return p.openConflict(msg), true
	case keyOverwrittenMsg:
		return p.overwritten(msg), true
	case secretMsg:
		return p.gotSecret(msg), true
	case nativeCopiedMsg:
		return nativeCopyStatus(msg), true
	case revealTimeoutMsg:
		if msg.token == p.revealToken && p.revealID != 0 {
			p.hideReveal()
			p.fixTop()
		}
		return nil, true
	case fileWrittenMsg:
		return p.written(msg), true
	case savedfilters.LoadedMsg, savedfilters.ChangedMsg:
		return p.savedResult(msg), true
	}
	return nil, false
}

// reloadOnStale reloads when an error means the table no longer matches the store.
func (p *keysPage) reloadOnStale(err error) tea.Cmd {
	if errors.Is(err, model.ErrConflict) || errors.Is(err, model.ErrNotFound) {
		return p.reload()
	}
	return nil
}

func (p *keysPage) gotSecret(msg secretMsg) tea.Cmd {
	if msg.err != nil {
		doing := "copy key " + msg.name
		if msg.purpose == forReveal {
			doing = "reveal key " + msg.name
		}
		return ui.Failed(doing, msg.err)
	}
	if msg.purpose == forCopy {
		return copyCmds(msg.secret, msg.name, p.env.Opts.NativeClipboard)
	}
	p.revealID, p.revealSecret = msg.id, msg.secret
	p.revealToken++
	p.expanded[msg.id] = true
	p.fixTop()
	token, after := p.revealToken, p.env.Opts.RevealTimeout
	return tea.Batch(
		ui.Statusf("Showing key %s; it hides after %s or when you move.", msg.name, after),
		p.env.After(after, revealTimeoutMsg{token: token}))
}

// written reports a download, or asks whether to replace an existing file.
func (p *keysPage) written(msg fileWrittenMsg) tea.Cmd {
	switch {
	case msg.exists:
		d, st := msg.download, p.env.Store
		path := msg.path
		p.ask(confirm.New(fmt.Sprintf("%s exists. Replace it?", model.Sanitize(path)), func() tea.Cmd {
			return downloadCmd(st, d, path, true)
		}, func() tea.Cmd { return ui.Statusf("Left %s as it was.", model.Sanitize(path)) }))
		return nil
	case msg.err != nil:
		return ui.Failed("write key "+msg.name+" to a file", msg.err)
	}
	if c, ok := find[*keyform.Created](p); ok && msg.download.held != "" && c.Key().ID == msg.download.id {
		c.MarkKept()
	}
	return ui.Okf("Wrote key %s to %s (mode 0600).", msg.name, model.Sanitize(msg.path))
}
