package ui

import (
	"context"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"
)

// storeTimeout bounds every store call, so a locked database shows an error instead of
// freezing a command forever.
const storeTimeout = 5 * time.Second

// withStore runs fn in a command under a fresh timeout. fn must only use what it was given:
// commands run on another goroutine and never read the model.
func WithStore(fn func(ctx context.Context) tea.Msg) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		defer cancel()
		return fn(ctx)
	}
}

// setStatus returns a command that shows text in the status line.
func SetStatus(kind StatusKind, text string) tea.Cmd {
	return func() tea.Msg { return StatusMsg{Kind: kind, Text: text} }
}

// statusf formats an informational status message.
func Statusf(format string, args ...any) tea.Cmd {
	return SetStatus(StatusInfo, fmt.Sprintf(format, args...))
}

// okf formats a success status message.
func Okf(format string, args ...any) tea.Cmd {
	return SetStatus(StatusOK, fmt.Sprintf(format, args...))
}

// failed reports that doing (e.g. "delete key web-01") failed, in one plain sentence.
func Failed(doing string, err error) tea.Cmd {
	return SetStatus(StatusErr, "Couldn't "+doing+": "+PlainError(err))
}

// storeChanged tells every page that this dashboard changed the store, so each reloads
// what it shows (the Keys view's group names, the groups' key counts, the audit trail).
func StoreChanged() tea.Msg { return DataChangedMsg{} }
