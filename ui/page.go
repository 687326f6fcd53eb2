package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// page is one view of the dashboard. The root sends key presses to the active page only and
// every other message to all pages, so a load that finishes while its page is hidden still
// lands. Pages have pointer receivers: Update changes the page in place.
type Page interface {
	// Title is the tab caption.
	Title() string
	// Init starts the page's first load.
	Init() tea.Cmd
	// Update handles one message.
	Update(msg tea.Msg) tea.Cmd
	// View renders the page into exactly width×height cells (or fewer lines).
	View(width, height int) string
	// Capturing is true while the page takes typed text or a y/n answer, so the root's own
	// keys (q, tab, ?) go to the page instead.
	Capturing() bool
	// ShortHelp and FullHelp are the page's enabled bindings, for the footer.
	ShortHelp() []key.Binding
	FullHelp() [][]key.Binding
}
