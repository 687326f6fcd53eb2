package keys

import (
	"context"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/components/table"
	"provkeys/ui/theme"
)

// The column chooser (":columns"): name, groups and status always show; the others are
// shown, hidden and ordered per operator and kept in the store (Store.KeyColumns). The
// names are those of `provkeys keys list --columns`.

// choosable are the columns the chooser offers, with their names, in the default order.
var choosable = []struct {
	id   int
	name string
}{
	{colFingerprint, "fingerprint"}, {colUsage, "usage"}, {colUpdated, "updated"},
	{colDescription, "description"}, {colCert, "cert"}, {colExpires, "expires"},
	{colCreated, "created"}, {colCreatedBy, "created-by"}, {colUpdatedBy, "updated-by"},
	{colMachines, "machines"},
}

// defaultChosen is what shows before an operator chooses: the reference layout.
var defaultChosen = []string{"fingerprint", "usage", "updated"}

// columnChoice is the table's columns: the fixed three, then the chosen ones in order.
type columnChoice struct {
	chosen []string       // names, in order
	shown  []int          // column ids as drawn
	table  []table.Column // their layout; chosen columns show as width allows, in order
}

func choose(names []string) columnChoice {
	c := columnChoice{shown: []int{colName, colGroups, colStatus}}
	for _, n := range names {
		for _, ch := range choosable {
			if ch.name == n && !slices.Contains(c.shown, ch.id) {
				c.chosen = append(c.chosen, n)
				c.shown = append(c.shown, ch.id)
			}
		}
	}
	for i, id := range c.shown {
		col := keyColumns[id]
		if i >= 3 {
			col.Opt = i - 2 // the first chosen joins first as the screen widens
		}
		c.table = append(c.table, col)
	}
	return c
}

func defaultColumns() columnChoice { return choose(defaultChosen) }

// index is column id's place in the table, or -1 when hidden.
func (c columnChoice) index(id int) int { return slices.Index(c.shown, id) }

// nextSortable is the next shown column after id that sorts, round to name.
func (c columnChoice) nextSortable(id int) int {
	at := c.index(id)
	for j := 1; j <= len(c.shown); j++ {
		next := c.shown[(at+j)%len(c.shown)]
		if _, ok := columnSort[next]; ok {
			return next
		}
	}
	return colName
}

// chosenCell is a cell of the columns only the chooser adds.
func (p *keysPage) chosenCell(i, c int, now time.Time) string {
	t := p.set.Table
	switch c {
	case colDescription:
		return ui.ClipText(t.Description(i), ui.ClipName)
	case colCert:
		return model.Sanitize(t.CertName(i))
	case colExpires:
		us, ok := t.ExpiresMicros(i)
		if !ok {
			return "never"
		}
		return ui.ExpiryText(time.UnixMicro(us).UTC(), now)
	case colCreated:
		return ui.Stamp(time.UnixMicro(t.CreatedMicros(i)).UTC(), now)
	case colCreatedBy:
		return ui.OrDash(model.Sanitize(t.CreatedBy(i)))
	case colUpdatedBy:
		return ui.OrDash(model.Sanitize(t.UpdatedBy(i)))
	case colMachines:
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
		return ui.Okf("Saved your columns: name, groups, status, %s.", strings.Join(p.cols.chosen, ", "))
	}
	return p.askMachineCounts()
}

// setColumns shows names; a sort on a column now hidden goes back to name.
func (p *keysPage) setColumns(names []string) {
	p.cols = choose(names)
	if p.cols.index(p.sortCol) < 0 {
		p.sortCol, p.sortDesc = colName, false
		p.rebuild()
	}
	p.fixTop()
}

// columnChooser is the open chooser: every choosable column, shown or not, in order.
type columnChooser struct {
	p      *keysPage
	names  []string
	on     map[string]bool
	cursor int
	km     chooserKeyMap
}

type chooserKeyMap struct {
	Up, Down, Toggle, MoveUp, MoveDown, Save, Cancel key.Binding
}

func defaultChooserKeyMap() chooserKeyMap {
	return chooserKeyMap{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Toggle:   key.NewBinding(key.WithKeys("space", "x"), key.WithHelp("space", "show/hide")),
		MoveUp:   key.NewBinding(key.WithKeys("K", "shift+up"), key.WithHelp("K", "move up")),
		MoveDown: key.NewBinding(key.WithKeys("J", "shift+down"), key.WithHelp("J", "move down")),
		Save:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "save")),
		Cancel:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}

// openColumns opens the chooser on the columns as they are.
func (p *keysPage) openColumns() tea.Cmd {
	c := &columnChooser{on: map[string]bool{}, km: defaultChooserKeyMap()}
	for _, n := range p.cols.chosen {
		c.names = append(c.names, n)
		c.on[n] = true
	}
	for _, ch := range choosable {
		if !c.on[ch.name] {
			c.names = append(c.names, ch.name)
		}
	}
	c.p = p
	p.push(c)
	return nil
}

// Update handles a key in the open chooser; enter saves for this operator.
func (c *columnChooser) Update(m tea.Msg) (bool, tea.Cmd) {
	msg, ok := m.(tea.KeyPressMsg)
	if !ok {
		return false, nil
	}
	p, km := c.p, &c.km
	switch {
	case key.Matches(msg, km.Cancel):
		return true, ui.Statusf("Columns left as they were.")
	case key.Matches(msg, km.Up):
		c.cursor = max(0, c.cursor-1)
	case key.Matches(msg, km.Down):
		c.cursor = min(len(c.names)-1, c.cursor+1)
	case key.Matches(msg, km.Toggle):
		n := c.names[c.cursor]
		c.on[n] = !c.on[n]
	case key.Matches(msg, km.MoveUp):
		if c.cursor > 0 {
			c.names[c.cursor], c.names[c.cursor-1] = c.names[c.cursor-1], c.names[c.cursor]
			c.cursor--
		}
	case key.Matches(msg, km.MoveDown):
		if c.cursor < len(c.names)-1 {
			c.names[c.cursor], c.names[c.cursor+1] = c.names[c.cursor+1], c.names[c.cursor]
			c.cursor++
		}
	case key.Matches(msg, km.Save):
		var names []string
		for _, n := range c.names {
			if c.on[n] {
				names = append(names, n)
			}
		}
		p.setColumns(names)
		st := p.env.Store
		return true, tea.Batch(p.askMachineCounts(), ui.WithStore(func(ctx context.Context) tea.Msg {
			return columnsMsg{names: names, saved: true, err: st.SaveKeyColumns(ctx, names)}
		}))
	}
	return false, nil
}

func (c *columnChooser) Help() []key.Binding {
	km := c.km
	return []key.Binding{km.Toggle, km.MoveUp, km.MoveDown, km.Save, km.Cancel}
}

// View lists the columns with a box each, shown ones ticked, in the order they will show.
func (c *columnChooser) View(width, height int) string {
	sty := &c.p.env.Styles
	lines := []string{sty.Header.Render("COLUMNS") + sty.Faint.Render("  name, machine group(s) and status always show")}
	for i, n := range c.names {
		box := "[ ]"
		if c.on[n] {
			box = "[x]"
		}
		marker := "  "
		if i == c.cursor {
			marker = "› "
		}
		line := marker + box + " " + n
		if i == c.cursor {
			line = sty.Selected.Render(theme.Pad(line, width))
		}
		lines = append(lines, theme.FitLine(line, width))
		if len(lines) >= height {
			break
		}
	}
	return strings.Join(lines, "\n")
}
