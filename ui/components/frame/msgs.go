package frame

import (
	"time"
)

// clearStatusMsg clears the status line if it still shows message id; an older tick must
// not clear a newer message.
type clearStatusMsg struct{ id int }

// pollMsg is the once-a-second tick that asks the store whether anything changed.
type PollMsg struct{}

// dataVersionMsg carries the store's data version, or why it could not be read.
type dataVersionMsg struct {
	version int64
	err     error
}

// statusClearAfter is how long a status line message stays; errors stay longer.
const (
	statusClearAfter = 5 * time.Second
	errorClearAfter  = 10 * time.Second
)
