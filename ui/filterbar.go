package ui

import (
	"strings"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"provkeys/model"
	"provkeys/ui/theme"
)

// FilterBar is the line over a list: the filter as typed (in while typing), the term that
// does not parse when filterErr is set, and right ("3 of 9 keys") at the right edge.
func FilterBar(width int, in *textinput.Model, typing bool, filterErr, right string, sty *theme.Styles) string {
	var left string
	switch {
	case typing:
		left = sty.BarActive.Render(in.View()) + placeholderRest(in)
	case in.Value() != "":
		left = sty.BarActive.Render("/ " + model.Sanitize(in.Value()))
	default:
		left = sty.Bar.Render("/ filter…")
	}
	if filterErr != "" {
		left += "  " + sty.Error.Render("✗ "+model.Sanitize(filterErr))
	}
	room := width - ansi.StringWidth(right) - 1
	if room < 10 {
		return theme.FitLine(left, width)
	}
	left = theme.FitLine(left, room)
	return left + strings.Repeat(" ", max(1, width-ansi.StringWidth(left)-ansi.StringWidth(right))) + sty.Faint.Render(right)
}

// placeholderRest is the part of an empty input's placeholder that the input does not draw
// itself: with no width set, bubbles' textinput shows only its first character (under the
// cursor), and the width is not set here because the bar fits the line itself (FitLine).
func placeholderRest(in *textinput.Model) string {
	if in.Value() != "" || in.Width() > 0 || in.Placeholder == "" {
		return ""
	}
	_, size := utf8.DecodeRuneInString(in.Placeholder)
	return in.Styles().Focused.Placeholder.Render(in.Placeholder[size:])
}

// TypeInto feeds msg to the filter bar's input and calls changed when its text changed, so a
// list re-filters on every keystroke that edits the filter and on no other.
func TypeInto(in *textinput.Model, msg tea.Msg, changed func()) tea.Cmd {
	before := in.Value()
	var cmd tea.Cmd
	*in, cmd = in.Update(msg)
	if in.Value() != before {
		changed()
	}
	return cmd
}

// FilterKey is a key while the filter bar has focus: accept keeps the filter, cancel clears
// it (both call leave, which gives the focus back to the list); anything else is typed, so
// "q" is a letter here, not quit. changed runs whenever the filter's text changed.
func FilterKey(msg tea.KeyPressMsg, accept, cancel key.Binding, in *textinput.Model, leave, changed func()) tea.Cmd {
	switch {
	case key.Matches(msg, accept):
		leave()
		in.Blur()
		return nil
	case key.Matches(msg, cancel):
		leave()
		in.Blur()
		in.SetValue("")
		changed()
		return nil
	}
	return TypeInto(in, msg, changed)
}

// CleanInput keeps escape sequences, control and bidi characters out of what is typed or
// pasted into the filter bar and the forms: the text inputs would draw them as they are.
// ok is false for a key press that carries nothing safe to type.
func CleanInput(msg tea.Msg) (tea.Msg, bool) {
	switch m := msg.(type) {
	case tea.PasteMsg:
		m.Content = model.Sanitize(m.Content)
		return m, true
	case tea.KeyPressMsg:
		if m.Text != "" && model.Sanitize(m.Text) != m.Text {
			return nil, false
		}
	}
	return msg, true
}
