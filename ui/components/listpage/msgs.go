package listpage

// objectChangedMsg is the result of a change in the groups or certificates views.
type ChangedMsg struct {
	Page string // the page that asked, so only it reloads and reports
	Verb string
	Name string
	Err  error
}
