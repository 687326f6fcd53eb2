// Package columns is the Keys table's columns: their ids and layout, the operator's choice of
// them (name, groups and status always show; the others are shown, hidden and ordered per
// operator and kept in the store, Store.KeyColumns), and the chooser (":columns") that edits
// the choice. The names are those of `provkeys keys list --columns`.
package columns

import (
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"provkeys/ui"
	"provkeys/ui/components/table"
	"provkeys/ui/keyset"
	"provkeys/ui/theme"
)

// The Keys table's columns, by id. Name, groups and status always show (the reference
// page's columns); the others are chosen and ordered per operator.
const (
	Name = iota
	Groups
	Status
	Fingerprint
	Usage
	Updated
	Description
	Cert
	Expires
	Created
	CreatedBy
	UpdatedBy
	Machines
)

// SortBy is the order each sortable column sorts by.
var SortBy = map[int]keyset.SortBy{Name: keyset.SortName, Groups: keyset.SortGroups, Status: keyset.SortStatus,
	Fingerprint: keyset.SortFingerprint, Usage: keyset.SortUsage, Updated: keyset.SortUpdated}

// Layout is each column's title and width, by id.
var Layout = []table.Column{
	Name:        {Title: "NAME", Min: 16, Grow: 1},
	Groups:      {Title: "MACHINE GROUP(S)", Min: 14, Grow: 1},
	Status:      {Title: "STATUS", Min: 11},
	Fingerprint: {Title: "FINGERPRINT", Min: 12, Opt: 1},
	Usage:       {Title: "USAGE", Min: 9, Opt: 2},
	Updated:     {Title: "UPDATED", Min: 16, Opt: 3},
	Description: {Title: "DESCRIPTION", Min: 14, Grow: 1},
	Cert:        {Title: "SIGNING CERT", Min: 12},
	Expires:     {Title: "EXPIRES", Min: 16},
	Created:     {Title: "CREATED", Min: 16},
	CreatedBy:   {Title: "CREATED BY", Min: 10},
	UpdatedBy:   {Title: "UPDATED BY", Min: 10},
	Machines:    {Title: "MACHINES", Min: 8},
}

// choosable are the columns the chooser offers, with their names, in the default order.
var choosable = []struct {
	id   int
	name string
}{
	{Fingerprint, "fingerprint"}, {Usage, "usage"}, {Updated, "updated"},
	{Description, "description"}, {Cert, "cert"}, {Expires, "expires"},
	{Created, "created"}, {CreatedBy, "created-by"}, {UpdatedBy, "updated-by"},
	{Machines, "machines"},
}

// defaultChosen is what shows before an operator chooses: the reference layout.
var defaultChosen = []string{"fingerprint", "usage", "updated"}

// Choice is the table's columns: the fixed three, then the chosen ones in order.
type Choice struct {
	chosen []string       // names, in order
	shown  []int          // column ids as drawn
	table  []table.Column // their layout; chosen columns show as width allows, in order
}

// Choose shows the columns named, in their order; unknown names and repeats are dropped.
func Choose(names []string) Choice {
	c := Choice{shown: []int{Name, Groups, Status}}
	for _, n := range names {
		for _, ch := range choosable {
			if ch.name == n && !slices.Contains(c.shown, ch.id) {
				c.chosen = append(c.chosen, n)
				c.shown = append(c.shown, ch.id)
			}
		}
	}
	for i, id := range c.shown {
		col := Layout[id]
		if i >= 3 {
			col.Opt = i - 2 // the first chosen joins first as the screen widens
		}
		c.table = append(c.table, col)
	}
	return c
}

// Default is what shows before an operator chooses: the reference layout.
func Default() Choice { return Choose(defaultChosen) }

// Chosen are the names of the chosen columns, in order.
func (c Choice) Chosen() []string { return c.chosen }

// Shown are the ids of the columns drawn, in order.
func (c Choice) Shown() []int { return c.shown }

// Table is the shown columns' layout, for the table.
func (c Choice) Table() []table.Column { return c.table }

// Index is column id's place in the table, or -1 when hidden.
func (c Choice) Index(id int) int { return slices.Index(c.shown, id) }

// NextSortable is the next shown column after id that sorts, round to name.
func (c Choice) NextSortable(id int) int {
	at := c.Index(id)
	for j := 1; j <= len(c.shown); j++ {
		next := c.shown[(at+j)%len(c.shown)]
		if _, ok := SortBy[next]; ok {
			return next
		}
	}
	return Name
}

// Chooser is the open chooser: every choosable column, shown or not, in order.
type Chooser struct {
	sty    *theme.Styles
	save   func(names []string) tea.Cmd
	names  []string
	on     map[string]bool
	cursor int
	km     chooserKeyMap
}

// chooserKeyMap is the chooser's own bindings; up, down, enter and esc are every table's.
type chooserKeyMap struct {
	Up, Down, Toggle, MoveUp, MoveDown, Save, Cancel key.Binding
}

func defaultChooserKeyMap() chooserKeyMap {
	row := ui.DefaultRowKeyMap("", "", "save", "cancel")
	return chooserKeyMap{
		Up: row.Up, Down: row.Down, Save: row.Accept, Cancel: row.Cancel,
		Toggle:   key.NewBinding(key.WithKeys("space", "x"), key.WithHelp("space", "show/hide")),
		MoveUp:   key.NewBinding(key.WithKeys("K", "shift+up"), key.WithHelp("K", "move up")),
		MoveDown: key.NewBinding(key.WithKeys("J", "shift+down"), key.WithHelp("J", "move down")),
	}
}

// NewChooser opens on the columns of c; enter hands the names chosen to save.
func NewChooser(c Choice, sty *theme.Styles, save func(names []string) tea.Cmd) *Chooser {
	ch := &Chooser{sty: sty, save: save, on: map[string]bool{}, km: defaultChooserKeyMap()}
	for _, n := range c.chosen {
		ch.names = append(ch.names, n)
		ch.on[n] = true
	}
	for _, col := range choosable {
		if !ch.on[col.name] {
			ch.names = append(ch.names, col.name)
		}
	}
	return ch
}

// Update handles a key in the open chooser; enter saves for this operator.
func (c *Chooser) Update(m tea.Msg) (bool, tea.Cmd) {
	msg, ok := m.(tea.KeyPressMsg)
	if !ok {
		return false, nil
	}
	km := &c.km
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
		return true, c.save(names)
	}
	return false, nil
}

func (c *Chooser) Help() []key.Binding {
	km := c.km
	return []key.Binding{km.Toggle, km.MoveUp, km.MoveDown, km.Save, km.Cancel}
}

// View lists the columns with a box each, shown ones ticked, in the order they will show.
func (c *Chooser) View(width, height int) string {
	sty := c.sty
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
