package ui

import (
	"context"
	"fmt"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"provkeys/model"
	"provkeys/ui/components/confirm"
	"provkeys/ui/components/table"
)

// certsPage is the Certificates view: list the signing certificates, import one from a PEM
// file, delete one that no key uses.
type certsPage struct {
	listPage[model.Cert, certRow]
	values *certValues
}

// certsPageID tags objectChangedMsg results so only this page reports and reloads.
const certsPageID = "certs"

func newCertsPage(e *env) page {
	p := &certsPage{}
	p.listPage = newListPage(e, listSpec[model.Cert, certRow]{
		title: "Certificates", plural: "signing certificates", barNoun: func() string { return "certificates" },
		placeholder: "filter by name, subject or issuer…", reloading: "Reloading signing certificates…",
		load: Store.ListCerts,
		rows: func(cs []model.Cert) []certRow { return mapRows(cs, newCertRow) },
		id:   func(r *certRow) int64 { return r.c.ID },
		text: func(r *certRow) string { return r.name + "\n" + r.subject + "\n" + r.issuer },

		columns: func(int) []table.Column { return certColumns },
		cell:    certCell,
		style:   func(r *certRow, c int, now time.Time) (lipgloss.Style, bool) { return certStyle(r, c, now, &e.styles) },
		detail:  p.detailLines,
		empty:   p.empty,
		changes: &listChanges{pageID: certsPageID, object: "certificate", stale: []error{model.ErrNotFound, model.ErrInUse}},

		actions: p, forms: p,
	})
	p.km.Import.SetHelp("i", "import")
	p.sync()
	return p
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

func (p *certsPage) short(km *listKeyMap) []key.Binding {
	return []key.Binding{km.Filter, km.Expand, km.Import, km.Delete}
}

func (p *certsPage) full(km *listKeyMap) []key.Binding { return []key.Binding{km.Import, km.Delete} }

// closeForm answers esc on the import form.
func (p *certsPage) closeForm() tea.Cmd {
	p.form, p.values = nil, nil
	return statusf("Import cancelled; nothing was saved.")
}

func (p *certsPage) result(msg tea.Msg) (tea.Cmd, bool) {
	if msg, ok := msg.(certImportedMsg); ok {
		return p.imported(msg), true
	}
	return nil, false
}

// act runs the page's own actions, or says why a key that names one did nothing.
func (p *certsPage) act(msg tea.KeyPressMsg) tea.Cmd {
	km := &p.km
	switch {
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
	case (pressed(msg, km.Import) || pressed(msg, km.Add)) && !p.can(model.ActionImport),
		pressed(msg, km.Delete) && !p.can(model.ActionDelete):
		return p.readOnly()
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
	store, id, name := p.env.store, r.c.ID, r.name
	text := fmt.Sprintf("Delete certificate %s?", name)
	if r.c.KeyCount > 0 {
		text = fmt.Sprintf("Delete certificate %s (%d key(s) use it)?", name, r.c.KeyCount)
	}
	p.ask = confirm.New(text, func() tea.Cmd {
		return withStore(func(ctx context.Context) tea.Msg {
			return objectChangedMsg{page: certsPageID, verb: "deleted", name: name, err: store.DeleteCert(ctx, id)}
		})
	}, func() tea.Cmd { return statusf("Kept certificate %s.", name) })
	return nil
}

// enable turns on the actions that can happen now.
func (p *certsPage) enable(km *listKeyMap, table, has bool) {
	km.Import.SetEnabled(table && p.can(model.ActionImport))
	km.Delete.SetEnabled(table && has && p.can(model.ActionDelete))
}

func (p *certsPage) empty() string {
	if !p.can(model.ActionImport) {
		return "No signing certificates. An admin can import one (a CA certificate in a PEM file)."
	}
	return "No signing certificates. Press i to import a CA certificate from a PEM file; every key needs one."
}
