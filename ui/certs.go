package ui

import (
	"context"
	"errors"
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"provkeys/model"
)

// certsPage is the Certificates view: list the signing certificates, import one from a PEM
// file, delete one that no key uses.
type certsPage struct {
	env  *env
	km   listKeyMap
	list listPane[certRow]
	ask  *question // the delete confirmation

	form   *objForm // the import form
	values *certValues
}

// certRow is a loaded certificate with its display strings sanitized and clipped once.
type certRow struct {
	c                                model.Cert
	name, subject, issuer, createdBy string
}

func newCertRow(c model.Cert) certRow {
	return certRow{c: c, name: clipText(c.Name, clipName), subject: clipText(c.Subject, clipNote),
		issuer: clipText(c.Issuer, clipNote), createdBy: clipText(c.CreatedBy, clipName)}
}

// certsPageID tags objectChangedMsg results so only this page reports and reloads.
const certsPageID = "certs"

func newCertsPage(e *env) page {
	p := &certsPage{env: e, km: defaultListKeyMap()}
	p.list = newListPane(func(r *certRow) int64 { return r.c.ID },
		func(r *certRow) string { return r.name + "\n" + r.subject + "\n" + r.issuer },
		"filter by name, subject or issuer…")
	p.km.Import.SetHelp("i", "import")
	p.sync()
	return p
}

// Title is the tab caption.
func (p *certsPage) Title() string { return "Certificates" }

// Init loads the certificates.
func (p *certsPage) Init() tea.Cmd { return p.reload() }

func (p *certsPage) reload() tea.Cmd {
	p.list.seq++
	seq, st := p.list.seq, p.env.store
	return withStore(func(ctx context.Context) tea.Msg {
		cs, err := st.ListCerts(ctx)
		return certsLoadedMsg{seq: seq, certs: cs, err: err}
	})
}

// Capturing is true while the filter bar, the form or the confirmation takes the keys.
func (p *certsPage) Capturing() bool { return p.ask != nil || p.form != nil || p.list.typing }

// Update handles one message, then re-derives the live bindings and the scroll position.
func (p *certsPage) Update(msg tea.Msg) tea.Cmd {
	msg, ok := cleanInput(msg)
	if !ok {
		return nil
	}
	cmd := p.update(msg)
	p.sync()
	p.list.fixTop(p.tableView())
	return cmd
}

func (p *certsPage) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case pageSizeMsg:
		p.list.width, p.list.height = msg.width, msg.height
		if p.form != nil {
			p.form.resizeTo(msg.width, msg.height)
		}
		return nil
	case certsLoadedMsg:
		if msg.seq != p.list.seq {
			return nil
		}
		if msg.err != nil {
			p.list.loadErr = msg.err
			return failed("load signing certificates", msg.err)
		}
		rows := make([]certRow, len(msg.certs))
		for i, c := range msg.certs {
			rows[i] = newCertRow(c)
		}
		p.list.setItems(rows)
		return nil
	case dataChangedMsg:
		return p.reload()
	case objectChangedMsg:
		if msg.page != certsPageID {
			return nil
		}
		if cmd, ok := inUseRefusal("certificate "+msg.name, msg.err); ok {
			return tea.Batch(cmd, p.reload())
		}
		if msg.err != nil {
			return tea.Batch(failed(changeVerb(msg.verb)+" certificate "+msg.name, msg.err), p.reloadOnStale(msg.err))
		}
		return tea.Batch(okf("%s certificate %s.", capitalize(msg.verb), msg.name), p.reload())
	case certImportedMsg:
		return p.imported(msg)
	case tea.KeyPressMsg:
		return p.handleKey(msg)
	}
	switch {
	case p.form != nil:
		return p.updateForm(msg)
	case p.list.typing:
		return p.list.updateFilter(msg)
	}
	return nil
}

func (p *certsPage) reloadOnStale(err error) tea.Cmd {
	if errors.Is(err, model.ErrNotFound) || errors.Is(err, model.ErrInUse) {
		return p.reload()
	}
	return nil
}

func (p *certsPage) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case p.ask != nil:
		q := p.ask
		done, cmd := q.update(msg, defaultKeysKeyMap())
		if done && p.ask == q {
			p.ask = nil
		}
		return cmd
	case p.form != nil && p.form.saving:
		return nil // wait for the file and the store
	case p.form != nil:
		if msg.String() == "esc" {
			p.form, p.values = nil, nil
			return statusf("Import cancelled; nothing was saved.")
		}
		return p.updateForm(msg)
	case p.list.typing:
		return p.list.filterKey(msg, &p.km)
	}
	if cmd, ok := p.list.tableKey(msg, &p.km); ok {
		return cmd
	}
	km := &p.km
	switch {
	case key.Matches(msg, km.Reload):
		return tea.Batch(p.reload(), statusf("Reloading signing certificates…"))
	case key.Matches(msg, km.Import):
		p.form, p.values = newCertForm(p.env, p.list.width, p.list.height)
		return p.form.form.Init()
	case key.Matches(msg, km.Delete):
		return p.askDelete()
	}
	return p.refusal(msg)
}

// refusal explains why a key that names an action did nothing.
func (p *certsPage) refusal(msg tea.KeyPressMsg) tea.Cmd {
	km := defaultListKeyMap()
	switch {
	case (pressed(msg, km.Import) || pressed(msg, km.Add)) && !p.env.can(model.ActionImport),
		pressed(msg, km.Delete) && !p.env.can(model.ActionDelete):
		return readOnly(p.env, "signing certificates")
	case pressed(msg, km.Delete):
		return setStatus(statusErr, "No certificate selected.")
	case pressed(msg, km.Add):
		return statusf("Certificates are imported: press i and give a PEM file.")
	}
	return nil
}

// askDelete asks before deleting the certificate under the cursor.
func (p *certsPage) askDelete() tea.Cmd {
	r, ok := p.list.current()
	if !ok {
		return nil
	}
	st, id, name := p.env.store, r.c.ID, r.name
	text := fmt.Sprintf("Delete certificate %s?", name)
	if r.c.KeyCount > 0 {
		text = fmt.Sprintf("Delete certificate %s (%d key(s) use it)?", name, r.c.KeyCount)
	}
	p.ask = newConfirm(text, func() tea.Cmd {
		return withStore(func(ctx context.Context) tea.Msg {
			return objectChangedMsg{page: certsPageID, verb: "deleted", name: name, err: st.DeleteCert(ctx, id)}
		})
	}, func() tea.Cmd { return statusf("Kept certificate %s.", name) })
	return nil
}

// sync enables exactly the bindings whose action can happen now.
func (p *certsPage) sync() {
	km := &p.km
	_, has := p.list.current()
	table := p.ask == nil && p.form == nil && !p.list.typing
	km.syncList(table, has, p.list.expandAll)
	km.Import.SetEnabled(table && p.env.can(model.ActionImport))
	km.Delete.SetEnabled(table && has && p.env.can(model.ActionDelete))
	km.Add.SetEnabled(false)
	km.Edit.SetEnabled(false)
	km.Toggle.SetEnabled(false)
}

// ShortHelp is the footer's one line for what has focus.
func (p *certsPage) ShortHelp() []key.Binding {
	km := &p.km
	switch {
	case p.ask != nil:
		return p.ask.help(defaultKeysKeyMap())
	case p.form != nil:
		return km.formHelp()
	case p.list.typing:
		return km.filterHelp()
	}
	return []key.Binding{km.Filter, km.Expand, km.Import, km.Delete}
}

// FullHelp is every live binding, by column.
func (p *certsPage) FullHelp() [][]key.Binding {
	if p.Capturing() {
		return [][]key.Binding{p.ShortHelp()}
	}
	km := &p.km
	return append(km.tableHelp(), []key.Binding{km.Import, km.Delete})
}
