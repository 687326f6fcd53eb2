package ui

// statusKind says how a status line message is marked: a glyph and a colour each.
type StatusKind int

const (
	StatusInfo StatusKind = iota
	StatusOK
	StatusErr
)

// statusMsg asks the root to show text in the status line; it clears itself later.
type StatusMsg struct {
	Kind StatusKind
	Text string
}

// ClearStatusMsg takes Text off the status line if it is still showing there: a page sends
// it when what the message was about is gone (the cursor left the row it was about).
type ClearStatusMsg struct{ Text string }

// dataChangedMsg tells every page that another process (or another dashboard) changed the
// store, so it should reload.
type DataChangedMsg struct{}

// pageSizeMsg tells a page the width and height the root gives it.
type PageSizeMsg struct{ Width, Height int }
