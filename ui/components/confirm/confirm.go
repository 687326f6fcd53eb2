// Package confirm is the question a page asks before it acts: a y/n confirmation (every
// destructive action passes through one) or a one-line prompt. It has its own key map, so
// no page's bindings decide how a question is answered, and while open it takes every key.
package confirm

import (
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"provkeys/ui"
	"provkeys/ui/theme"
)

// Question is what the page asks before it acts: a y/n confirmation (destructive actions
// always pass through one) or a one-line prompt such as a download path. While it is open
// it takes every key, so a stray "q" answers nothing and quits nothing.
type Question struct {
	text  string           // sanitized by whoever built it
	input *textinput.Model // nil for a y/n question
	yes   func(answer string) tea.Cmd
	no    func() tea.Cmd // may be nil
	km    keyMap
}

// keyMap is the question's own bindings: no page's key map is borrowed, so a page
// that rebinds "n" (add) or "enter" (expand) cannot change how a question is answered.
type keyMap struct {
	ui.AnswerKeyMap             // a y/n question
	Accept, Cancel  key.Binding // a prompt
}

func defaultKeyMap() keyMap {
	return keyMap{
		AnswerKeyMap: ui.DefaultAnswerKeyMap(),
		Accept:       key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "ok")),
		Cancel:       key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}

// New asks text, answered with y (yes) or n/esc (no).
func New(text string, yes func() tea.Cmd, no func() tea.Cmd) *Question {
	return &Question{text: text, yes: func(string) tea.Cmd { return yes() }, no: no, km: defaultKeyMap()}
}

// NewPrompt asks for one line of text, prefilled with value; enter answers, esc cancels.
func NewPrompt(text, value string, yes func(string) tea.Cmd, no func() tea.Cmd) (*Question, tea.Cmd) {
	ti := theme.SteadyInput()
	ti.Prompt = ""
	ti.SetValue(value)
	ti.CursorEnd()
	cmd := ti.Focus()
	return &Question{text: text, input: &ti, yes: yes, no: no, km: defaultKeyMap()}, cmd
}

// Update answers the question with msg; done reports that it is closed.
func (q *Question) Update(msg tea.KeyPressMsg) (done bool, cmd tea.Cmd) {
	km := &q.km
	if q.input == nil {
		switch {
		case key.Matches(msg, km.Yes):
			return true, q.yes("")
		case key.Matches(msg, km.No):
			return true, q.cancel()
		}
		return false, nil // anything else leaves the question open
	}
	switch {
	case key.Matches(msg, km.Accept):
		return true, q.yes(q.input.Value())
	case key.Matches(msg, km.Cancel):
		return true, q.cancel()
	}
	*q.input, cmd = q.input.Update(msg)
	return false, cmd
}

func (q *Question) cancel() tea.Cmd {
	if q.no == nil {
		return nil
	}
	return q.no()
}

// View is the question's one line.
func (q *Question) View(width int, sty *theme.Styles) string {
	if q.input == nil {
		return theme.FitLine(sty.Prompt.Render("? "+q.text+" ")+sty.Faint.Render("y/n"), width)
	}
	in := *q.input // View must not change the model
	in.SetWidth(max(1, width-ansi.StringWidth(q.text)-4))
	return theme.FitLine(sty.Prompt.Render("? "+q.text+" ")+in.View(), width)
}

// Help is the footer while the question is open.
func (q *Question) Help() []key.Binding {
	km := &q.km
	if q.input == nil {
		return []key.Binding{km.Yes, km.No}
	}
	return []key.Binding{km.Accept, km.Cancel}
}

// TakesText is true for a prompt, false for a y/n question.
func (q *Question) TakesText() bool { return q.input != nil }

// Forward feeds a message that is not a key (a paste, a cursor blink) to the prompt's input.
func (q *Question) Forward(msg tea.Msg) tea.Cmd {
	if q.input == nil {
		return nil
	}
	var cmd tea.Cmd
	*q.input, cmd = q.input.Update(msg)
	return cmd
}
