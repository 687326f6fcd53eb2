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

// dataChangedMsg tells every page that another process (or another dashboard) changed the
// store, so it should reload.
type DataChangedMsg struct{}

// pageSizeMsg tells a page the width and height the root gives it.
type PageSizeMsg struct{ Width, Height int }

// ShowPageMsg asks the frame to switch to the page titled Title; the frame then hands the
// message to every page, and a list page with that title puts Filter in its filter bar (the
// Keys page's m opens the Machines tab on one key's machines).
type ShowPageMsg struct{ Title, Filter string }
