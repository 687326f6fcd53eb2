package keys

// The operator's columns: loaded once after the first keys, saved from the chooser
// (package columns), and the cells of the columns only the chooser adds.

import (
	"context"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/pages/keys/columns"
)

// chosenCell is a cell of the columns only the chooser adds.
func (p *keysPage) chosenCell(i, c int, now time.Time) string {
	t := p.set.Table
	switch c {
	case columns.Description:
		return ui.ClipText(t.Description(i), ui.ClipName)
	case columns.Cert:
		return model.Sanitize(t.CertName(i))
	case columns.Expires:
		us, ok := t.ExpiresMicros(i)
		if !ok {
			return "never"
		}
		return ui.ExpiryText(time.UnixMicro(us).UTC(), now)
	case columns.Created:
		return ui.Stamp(time.UnixMicro(t.CreatedMicros(i)).UTC(), now)
	case columns.CreatedBy:
		return ui.OrDash(model.Sanitize(t.CreatedBy(i)))
	case columns.UpdatedBy:
		return ui.OrDash(model.Sanitize(t.UpdatedBy(i)))
	case columns.Machines:
		return p.machinesCell(t.ID(i))
	}
	return ""
}

// columnsMsg is the operator's saved columns (or the result of saving them).
type columnsMsg struct {
	names []string
	saved bool
	err   error
}

// askColumns loads the operator's columns once, after the first keys arrive (so the first
// screen is never kept waiting for them).
func (p *keysPage) askColumns() tea.Cmd {
	if p.colsAsked {
		return nil
	}
	p.colsAsked = true
	return loadColumns(p.env.Store)
}

func loadColumns(st ui.Store) tea.Cmd {
	return ui.WithStore(func(ctx context.Context) tea.Msg {
		names, err := st.KeyColumns(ctx)
		return columnsMsg{names: names, err: err}
	})
}

func (p *keysPage) columnsLoaded(msg columnsMsg) tea.Cmd {
	if msg.err != nil {
		doing := "load your columns"
		if msg.saved {
			doing = "save your columns"
		}
		return ui.Failed(doing, msg.err)
	}
	if msg.names != nil {
		p.setColumns(msg.names)
	}
	if msg.saved {
		return ui.Okf("Saved your columns: name, groups, status, %s.", strings.Join(p.cols.Chosen(), ", "))
	}
	return p.askMachineCounts()
}

// setColumns shows names; a sort on a column now hidden goes back to name.
func (p *keysPage) setColumns(names []string) {
	p.cols = columns.Choose(names)
	if p.cols.Index(p.sortCol) < 0 {
		p.sortCol, p.sortDesc = columns.Name, false
		p.rebuild()
	}
	p.fixTop()
}

// openColumns opens the chooser on the columns as they are.
func (p *keysPage) openColumns() tea.Cmd {
	p.push(columns.NewChooser(p.cols, &p.env.Styles, p.saveColumns))
	return nil
}

// saveColumns shows the chooser's names at once and keeps them for this operator.
func (p *keysPage) saveColumns(names []string) tea.Cmd {
	p.setColumns(names)
	st := p.env.Store
	return tea.Batch(p.askMachineCounts(), ui.WithStore(func(ctx context.Context) tea.Msg {
		return columnsMsg{names: names, saved: true, err: st.SaveKeyColumns(ctx, names)}
	}))
}
