// Package certs is the dashboard's Certificates page, a listpage.Spec with an import form.
package certs

import (
	"context"
	"fmt"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/components/confirm"
	"provkeys/ui/components/listpage"
	"provkeys/ui/components/table"
	"provkeys/ui/theme"
)

// certsPage is the Certificates view: list the signing certificates, import one from a PEM
// file, delete one that no key uses.
type certsPage struct {
	listpage.Page[signingCert, certRow]
	values *certValues
}

// certsPageID tags objectChangedMsg results so only this page reports and reloads.
const certsPageID = "certs"

func New(e *ui.Env) ui.Page {
	p := &certsPage{}
	p.Page = listpage.New(e, listpage.Spec[signingCert, certRow]{
		Title: "Certificates", Plural: "signing certificates", BarNoun: func() string { return "certificates" },
		Placeholder: "filter by name, subject or issuer…", Reloading: "Reloading signing certificates…",
		Load: loadCerts,
		Rows: func(cs []signingCert) []certRow { return listpage.MapRows(cs, newCertRow) },
		ID:   func(r *certRow) int64 { return r.c.ID },
		Text: func(r *certRow) string { return r.name + "\n" + r.subject + "\n" + r.issuer + "\n" + r.signs },

		Columns: func(int) []table.Column { return certColumns },
		Cell:    certCell,
		Style:   func(r *certRow, c int, now time.Time) (lipgloss.Style, bool) { return certStyle(r, c, now, &e.Styles) },
		Detail:  p.detailLines,
		Empty:   p.empty,
		Changes: &listpage.Changes{PageID: certsPageID, Object: "certificate", Stale: []error{model.ErrNotFound, model.ErrInUse}},

		Actions: p, Forms: p, Own: p.actions,
	})
	p.Km.Import.SetHelp("i", "import")
	p.Sync()
	return p
}

// signingCert is a certificate and whether the store holds its private key.
type signingCert struct {
	model.Cert
	canSign bool
}

// loadCerts lists the certificates with whether each can sign: one imported without its
// private key verifies only, and its keys refuse enrollment.
func loadCerts(s ui.Store, ctx context.Context) ([]signingCert, error) {
	cs, err := s.ListCerts(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]signingCert, len(cs))
	for i, c := range cs {
		out[i] = signingCert{Cert: c, canSign: c.CanSign}
	}
	return out, nil
}

// certRow is a loaded certificate with its display strings sanitized and clipped once.
type certRow struct {
	c                                model.Cert
	canSign                          bool
	name, subject, issuer, createdBy string
	signs                            string // "signs" or "verify only", for the filter
}

func newCertRow(sc signingCert) certRow {
	c := sc.Cert
	signs := "signs"
	if !sc.canSign {
		signs = "verify only"
	}
	return certRow{c: c, canSign: sc.canSign, name: ui.ClipText(c.Name, ui.ClipName), subject: ui.ClipText(c.Subject, ui.ClipNote),
		issuer: ui.ClipText(c.Issuer, ui.ClipNote), createdBy: ui.ClipText(c.CreatedBy, ui.ClipName), signs: signs}
}

func (p *certsPage) Short(km *listpage.KeyMap) []key.Binding {
	return []key.Binding{km.Filter, km.Expand, km.Uses, km.Import, km.Delete}
}

func (p *certsPage) Full(km *listpage.KeyMap) []key.Binding {
	return []key.Binding{km.Uses, km.Import, km.Delete}
}

// closeForm answers esc on the import form.
func (p *certsPage) CloseForm() tea.Cmd {
	p.Form, p.values = nil, nil
	return ui.Statusf("Import cancelled; nothing was saved.")
}

func (p *certsPage) Result(msg tea.Msg) (tea.Cmd, bool) {
	if msg, ok := msg.(certImportedMsg); ok {
		return p.imported(msg), true
	}
	return nil, false
}

// actions are the page's own: import and delete.
func (p *certsPage) actions() []listpage.Action {
	km := &p.Km
	return []listpage.Action{
		{Key: &km.Import, Needs: model.ActionImport, Run: func() tea.Cmd {
			p.Form, p.values = newCertForm(p.Env, p.List.Width, p.List.Height)
			return p.Form.Form.Init()
		}},
		{Key: &km.Delete, Needs: model.ActionDelete, Row: true, Run: p.askDelete},
		{Key: &km.Uses, Needs: model.ActionRead, Row: true, Run: p.showKeys},
	}
}

// Act runs the page's own actions, or says why a key that names one did nothing; add says
// how certificates come in.
func (p *certsPage) Act(msg tea.KeyPressMsg) tea.Cmd {
	if cmd, ok := p.ActOn(msg, p.actions(), "No certificate selected."); ok {
		return cmd
	}
	switch {
	case !ui.Pressed(msg, p.Km.Add):
		return nil
	case !p.Can(model.ActionImport):
		return p.ReadOnly()
	}
	return ui.Statusf("Certificates are imported: press i and give a PEM file.")
}

// askDelete asks before deleting the certificate under the cursor.
func (p *certsPage) askDelete() tea.Cmd {
	r, ok := p.List.Current()
	if !ok {
		return nil
	}
	store, id, name := p.Env.Store, r.c.ID, r.name
	if r.c.KeyCount > 0 {
		return p.RowStatus(ui.StatusErr, ui.InUseBeforeText("certificate "+name, r.c.KeyCount))
	}
	p.Ask = confirm.New(fmt.Sprintf("Delete certificate %s?", name), func() tea.Cmd {
		return ui.WithStore(func(ctx context.Context) tea.Msg {
			return listpage.ChangedMsg{Page: certsPageID, Verb: "deleted", Name: name, Err: store.DeleteCert(ctx, id)}
		})
	}, func() tea.Cmd { return p.RowStatus(ui.StatusInfo, "Kept certificate "+name+".") })
	return nil
}

func (p *certsPage) empty() string {
	if !p.Can(model.ActionImport) {
		return "No signing certificates. An admin can import one (a CA certificate in a PEM file)."
	}
	return "No signing certificates. Press i to import a CA certificate from a PEM file; every key needs one."
}

// showKeys opens the Keys view on the keys the certificate under the cursor signs for (K).
func (p *certsPage) showKeys() tea.Cmd {
	r, ok := p.List.Current()
	switch {
	case !ok:
		return nil
	case r.c.KeyCount == 0:
		return ui.Statusf("No keys sign with certificate %s.", r.name)
	}
	return ui.OpenKeysWith("cert", r.c.Name)
}

// Columns of the Certificates table.
const (
	ccolName = iota
	ccolSubject
	ccolExpires
	ccolKeys
)

var certColumns = []table.Column{
	ccolName:    {Title: "NAME", Min: 14, Grow: 1},
	ccolSubject: {Title: "SUBJECT", Min: 16, Grow: 2},
	ccolExpires: {Title: "EXPIRES", Min: 20},
	ccolKeys:    {Title: "KEYS", Min: 5, Opt: 1},
}

// certSoon is how close an expiry must be to be flagged.
const certSoon = 30 * 24 * time.Hour

// certCell is one cell of the table.
func certCell(r *certRow, c int, now time.Time) string {
	switch c {
	case ccolName:
		return r.name
	case ccolSubject:
		return ui.OrDash(r.subject)
	case ccolExpires:
		return certExpiry(r.c.NotAfter, now)
	case ccolKeys:
		return fmt.Sprint(r.c.KeyCount)
	}
	return ""
}

// certStyle flags an expiry that is past or close.
func certStyle(r *certRow, c int, now time.Time, sty *theme.Styles) (lipgloss.Style, bool) {
	if c != ccolExpires {
		return lipgloss.Style{}, false
	}
	switch t := r.c.NotAfter; {
	case !now.Before(t):
		return sty.Error, true
	case t.Sub(now) < certSoon:
		return sty.Warn, true
	}
	return lipgloss.Style{}, false
}

// certExpiry is the Expires cell: the date, with a word when it is past or close.
func certExpiry(t, now time.Time) string {
	if t.IsZero() {
		return "—"
	}
	date := t.In(now.Location()).Format("2006-01-02")
	switch {
	case !now.Before(t):
		return date + " ✕ expired"
	case t.Sub(now) < certSoon:
		return date + " ⚠ in " + ui.Span(t.Sub(now))
	}
	return date
}

// detailLines draws an expanded certificate.
func (p *certsPage) detailLines(r *certRow, width int) []string {
	now, c := p.Env.Now(), &r.c
	issuer := ui.OrDash(r.issuer)
	if c.Issuer != "" && c.Issuer == c.Subject {
		issuer += "  (self-signed: a root CA)"
	}
	uses := "no keys use it (it can be deleted)"
	if c.KeyCount > 0 {
		uses = fmt.Sprintf("%d key(s) sign with it · K lists them", c.KeyCount)
	}
	signing := "signs machine certificates (its private key is in the store, sealed)"
	if !r.canSign {
		signing = "verify only: imported without its private key, so keys signed by it cannot enroll machines"
	}
	created := ui.Stamp(c.CreatedAt, now)
	if c.CreatedBy != "" {
		created += " by " + r.createdBy
	}
	return listpage.DetailLines([]listpage.Detail{
		{Label: "Subject", Value: ui.OrDash(r.subject), Wrap: true},
		{Label: "Issuer", Value: issuer, Wrap: true},
		{Label: "Signing", Value: signing, Wrap: true},
		{Label: "Not after", Value: ui.ExpiryText(c.NotAfter, now), Half: true},
		{Label: "Keys", Value: uses, Half: true},
		{Label: "Created", Value: created, Half: true},
		{Label: "ID", Value: fmt.Sprint(c.ID), Half: true},
	}, width, &p.Env.Styles)
}
