package model

import (
	"fmt"
	"time"
)

// KeyActivity is a key's enrollments as its expanded row shows them: the last one, and how
// many there were on each of the last days (the store's KeyActivity).
type KeyActivity struct {
	LastMachine string    // the machine that enrolled or re-enrolled with the key last; "" if none
	LastAt      time.Time // when it did; zero if no machine ever did
	// PerDay counts enrollments, re-enrollments included, per UTC calendar day, oldest first;
	// the last entry is the day of the "now" asked about (ActivityWindow).
	PerDay []int
}

// MaxActivityDays bounds the window KeyActivity counts over: a year, which a chart of one
// character per day already cannot show on one line.
const MaxActivityDays = 366

// FieldDays is the field of a KeyActivity window that is out of range.
const FieldDays = "days"

// ValidateActivityDays checks the length of a KeyActivity window.
func ValidateActivityDays(days int) error {
	if days < 1 || days > MaxActivityDays {
		return &ValidationError{Field: FieldDays, Msg: fmt.Sprintf("must be 1 to %d days, not %d", MaxActivityDays, days)}
	}
	return nil
}

// ActivityWindow is the span of the days UTC calendar days that end with now's: enrollments
// at from or later and before to count. UTC, so that every operator and both engines cut the
// days at the same instants; a UTC day is always 86,400 seconds long.
func ActivityWindow(now time.Time, days int) (from, to time.Time) {
	u := now.UTC()
	to = time.Date(u.Year(), u.Month(), u.Day()+1, 0, 0, 0, 0, time.UTC)
	return to.AddDate(0, 0, -days), to
}

// ActivityDay is the index in KeyActivity.PerDay of an enrollment at t, for the window of
// days days that starts at from (ActivityWindow); -1 when t is outside it.
func ActivityDay(from time.Time, days int, t time.Time) int {
	if t.Before(from) {
		return -1
	}
	i := int(t.Sub(from) / (24 * time.Hour))
	if i >= days {
		return -1
	}
	return i
}
