package keys

import (
	"context"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/components/confirm"
)

// namedFilterMsg is a saved filter looked up by name for ":filter NAME".
type namedFilterMsg struct {
	name   string
	filter model.SavedFilter
	found  bool
	err    error
}

func loadNamedFilter(st ui.Store, name string) tea.Cmd {
	return ui.WithStore(func(ctx context.Context) tea.Msg {
		fs, err := st.ListFilters(ctx)
		msg := namedFilterMsg{name: name, err: err}
		for _, f := range fs {
			if strings.EqualFold(f.Name, name) {
				msg.filter, msg.found = f, true
			}
		}
		return msg
	})
}

func (p *keysPage) namedFilter(msg namedFilterMsg) tea.Cmd {
	switch {
	case msg.err != nil:
		return ui.Failed("load saved filters", msg.err)
	case !msg.found:
		return ui.SetStatus(ui.StatusErr, fmt.Sprintf("No saved filter is called %q; F lists them.", model.Sanitize(msg.name)))
	}
	p.setFilter(msg.filter.Expr)
	return ui.Statusf("Applied filter %s.", model.Sanitize(msg.filter.Name))
}

// rotatedMsg is the result of giving a key a new secret.
type rotatedMsg struct {
	key    model.Key
	secret string
	name   string
	err    error
}

// askRotate asks before giving the cursor's key a new secret; the old one stops working.
func (p *keysPage) askRotate() tea.Cmd {
	r, ok := p.current()
	if !ok {
		return nil
	}
	st, id, version, name := p.env.Store, r.k.ID, r.k.Version, r.name
	p.ask(confirm.New(fmt.Sprintf("Rotate key %s? The old secret stops working; machines keep their certificates.", name), func() tea.Cmd {
		return ui.WithStore(func(ctx context.Context) tea.Msg {
			k, secret, err := st.RotateKey(ctx, id, version)
			return rotatedMsg{key: k, secret: secret, name: name, err: err}
		})
	}, func() tea.Cmd { return ui.Statusf("Kept key %s as it was.", name) }))
	return nil
}

// rotated shows the new secret once, like a new key's.
func (p *keysPage) rotated(msg rotatedMsg) tea.Cmd {
	if msg.err != nil {
		return tea.Batch(ui.Failed("rotate key "+msg.name, msg.err), p.reloadOnStale(msg.err))
	}
	c := p.showCreated(msg.key, msg.secret)
	return tea.Batch(ui.Okf("Rotated key %s: the new secret is shown once.", c.Name()), ui.StoreChanged)
}
