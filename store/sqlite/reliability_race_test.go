//go:build race

package sqlite

// raceEnabled is true when the race detector is compiled in. It makes each transaction hold
// the write lock several times longer, so other processes sleep more in SQLite's busy
// handler; the concurrency test scales its default size down accordingly.
const raceEnabled = true
