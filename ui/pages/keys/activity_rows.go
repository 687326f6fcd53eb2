package keys

import (
	tea "charm.land/bubbletea/v2"
)

// An expanded key shows who used it (package activity): the page asks for the rows on screen.

// wantActivity loads the activity of the expanded rows on screen that have none for the
// current data generation. It looks at no more rows than fit on the screen.
func (p *keysPage) wantActivity() tea.Cmd {
	if len(p.view) == 0 || p.width <= 0 || p.hasBody() {
		return nil
	}
	var cmds []tea.Cmd
	lines, height := 1, p.tableHeight() // the header is a line
	for i := max(p.top, 0); i < len(p.view) && lines < height; i++ {
		lines++
		pos := int(p.view[i])
		id := p.set.Table.ID(pos)
		if !p.isExpanded(id) {
			continue
		}
		lines += p.detailCount(p.rowAt(i), p.width)
		if p.set.Table.LastMachine(pos) == "" {
			continue // no machine ever enrolled with it: nothing to load
		}
		if p.activity.Current(id) {
			continue
		}
		cmds = append(cmds, p.activity.Ask(p.env.Store, id, p.env.Now()))
	}
	return tea.Batch(cmds...)
}
