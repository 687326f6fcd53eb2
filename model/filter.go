package model

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"provkeys/model/internal/foldtext"
)

// Filter is a parsed filter expression (DESIGN §3): terms separated by white space, all of
// which a key must satisfy.
//
//   - Free text matches the key's name, any of its machine groups, its signing certificate or
//     its description, ignoring case: web matches "Web-01" and a group "webservers".
//   - name:, group: and cert: match the same way against that one field only.
//   - status:enabled|disabled|expired|exhausted matches the key's derived state (Key.State),
//     so an enabled key past its expiry is status:expired, not status:enabled.
//   - reenroll:yes|no and export:yes|no match Allow Re-Enrollment and View/Export.
//   - used:yes|no matches whether any machine has enrolled with the key (a use counted).
//   - machine:NAME matches the machine that enrolled with the key most recently
//     (Key.LastMachine), as name: matches the key's name.
//   - expires:, created:, updated: and usage: compare times and usage (see filter_terms.go):
//     expires:<30d, expires:>30d, expires:expired, created:<7d, updated:>90d, usage:>80%.
//   - A leading - negates a term: -group:kiosks is every key in no group named like kiosks.
//   - | separates alternatives, any of which may match: group:kiosks|lobby, status:disabled|expired.
//   - Double quotes keep white space in a value: name:"web server", "two words". Inside
//     quotes, \" is a quote and \\ a backslash. Quoting is also how to search for text that
//     holds a colon, a leading - or a |: "10:30", "-v2", "a|b".
//
// Field names and values are case-insensitive. The zero Filter matches every key. To run a
// filter over a large list on every keystroke, build an Index of the list once and use
// Index.Filter, which gives the same answers as Match.
type Filter struct {
	Expr  string // the expression as typed, kept for display and for saved filters
	terms []clause
}

// clause is one term as typed: alternatives, one of which must match, maybe negated.
type clause struct {
	neg  bool
	alts []term
}

// match reports whether k satisfies the clause at now.
func (c *clause) match(k *Key, now time.Time) bool {
	for i := range c.alts {
		if c.alts[i].match(k, now) {
			return !c.neg
		}
	}
	return c.neg
}

// termKind is what a term tests.
type termKind uint8

const (
	termText termKind = iota // free text: name, groups, certificate, description
	termName
	termGroup
	termCert
	termStatus
	termReenroll
	termExport
	termExpires
	termCreated
	termUpdated
	termUsage
	termUsed
	termMachine // text, but in none of the Index's tables: answered key by key
)

// isText reports whether a term of kind k searches text.
func (k termKind) isText() bool { return k <= termCert }

// term is one parsed term. Text needles are prepared once here so that Match, which runs for
// every key on every keystroke, does no case conversion and no allocation.
type term struct {
	kind   termKind
	text   foldtext.Needle // for text terms: the needle In looks for
	folded string          // the needle folded as Index folds text (see foldtext.FoldRune)
	state  KeyState        // for termStatus
	yes    bool            // for termReenroll, termExport and termUsed
	cmp    int8            // for relative terms: cmpLess, cmpGreater, cmpEqual, cmpExpired, cmpNever
	pct    bool            // for termUsage: n is a percentage of max usage
	n      int64           // for termUsage
	dur    time.Duration
}

// fieldList names the fields in the order help shows them.
const fieldList = "name:, group:, cert:, status:, reenroll:, export:, expires:, created:, updated:, usage:, used:, machine:"

// fieldKind maps a lower-case field name to its kind.
func fieldKind(name string) (termKind, bool) {
	switch name {
	case "name":
		return termName, true
	case "group":
		return termGroup, true
	case "cert":
		return termCert, true
	case "status":
		return termStatus, true
	case "reenroll":
		return termReenroll, true
	case "export":
		return termExport, true
	case "expires":
		return termExpires, true
	case "created":
		return termCreated, true
	case "updated":
		return termUpdated, true
	case "usage":
		return termUsage, true
	case "used":
		return termUsed, true
	case "machine":
		return termMachine, true
	}
	return termText, false
}

// ParseFilter parses the filter language described on Filter. A bad expression gives a
// *ValidationError for "filter" that names the offending term and says what is allowed: an
// unknown field, a value that is not one of the choices, a field without a value, or a quote
// that is never closed.
func ParseFilter(expr string) (Filter, error) {
	f := Filter{Expr: expr}
	err := eachTerm(expr, func(neg bool, field string, values []string, raw string) error {
		kind := termText
		if field != "" {
			k, ok := fieldKind(strings.ToLower(field))
			if !ok {
				return filterError(fmt.Sprintf("unknown field %q (use %s)", field+":", fieldList))
			}
			kind = k
		}
		c := clause{neg: neg}
		for _, value := range values {
			t, err := newTerm(kind, value, strings.ToLower(field), raw)
			if err != nil {
				return err
			}
			if t != nil {
				c.alts = append(c.alts, *t)
			}
		}
		if len(c.alts) > 0 {
			f.terms = append(f.terms, c)
		}
		return nil
	})
	if err != nil {
		return Filter{}, err
	}
	return f, nil
}

// eachTerm splits a filter expression (the Keys and the Audit filters share the syntax)
// into its terms and calls fn with each: negated by a leading -, its field name as typed
// ("" for free text), its values (| alternatives, quotes removed) and the term as typed, for
// messages. It stops at fn's first error or an unterminated quote.
func eachTerm(expr string, fn func(neg bool, field string, values []string, raw string) error) error {
	for i := 0; ; {
		for i < len(expr) {
			r, n := utf8.DecodeRuneInString(expr[i:])
			if !unicode.IsSpace(r) {
				break
			}
			i += n
		}
		if i >= len(expr) {
			return nil
		}
		start := i
		neg := expr[i] == '-'
		if neg {
			i++
		}
		field, valueAt := fieldAt(expr, i)
		values, next, err := readValues(expr, valueAt)
		if err != nil {
			return err
		}
		i = next
		if err := fn(neg, field, values, expr[start:i]); err != nil {
			return err
		}
	}
}

// fieldAt looks for a field name, "letters:", at i. It returns the name as typed and the
// offset of its value, or "" and i when the term is free text.
func fieldAt(expr string, i int) (string, int) {
	j := i
	for j < len(expr) && (expr[j] >= 'a' && expr[j] <= 'z' || expr[j] >= 'A' && expr[j] <= 'Z') {
		j++
	}
	if j == i || j >= len(expr) || expr[j] != ':' {
		return "", i
	}
	return expr[i:j], j + 1
}

// readValues reads one value starting at i: bare text and quoted sections up to white space
// outside quotes, split at each | outside quotes into alternatives. It returns the
// alternatives without their quotes, empty ones left out unless all are empty, and the offset
// just past the value.
func readValues(expr string, i int) ([]string, int, error) {
	var values []string
	var b strings.Builder
	for i < len(expr) {
		r, n := utf8.DecodeRuneInString(expr[i:])
		if unicode.IsSpace(r) {
			break
		}
		switch r {
		case '|':
			if b.Len() > 0 {
				values = append(values, b.String())
			}
			b.Reset()
			i++
			continue
		case '"':
		default:
			b.WriteString(expr[i : i+n])
			i += n
			continue
		}
		open := i
		i++
		for {
			if i >= len(expr) {
				return nil, 0, filterError(fmt.Sprintf("unterminated quote at character %d (close it with \")",
					utf8.RuneCountInString(expr[:open])+1))
			}
			c := expr[i]
			if c == '"' {
				i++
				break
			}
			if c == '\\' && i+1 < len(expr) && (expr[i+1] == '"' || expr[i+1] == '\\') {
				c = expr[i+1]
				i++
			}
			b.WriteByte(c)
			i++
		}
	}
	if b.Len() > 0 || len(values) == 0 {
		values = append(values, b.String())
	}
	return values, i, nil
}

// newTerm builds the term for a value of a field (lower-case, "" for free text); raw is the
// term as typed, for messages. It returns nil for empty free text (""), which matches
// everything.
func newTerm(kind termKind, value, field, raw string) (*term, error) {
	if value == "" {
		if kind == termText {
			return nil, nil
		}
		example := field + `:web or ` + field + `:"web server"`
		switch kind {
		case termStatus:
			example = "status:enabled"
		case termReenroll, termExport, termUsed:
			example = field + ":yes"
		case termExpires, termCreated, termUpdated:
			example = field + ":<30d"
		case termUsage:
			example = "usage:>80%"
		}
		return nil, filterError(fmt.Sprintf("%s needs a value, such as %s", Sanitize(raw), example))
	}
	lv := strings.ToLower(value)
	switch kind {
	case termStatus:
		for _, s := range []KeyState{StateEnabled, StateDisabled, StateExpired, StateExhausted} {
			if lv == strings.ToLower(s.String()) {
				return &term{kind: kind, state: s}, nil
			}
		}
		return nil, filterError(fmt.Sprintf("%s: want enabled, disabled, expired or exhausted", Sanitize(raw)))
	case termReenroll, termExport, termUsed:
		switch lv {
		case "yes":
			return &term{kind: kind, yes: true}, nil
		case "no":
			return &term{kind: kind}, nil
		}
		return nil, filterError(fmt.Sprintf("%s: want yes or no", Sanitize(raw)))
	case termExpires, termCreated, termUpdated, termUsage:
		return relativeTerm(kind, lv, raw)
	}
	return textTerm(kind, value), nil
}

// textTerm prepares a text needle for in, and its fold for the Index's tables.
func textTerm(kind termKind, value string) *term {
	return &term{kind: kind, text: foldtext.NewNeedle(value), folded: foldtext.Fold(value)}
}

func filterError(msg string) error { return &ValidationError{Field: FieldFilter, Msg: msg} }

// Narrows reports whether every key f matches is also matched by prev, judged from the terms
// alone: f has prev's terms in the same order, each the same test or, for text that is not
// negated, needles that contain prev's (so typing on at the end of a filter narrows it), and
// maybe more terms after them. A prev with a status: or a time term never qualifies: its
// answer depends on the time it was computed, and a key may have expired since.
//
// A caller holding prev's answer may then look for f's matches among prev's only.
func (f Filter) Narrows(prev Filter) bool {
	if len(f.terms) < len(prev.terms) {
		return false
	}
	for i := range prev.terms {
		a, b := &prev.terms[i], &f.terms[i]
		if a.neg != b.neg || len(a.alts) != len(b.alts) {
			return false
		}
		for j := range a.alts {
			if !b.alts[j].narrows(&a.alts[j], a.neg) {
				return false
			}
		}
	}
	return true
}

// narrows reports whether t matches no key that prev does not (exact: t tests the same).
func (t *term) narrows(prev *term, exact bool) bool {
	if t.kind != prev.kind {
		return false
	}
	switch t.kind {
	case termStatus, termExpires, termCreated, termUpdated:
		return false
	case termReenroll, termExport, termUsed:
		return t.yes == prev.yes
	case termUsage:
		return t.cmp == prev.cmp && t.pct == prev.pct && t.n == prev.n
	}
	if exact {
		return t.folded == prev.folded
	}
	return strings.Contains(t.folded, prev.folded)
}

// Empty reports whether f has no terms and so matches every key.
func (f Filter) Empty() bool { return len(f.terms) == 0 }

// Match reports whether k satisfies every term of f at time now. It does not allocate.
func (f Filter) Match(k Key, now time.Time) bool { return f.MatchPtr(&k, now) }

// MatchPtr is Match for a key held by pointer. Callers that filter a large slice should use it
// with &keys[i]: passing a Key by value copies about 250 bytes per key, which at a million keys
// per keystroke costs as much as the matching itself. For a million keys, see Index.
func (f Filter) MatchPtr(k *Key, now time.Time) bool {
	for i := range f.terms {
		if !f.terms[i].match(k, now) {
			return false
		}
	}
	return true
}

// match reports whether k satisfies the one term t at now.
func (t *term) match(k *Key, now time.Time) bool {
	switch t.kind {
	case termText:
		return t.in(k.Name) || t.inGroups(k.Groups) || t.in(k.CertName) || t.in(k.Description)
	case termName:
		return t.in(k.Name)
	case termGroup:
		return t.inGroups(k.Groups)
	case termCert:
		return t.in(k.CertName)
	case termStatus:
		return state(k, now) == t.state
	case termReenroll:
		return k.AllowReenroll == t.yes
	case termExport:
		return k.Exportable == t.yes
	case termExpires:
		return t.expiresOK(momentOf(k.ExpiresAt), !k.ExpiresAt.IsZero(), momentOf(now), t.bound(now))
	case termCreated:
		return t.ageOK(momentOf(k.CreatedAt), t.bound(now))
	case termUpdated:
		return t.ageOK(momentOf(k.UpdatedAt), t.bound(now))
	case termUsage:
		return t.usageOK(k.UsageCount, k.MaxUsage)
	case termUsed:
		return (k.UsageCount > 0) == t.yes
	case termMachine:
		return t.in(k.LastMachine)
	}
	return false
}

// state is Key.State without copying the key (Key.State has a value receiver).
func state(k *Key, now time.Time) KeyState {
	return StateOf(k.Enabled, k.ExpiresAt, k.UsageCount, k.MaxUsage, now)
}

// inGroups reports whether the name of any of groups contains the term's needle.
func (t *term) inGroups(groups []GroupRef) bool {
	for i := range groups {
		if t.in(groups[i].Name) {
			return true
		}
	}
	return false
}

// in reports whether s contains the term's needle, ignoring case (foldtext.Needle.In).
func (t *term) in(s string) bool { return t.text.In(s) }
