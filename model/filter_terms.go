package model

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"time"
)

// The hygiene terms: comparisons with a time relative to now, and with usage.
//
//   - expires:<30d  the key has an expiry that has not passed and comes within 30 days
//   - expires:>30d  the key expires more than 30 days from now, or never
//   - expires:expired  the expiry has passed (as status:expired, but whatever the key's state)
//   - expires:never  the key has no expiry
//   - created:<7d, created:>90d, updated:<7d, updated:>90d  the key was created (last
//     changed) less, or more, than that long ago
//   - usage:>80%, usage:<10%  usage against the key's max usage; keys without a limit never
//     match a percentage
//   - usage:0, usage:>100, usage:<5  the usage count itself
//
// Durations are a whole number with a unit: h (hours), d (days of 24 hours), w (weeks) or
// y (years of 365 days).

// Comparisons a relative term makes.
const (
	cmpEqual   = 0
	cmpLess    = '<'
	cmpGreater = '>'
	cmpExpired = 'x' // expires:expired
	cmpNever   = 'n' // expires:never
)

// maxFilterDays bounds a duration so that now ± it stays far inside time.Duration's range.
const maxFilterDays = 100 * 365

// relativeTerm parses the value of expires:, created:, updated: or usage: (lower-case lv).
func relativeTerm(kind termKind, lv, raw string) (*term, error) {
	t := &term{kind: kind}
	if kind == termExpires {
		switch lv {
		case "expired":
			t.cmp = cmpExpired
			return t, nil
		case "never":
			t.cmp = cmpNever
			return t, nil
		}
	}
	if kind == termUsage {
		return usageTerm(t, lv, raw)
	}
	want := "want <30d or >30d (h, d, w or y)"
	if kind == termExpires {
		want = "want <30d, >30d (h, d, w or y), expired or never"
	}
	if lv == "" || lv[0] != cmpLess && lv[0] != cmpGreater {
		return nil, filterError(fmt.Sprintf("%s: %s", Sanitize(raw), want))
	}
	t.cmp = int8(lv[0])
	d, ok := parseFilterDuration(lv[1:])
	if !ok {
		return nil, filterError(fmt.Sprintf("%s: %s", Sanitize(raw), want))
	}
	t.dur = d
	return t, nil
}

// usageTerm parses usage:N, usage:<N, usage:>N, each optionally with %.
func usageTerm(t *term, lv, raw string) (*term, error) {
	s := lv
	if s != "" && (s[0] == cmpLess || s[0] == cmpGreater) {
		t.cmp, s = int8(s[0]), s[1:]
	}
	if strings.HasSuffix(s, "%") {
		t.pct, s = true, strings.TrimSuffix(s, "%")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || t.pct && n > 1000 || s[0] == '+' {
		return nil, filterError(fmt.Sprintf("%s: want a count or a percentage of max usage, such as usage:0, usage:>100 or usage:>80%%", Sanitize(raw)))
	}
	t.n = n
	return t, nil
}

// ParseAge parses a duration as filters write it: a whole number with a unit, h (hours),
// d (days of 24 hours), w (weeks) or y (years of 365 days): "30d", "12h". It refuses anything
// else, and more than a hundred years.
func ParseAge(s string) (time.Duration, bool) { return parseFilterDuration(strings.ToLower(s)) }

// parseFilterDuration parses "30d", "12h", "2w", "1y".
func parseFilterDuration(s string) (time.Duration, bool) {
	if len(s) < 2 {
		return 0, false
	}
	unit := map[byte]time.Duration{'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour, 'y': 365 * 24 * time.Hour}[s[len(s)-1]]
	if unit == 0 {
		return 0, false
	}
	digits := s[:len(s)-1]
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n > int64(maxFilterDays*24*time.Hour/unit) {
		return 0, false
	}
	return time.Duration(n) * unit, true
}

// moment is a time as Unix seconds and nanoseconds: how an Index stores times, and how Match
// compares them too, so the two always agree.
type moment struct {
	sec  int64
	nsec int32
}

func momentOf(t time.Time) moment { return moment{t.Unix(), int32(t.Nanosecond())} }

func (a moment) before(b moment) bool { return a.sec < b.sec || a.sec == b.sec && a.nsec < b.nsec }

// bound is the time a relative term compares with at now: now plus the duration for
// expires:, now minus it for created: and updated:.
func (t *term) bound(now time.Time) moment {
	if t.kind == termExpires {
		return momentOf(now.Add(t.dur))
	}
	return momentOf(now.Add(-t.dur))
}

// expiresOK tests an expires: term against a key's expiry (set false: none).
func (t *term) expiresOK(exp moment, set bool, now, bound moment) bool {
	switch t.cmp {
	case cmpNever:
		return !set
	case cmpExpired:
		return set && !now.before(exp) // now is not before the expiry, as in Key.State
	case cmpLess:
		return set && now.before(exp) && exp.before(bound)
	}
	return !set || bound.before(exp)
}

// ageOK tests a created: or updated: term against the key's time.
func (t *term) ageOK(at, bound moment) bool {
	if t.cmp == cmpLess {
		return bound.before(at) // newer than now minus the duration
	}
	return at.before(bound)
}

// usageOK tests a usage: term against a key's usage count and max usage.
func (t *term) usageOK(count, limit int64) bool {
	count, limit = max(count, 0), max(limit, 0)
	if !t.pct {
		switch t.cmp {
		case cmpLess:
			return count < t.n
		case cmpGreater:
			return count > t.n
		}
		return count == t.n
	}
	if limit == 0 {
		return false
	}
	// count/limit against n/100, without overflow: count*100 against n*limit in 128 bits.
	ah, al := bits.Mul64(uint64(count), 100)
	bh, bl := bits.Mul64(uint64(t.n), uint64(limit))
	c := 0
	switch {
	case ah < bh || ah == bh && al < bl:
		c = -1
	case ah > bh || ah == bh && al > bl:
		c = 1
	}
	switch t.cmp {
	case cmpLess:
		return c < 0
	case cmpGreater:
		return c > 0
	}
	return c == 0
}
