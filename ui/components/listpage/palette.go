package listpage

import (
	tea "charm.land/bubbletea/v2"

	"provkeys/ui"
	"provkeys/ui/components/palette"
)

// Command is one of a list page's palette commands (":" as on the Keys view): Entry is how
// the palette lists it (its name, what follows it, its key, one line on what it does), Run
// does it with the text typed after the name.
type Command struct {
	Entry palette.Entry
	Run   func(args string) tea.Cmd
}

// commandPalette is the open palette and the commands it was opened over.
type commandPalette struct {
	m        *palette.Model
	commands []Command
}

// openPalette opens the palette over the page's commands, recently used first.
func (p *Page[S, T]) openPalette() tea.Cmd {
	cmds := p.spec.Commands()
	entries := make([]palette.Entry, len(cmds))
	for i, c := range cmds {
		entries[i] = c.Entry
	}
	m, cmd := palette.New(entries, p.recent)
	p.pal = &commandPalette{m: m, commands: cmds}
	return cmd
}

// paletteKey feeds the open palette and runs what it chose.
func (p *Page[S, T]) paletteKey(msg tea.KeyPressMsg) tea.Cmd {
	done, chosen, cmd := p.pal.m.Update(msg)
	if !done {
		return cmd
	}
	cmds := p.pal.commands
	p.pal = nil
	if chosen == nil {
		return nil
	}
	p.recent = palette.Remember(p.recent, chosen.Entry.Name)
	for _, c := range cmds {
		if c.Entry.Name == chosen.Entry.Name {
			return c.Run(chosen.Args)
		}
	}
	return ui.SetStatus(ui.StatusErr, "No command :"+chosen.Entry.Name+" here.")
}
