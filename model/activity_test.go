package model

import (
	"errors"
	"testing"
	"time"
)

func TestActivityWindow(t *testing.T) {
	berlin := time.FixedZone("CET", 3600)
	tests := []struct {
		name     string
		now      time.Time
		days     int
		from, to time.Time
	}{
		{"midday", time.Date(2026, 12, 4, 19, 2, 0, 0, time.UTC), 30,
			time.Date(2026, 11, 5, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)},
		{"midnight exactly", time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC), 1,
			time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)},
		{"last instant of the day", time.Date(2026, 12, 31, 23, 59, 59, 999999999, time.UTC), 2,
			time.Date(2026, 12, 30, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
		// 00:30 in Berlin is still the day before in UTC: days are UTC days for everyone.
		{"another zone", time.Date(2026, 3, 1, 0, 30, 0, 0, berlin), 1,
			time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from, to := ActivityWindow(tt.now, tt.days)
			if !from.Equal(tt.from) || !to.Equal(tt.to) {
				t.Fatalf("ActivityWindow = [%v, %v), want [%v, %v)", from, to, tt.from, tt.to)
			}
		})
	}
}

func TestActivityDay(t *testing.T) {
	from, _ := ActivityWindow(time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC), 30)
	tests := []struct {
		at   time.Time
		want int
	}{
		{from, 0},
		{from.Add(-time.Microsecond), -1},
		{from.Add(24*time.Hour - time.Microsecond), 0},
		{from.Add(24 * time.Hour), 1},
		{time.Date(2026, 12, 4, 23, 59, 59, 0, time.UTC), 29},
		{time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC), -1},
	}
	for _, tt := range tests {
		if got := ActivityDay(from, 30, tt.at); got != tt.want {
			t.Errorf("ActivityDay(%v) = %d, want %d", tt.at, got, tt.want)
		}
	}
}

func TestValidateActivityDays(t *testing.T) {
	for _, d := range []int{1, 30, MaxActivityDays} {
		if err := ValidateActivityDays(d); err != nil {
			t.Errorf("%d days: %v", d, err)
		}
	}
	for _, d := range []int{0, -1, MaxActivityDays + 1} {
		var ve *ValidationError
		if err := ValidateActivityDays(d); !errors.As(err, &ve) || ve.Field != FieldDays {
			t.Errorf("%d days: %v, want a validation error on %q", d, err, FieldDays)
		}
	}
}
