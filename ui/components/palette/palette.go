// Package palette is the command palette (":" as in k9s): a fuzzy-matched list of every
// action and view of a page by name, each with its key binding, recently used first. The
// page feeds it the entries (from its bindings table) and runs the one chosen; the palette
// knows nothing of what the commands do.
package palette

import (
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"provkeys/ui/theme"
)

// Entry is one command: Name is what is typed ("group add"), Args a placeholder for what
// follows it ("NAME"; empty when it takes nothing), Key the key binding that does the same
// ("t"; empty when only the palette has it), About one line on what it does.
type Entry struct {
	Name, Args, Key, About string
}

// Choice is the entry run and the text typed after its name.
type Choice struct {
	Entry Entry
	Args  string
}

// Model is an open palette.
type Model struct {
	input   textinput.Model
	entries []Entry
	recent  []string // names, most recent first
	shown   []int    // entries matching the input, best first
	cursor  int
	km      KeyMap
}

// KeyMap is the palette's own bindings; it takes every key while open.
type KeyMap struct {
	Run, Close, Up, Down, Complete key.Binding
}

func defaultKeyMap() KeyMap {
	return KeyMap{
		Run:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "run")),
		Close:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close")),
		Up:       key.NewBinding(key.WithKeys("up", "ctrl+p"), key.WithHelp("↑", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "ctrl+n"), key.WithHelp("↓", "down")),
		Complete: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "complete")),
	}
}

// New opens a palette over entries; recent names (most recent first) are listed first.
func New(entries []Entry, recent []string) (*Model, tea.Cmd) {
	ti := theme.SteadyInput()
	ti.Prompt = ": "
	ti.Placeholder = "command…"
	cmd := ti.Focus()
	m := &Model{input: ti, entries: entries, recent: recent, km: defaultKeyMap()}
	m.match()
	return m, cmd
}

// Update handles one key. done reports the palette closed; chosen is set when an entry is
// to run.
func (m *Model) Update(msg tea.KeyPressMsg) (done bool, chosen *Choice, cmd tea.Cmd) {
	switch {
	case key.Matches(msg, m.km.Close):
		return true, nil, nil
	case key.Matches(msg, m.km.Up):
		m.cursor = max(0, m.cursor-1)
		return false, nil, nil
	case key.Matches(msg, m.km.Down):
		m.cursor = min(max(0, len(m.shown)-1), m.cursor+1)
		return false, nil, nil
	case key.Matches(msg, m.km.Complete):
		if e, ok := m.selected(); ok {
			m.input.SetValue(e.Name + " ")
			m.input.CursorEnd()
			m.match()
		}
		return false, nil, nil
	case key.Matches(msg, m.km.Run):
		e, ok := m.selected()
		if !ok {
			return false, nil, nil
		}
		args := argsAfter(m.input.Value(), e.Name)
		if e.Args != "" && args == "" {
			// It needs an argument: complete the name and let it be typed.
			m.input.SetValue(e.Name + " ")
			m.input.CursorEnd()
			m.match()
			return false, nil, nil
		}
		return true, &Choice{Entry: e, Args: args}, nil
	}
	before := m.input.Value()
	m.input, cmd = m.input.Update(msg)
	if m.input.Value() != before {
		m.match()
	}
	return false, nil, cmd
}

// Forward hands a message that is not a key (a paste, a blink) to the input.
func (m *Model) Forward(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	m.match()
	return cmd
}

func (m *Model) selected() (Entry, bool) {
	if m.cursor < 0 || m.cursor >= len(m.shown) {
		return Entry{}, false
	}
	return m.entries[m.shown[m.cursor]], true
}

// match ranks the entries against the input: the name typed in full with arguments after
// it first, then names that start with it, then fuzzy (letters in order); within each,
// recently used first, then as given.
func (m *Model) match() {
	typed := strings.ToLower(strings.TrimSpace(m.input.Value()))
	type ranked struct{ i, score, recent int }
	var rs []ranked
	for i, e := range m.entries {
		name := strings.ToLower(e.Name)
		score := -1
		switch {
		case typed == "":
			score = 0
		case typed == name || strings.HasPrefix(typed, name+" "):
			score = 3
		case strings.HasPrefix(name, typed):
			score = 2
		case fuzzy(name, typed):
			score = 1
		}
		if score < 0 {
			continue
		}
		r := slices.Index(m.recent, e.Name)
		if r < 0 {
			r = len(m.recent)
		}
		rs = append(rs, ranked{i: i, score: score, recent: r})
	}
	slices.SortStableFunc(rs, func(a, b ranked) int {
		if a.score != b.score {
			return b.score - a.score
		}
		return a.recent - b.recent
	})
	m.shown = m.shown[:0]
	for _, r := range rs {
		m.shown = append(m.shown, r.i)
	}
	m.cursor = 0
}

// fuzzy reports whether the letters of typed appear in name in order.
func fuzzy(name, typed string) bool {
	j := 0
	for i := 0; i < len(name) && j < len(typed); i++ {
		if name[i] == typed[j] {
			j++
		}
	}
	return j == len(typed)
}

// argsAfter is what was typed after name, or "" when the input does not start with it.
func argsAfter(input, name string) string {
	in := strings.TrimSpace(input)
	if len(in) > len(name) && strings.EqualFold(in[:len(name)], name) && in[len(name)] == ' ' {
		return strings.TrimSpace(in[len(name):])
	}
	return ""
}

// View draws the input line and, below, as many matches as fit in height-1 lines.
func (m *Model) View(width, height int, sty *theme.Styles) string {
	in := m.input
	in.SetWidth(max(1, width-4))
	lines := []string{sty.BarActive.Render(in.View())}
	if len(m.shown) == 0 {
		lines = append(lines, sty.Faint.Render("  no command matches; esc closes"))
	}
	rows := max(1, height-1)
	top := max(0, m.cursor-rows+1)
	nameW := 0
	for _, e := range m.entries {
		nameW = max(nameW, len(e.Name)+len(e.Args)+1)
	}
	nameW = min(nameW, max(12, width/3))
	for j := top; j < len(m.shown) && len(lines) <= rows; j++ {
		e := m.entries[m.shown[j]]
		marker := "  "
		if j == m.cursor {
			marker = "› "
		}
		keyText := e.Key
		if keyText == "" {
			keyText = "—"
		}
		line := marker + theme.Pad(strings.TrimSpace(e.Name+" "+e.Args), nameW) + "  " + theme.Pad(keyText, 8) + "  " + e.About
		if j == m.cursor {
			line = sty.Selected.Render(theme.Pad(line, width))
		}
		lines = append(lines, theme.FitLine(line, width))
	}
	return strings.Join(lines, "\n")
}

// Help is the footer while the palette is open.
func (m *Model) Help() []key.Binding {
	return []key.Binding{m.km.Run, m.km.Complete, m.km.Up, m.km.Down, m.km.Close}
}

// Remember puts name first in recent (most recent first, no repeats) and returns it.
func Remember(recent []string, name string) []string {
	recent = slices.DeleteFunc(recent, func(s string) bool { return s == name })
	return append([]string{name}, recent...)
}
