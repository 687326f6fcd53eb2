//go:build !race

package sqlite

// raceEnabled is false without the race detector; see reliability_race_test.go.
const raceEnabled = false
