package keys

import (
	"slices"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"provkeys/ui/components/confirm"
	"provkeys/ui/theme"
)

// overlay is one thing on top of the Keys table: the filter being typed, the add wizard or
// edit form, the conflict dialog over it, the key shown once after creation, the saved
// filters, a y/n question or a one-line prompt. The page keeps them in one stack (the only
// record of what is on top): the top overlay gets the keys, draws the footer and the help,
// and the table's own bindings are live only when the stack is empty.
type overlay interface {
	// Update takes a key press, or any other message meant for input (a paste, a cursor
	// blink, huh's own messages). done closes the overlay.
	Update(msg tea.Msg) (done bool, cmd tea.Cmd)
	// View draws the overlay into width×height: in place of the page's body, or of its bar
	// line for an overlay that lives there (barOverlay).
	View(width, height int) string
	// Help is the footer's one line while the overlay is on top.
	Help() []key.Binding
}

// barOverlay is an overlay drawn in the bar line, over whatever body is below it: the filter
// being typed, a question, a prompt.
type barOverlay interface {
	overlay
	inBar()
}

// onTop is the overlay that takes the keys, or nil when the table has them.
func (p *keysPage) onTop() overlay {
	if len(p.stack) == 0 {
		return nil
	}
	return p.stack[len(p.stack)-1]
}

// push puts o on top.
func (p *keysPage) push(o overlay) { p.stack = append(p.stack, o) }

// remove closes o, wherever it is in the stack.
func (p *keysPage) remove(o overlay) {
	p.stack = slices.DeleteFunc(p.stack, func(x overlay) bool { return x == o })
}

// removeFrom closes o and everything on top of it (the conflict dialog over a form).
func (p *keysPage) removeFrom(o overlay) {
	if i := slices.Index(p.stack, o); i >= 0 {
		p.stack = p.stack[:i]
	}
}

// find is the topmost overlay of type T on the stack.
func find[T overlay](p *keysPage) (T, bool) {
	for i := len(p.stack) - 1; i >= 0; i-- {
		if o, ok := p.stack[i].(T); ok {
			return o, true
		}
	}
	var zero T
	return zero, false
}

// route hands msg to o and closes o when it says it is done.
func (p *keysPage) route(o overlay, msg tea.Msg) tea.Cmd {
	done, cmd := o.Update(msg)
	if done {
		p.remove(o)
	}
	return cmd
}

// question is a y/n question or a one-line prompt (confirm.Question, with its own key map)
// as an overlay.
type question struct {
	q   *confirm.Question
	sty *theme.Styles
}

// ask puts q on top.
func (p *keysPage) ask(q *confirm.Question) { p.push(&question{q: q, sty: &p.env.Styles}) }

func (o *question) Update(msg tea.Msg) (bool, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		return o.q.Update(k)
	}
	return false, o.q.Forward(msg)
}

func (o *question) View(width, _ int) string { return o.q.View(width, o.sty) }
func (o *question) Help() []key.Binding      { return o.q.Help() }
func (o *question) inBar()                   {}
