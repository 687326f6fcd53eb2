package ui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
)

// OpenMsg asks the frame to switch to the page titled Page and apply Filter there, as
// typed into its filter bar: from a key, ":history" opens the Audit view on that key and m
// its machines in the Machines view. Pages never import
// each other; the frame routes this message to them all, and the page whose Title is Page
// applies it.
type OpenMsg struct {
	Page   string
	Filter string
}

// OpenKeysWith opens the Keys view on the keys whose field (group, cert) names name:
// group:"Web Frontends", quoted as the filter language reads it.
func OpenKeysWith(field, name string) tea.Cmd {
	return Open("Keys", field+":"+QuoteTerm(name))
}

// QuoteTerm quotes s for the Keys filter: inside double quotes, \ and " are escaped.
func QuoteTerm(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// Open returns a command that sends OpenMsg.
func Open(page, filter string) tea.Cmd {
	return func() tea.Msg { return OpenMsg{Page: page, Filter: filter} }
}
