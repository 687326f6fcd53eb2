// Package theme is how the dashboard looks and measures: the one Styles struct (ANSI-256,
// never colour alone), cell widths and fitting text into cells (Width, Pad, FitLine,
// FitBlock), and the inert-text backstop every frame passes through (Inert).
package theme

import (
	"charm.land/bubbles/v2/help"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"
)

// Styles holds every semantic style of the dashboard. Colours are ANSI-256 because over SSH
// truecolor is often not advertised; no meaning is carried by colour alone — each state
// also has a glyph or a word.
type Styles struct {
	Title       lipgloss.Style // the product name in the top line
	Tab         lipgloss.Style // an inactive view tab
	ActiveTab   lipgloss.Style // the view being shown, also bracketed
	Who         lipgloss.Style // actor and role at the top right
	Bar         lipgloss.Style // the filter bar
	BarActive   lipgloss.Style // the filter bar while typing
	Header      lipgloss.Style // table header
	Row         lipgloss.Style
	Selected    lipgloss.Style // the row under the cursor (also marked with "›")
	Detail      lipgloss.Style // expanded-row values
	Label       lipgloss.Style // expanded-row labels and form captions
	Secret      lipgloss.Style // revealed or newly created key material
	Faint       lipgloss.Style
	Enabled     lipgloss.Style
	Disabled    lipgloss.Style
	Warn        lipgloss.Style // expired, exhausted, confirmations
	Error       lipgloss.Style
	Success     lipgloss.Style
	Status      lipgloss.Style // informational status line
	Prompt      lipgloss.Style // a question that waits for y/n
	Panel       lipgloss.Style // the saved-filters list and other boxes
	HelpStyles  help.Styles
	FormTheme   huh.Theme
	EmptyNotice lipgloss.Style
}

// Colours, ANSI-256.
var (
	colAccent  = lipgloss.Color("75")  // light blue
	colText    = lipgloss.Color("252") // near white
	colFaint   = lipgloss.Color("245") // grey
	colDim     = lipgloss.Color("240")
	colGreen   = lipgloss.Color("71")
	colRed     = lipgloss.Color("167")
	colYellow  = lipgloss.Color("179")
	colSelBg   = lipgloss.Color("237")
	colSecret  = lipgloss.Color("222")
	colPrompt  = lipgloss.Color("215")
	colHeader  = lipgloss.Color("110")
	colTabText = lipgloss.Color("250")
)

// Default returns the dashboard's styles.
func Default() Styles {
	s := Styles{
		Title:       lipgloss.NewStyle().Bold(true).Foreground(colAccent),
		Tab:         lipgloss.NewStyle().Foreground(colTabText),
		ActiveTab:   lipgloss.NewStyle().Bold(true).Underline(true).Foreground(colAccent),
		Who:         lipgloss.NewStyle().Foreground(colFaint),
		Bar:         lipgloss.NewStyle().Foreground(colFaint),
		BarActive:   lipgloss.NewStyle().Foreground(colText),
		Header:      lipgloss.NewStyle().Bold(true).Foreground(colHeader),
		Row:         lipgloss.NewStyle().Foreground(colText),
		Selected:    lipgloss.NewStyle().Bold(true).Foreground(colText).Background(colSelBg),
		Detail:      lipgloss.NewStyle().Foreground(colText),
		Label:       lipgloss.NewStyle().Foreground(colFaint),
		Secret:      lipgloss.NewStyle().Foreground(colSecret),
		Faint:       lipgloss.NewStyle().Foreground(colFaint),
		Enabled:     lipgloss.NewStyle().Foreground(colGreen),
		Disabled:    lipgloss.NewStyle().Foreground(colFaint),
		Warn:        lipgloss.NewStyle().Foreground(colYellow),
		Error:       lipgloss.NewStyle().Foreground(colRed),
		Success:     lipgloss.NewStyle().Foreground(colGreen),
		Status:      lipgloss.NewStyle().Foreground(colText),
		Prompt:      lipgloss.NewStyle().Bold(true).Foreground(colPrompt),
		Panel:       lipgloss.NewStyle().Foreground(colText),
		EmptyNotice: lipgloss.NewStyle().Foreground(colText),
	}
	s.HelpStyles = helpStyles()
	s.FormTheme = huh.ThemeFunc(formTheme)
	return s
}

// formTheme is huh's base theme in our ANSI-256 colours, with compact spacing so the longest
// wizard step fits in 24 rows.
func formTheme(isDark bool) *huh.Styles {
	t := huh.ThemeBase(isDark)
	t.FieldSeparator = lipgloss.NewStyle().SetString("\n")
	t.Group.Title = lipgloss.NewStyle().Bold(true).Foreground(colAccent)
	t.Group.Description = lipgloss.NewStyle().Foreground(colFaint)

	f := &t.Focused
	f.Base = f.Base.BorderForeground(colAccent)
	f.Title = lipgloss.NewStyle().Bold(true).Foreground(colAccent)
	f.Description = lipgloss.NewStyle().Foreground(colFaint)
	f.ErrorIndicator = lipgloss.NewStyle().Foreground(colRed).SetString(" ✗")
	f.ErrorMessage = lipgloss.NewStyle().Foreground(colRed).SetString("✗")
	f.SelectSelector = lipgloss.NewStyle().Foreground(colAccent).SetString("› ")
	f.Option = lipgloss.NewStyle().Foreground(colText)
	f.SelectedOption = lipgloss.NewStyle().Foreground(colGreen)
	f.SelectedPrefix = lipgloss.NewStyle().Foreground(colGreen).SetString("[✓] ")
	f.UnselectedPrefix = lipgloss.NewStyle().Foreground(colFaint).SetString("[ ] ")
	f.UnselectedOption = lipgloss.NewStyle().Foreground(colText)
	f.MultiSelectSelector = lipgloss.NewStyle().Foreground(colAccent).SetString("› ")
	// The chosen button carries "●" and the other "○", so the choice reads without colour.
	f.FocusedButton = lipgloss.NewStyle().Padding(0, 1).MarginRight(1).Bold(true).
		Foreground(lipgloss.Color("232")).Background(colAccent).SetString("●")
	f.BlurredButton = lipgloss.NewStyle().Padding(0, 1).MarginRight(1).
		Foreground(colFaint).SetString("○")
	f.TextInput.Prompt = lipgloss.NewStyle().Foreground(colAccent)
	f.TextInput.Text = lipgloss.NewStyle().Foreground(colText)
	f.TextInput.Placeholder = lipgloss.NewStyle().Foreground(colDim)
	f.NextIndicator = lipgloss.NewStyle().Foreground(colAccent).MarginLeft(1).SetString("→")
	f.PrevIndicator = lipgloss.NewStyle().Foreground(colAccent).MarginRight(1).SetString("←")

	t.Blurred = *f
	t.Blurred.Base = t.Blurred.Base.BorderStyle(lipgloss.HiddenBorder())
	t.Blurred.Title = lipgloss.NewStyle().Foreground(colTabText)
	// A select that lost focus still marks its choice, without the focus colour.
	t.Blurred.SelectSelector = lipgloss.NewStyle().Foreground(colFaint).SetString("› ")
	t.Blurred.MultiSelectSelector = lipgloss.NewStyle().SetString("  ")
	t.Blurred.NextIndicator = lipgloss.NewStyle()
	t.Blurred.PrevIndicator = lipgloss.NewStyle()
	t.Blurred.FocusedButton = lipgloss.NewStyle().Padding(0, 1).MarginRight(1).Foreground(colText).SetString("●")
	t.Help = helpStyles()
	return t
}

// helpStyles styles the help footer and the forms' own key hints alike.
func helpStyles() help.Styles {
	return help.Styles{
		ShortKey:       lipgloss.NewStyle().Foreground(colTabText),
		ShortDesc:      lipgloss.NewStyle().Foreground(colFaint),
		ShortSeparator: lipgloss.NewStyle().Foreground(colDim),
		Ellipsis:       lipgloss.NewStyle().Foreground(colDim),
		FullKey:        lipgloss.NewStyle().Foreground(colTabText),
		FullDesc:       lipgloss.NewStyle().Foreground(colFaint),
		FullSeparator:  lipgloss.NewStyle().Foreground(colDim),
	}
}
