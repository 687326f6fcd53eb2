package ui

import (
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"provkeys/ui/theme"
)

// question is what the page asks before it acts: a y/n confirmation (destructive actions
// always pass through one) or a one-line prompt such as a download path. While it is open
// it takes every key, so a stray "q" answers nothing and quits nothing.
type question struct {
	text  string           // sanitized by whoever built it
	input *textinput.Model // nil for a y/n question
	yes   func(answer string) tea.Cmd
	no    func() tea.Cmd // may be nil
	km    questionKeyMap
}

// questionKeyMap is the question's own bindings: no page's key map is borrowed, so a page
// that rebinds "n" (add) or "enter" (expand) cannot change how a question is answered.
type questionKeyMap struct {
	Yes, No        key.Binding // a y/n question
	Accept, Cancel key.Binding // a prompt
}

func defaultQuestionKeyMap() questionKeyMap {
	return questionKeyMap{
		Yes:    key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "yes")),
		No:     key.NewBinding(key.WithKeys("n", "N", "esc"), key.WithHelp("n/esc", "no")),
		Accept: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "ok")),
		Cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}

// newConfirm asks text, answered with y (yes) or n/esc (no).
func newConfirm(text string, yes func() tea.Cmd, no func() tea.Cmd) *question {
	return &question{text: text, yes: func(string) tea.Cmd { return yes() }, no: no, km: defaultQuestionKeyMap()}
}

// newPrompt asks for one line of text, prefilled with value; enter answers, esc cancels.
func newPrompt(text, value string, yes func(string) tea.Cmd, no func() tea.Cmd) (*question, tea.Cmd) {
	ti := steadyInput()
	ti.Prompt = ""
	ti.SetValue(value)
	ti.CursorEnd()
	cmd := ti.Focus()
	return &question{text: text, input: &ti, yes: yes, no: no, km: defaultQuestionKeyMap()}, cmd
}

// update answers the question with msg; done reports that it is closed.
func (q *question) update(msg tea.KeyPressMsg) (done bool, cmd tea.Cmd) {
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

func (q *question) cancel() tea.Cmd {
	if q.no == nil {
		return nil
	}
	return q.no()
}

// view is the question's one line.
func (q *question) view(width int, sty *theme.Styles) string {
	if q.input == nil {
		return theme.FitLine(sty.Prompt.Render("? "+q.text+" ")+sty.Faint.Render("y/n"), width)
	}
	in := *q.input // View must not change the model
	in.SetWidth(max(1, width-ansi.StringWidth(q.text)-4))
	return theme.FitLine(sty.Prompt.Render("? "+q.text+" ")+in.View(), width)
}

// help is the footer while the question is open.
func (q *question) help() []key.Binding {
	km := &q.km
	if q.input == nil {
		return []key.Binding{km.Yes, km.No}
	}
	return []key.Binding{km.Accept, km.Cancel}
}

// answer routes a key to the open question and closes it when answered.
func (p *keysPage) answer(msg tea.KeyPressMsg) tea.Cmd {
	q := p.ask
	done, cmd := q.update(msg)
	if done && p.ask == q {
		p.ask = nil
	}
	return cmd
}

// steadyInput is a text input whose cursor does not blink: over SSH every blink is a
// repaint sent down the wire, and a steady block is just as easy to find.
func steadyInput() textinput.Model {
	ti := textinput.New()
	ti.CharLimit = theme.MaxTyped
	sty := ti.Styles()
	sty.Cursor.Blink = false
	ti.SetStyles(sty)
	return ti
}
