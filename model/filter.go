package model

import (
	"fmt"
	"math/bits"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
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
	needle string   // the text to find: lower-case when ascii, as typed otherwise
	folded string   // the needle folded as Index folds text (see foldRune)
	ascii  bool     // the needle is ASCII: candidates are confirmed byte by byte
	swar   bool     // the needle starts with an ASCII rune, so the word-at-a-time search applies
	ks     bool     // see in: non-ASCII text in s needs the Unicode path
	minLen int      // the fewest bytes a match can take in s
	fold   uint64   // 0x20 in every byte when the needle starts with a letter, else 0
	first  uint64   // the needle's first byte, lower-case, in every byte of a word
	state  KeyState // for termStatus
	yes    bool     // for termReenroll, termExport and termUsed
	cmp    int8     // for relative terms: cmpLess, cmpGreater, cmpEqual, cmpExpired, cmpNever
	pct    bool     // for termUsage: n is a percentage of max usage
	n      int64    // for termUsage
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

// textTerm prepares a text needle for in.
func textTerm(kind termKind, value string) *term {
	t := &term{kind: kind, needle: value, folded: fold(value)}
	if isASCII(value) {
		// Every rune that folds to an ASCII letter is ASCII itself or longer than one byte,
		// so a match is at least as long as an ASCII needle.
		t.needle, t.ascii, t.minLen = strings.ToLower(value), true, len(value)
		t.ks = strings.ContainsAny(t.needle, "ks")
	} else {
		// Kept as typed: strings.ToLower can change a rune's length ("İ"), while the simple
		// folding in compares rune by rune. A rune can fold to a shorter one ("ſ" to "s"),
		// so the only safe bound is one byte per rune.
		t.minLen = utf8.RuneCountInString(value)
		t.ks = value[0] == 'k' || value[0] == 'K' || value[0] == 's' || value[0] == 'S'
	}
	if c := value[0]; c < utf8.RuneSelf {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		t.swar, t.first = true, ones*uint64(c)
		if c >= 'a' && c <= 'z' {
			t.fold = ones * 0x20
		}
	}
	return t
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

// Word-at-a-time constants: one in every byte, and the top bit of every byte.
const (
	ones = 0x0101010101010101
	high = 0x8080808080808080
)

// inGroups reports whether the name of any of groups contains the term's needle.
func (t *term) inGroups(groups []GroupRef) bool {
	for i := range groups {
		if t.in(groups[i].Name) {
			return true
		}
	}
	return false
}

// in reports whether s contains the term's needle, ignoring case (Unicode simple folding, as
// strings.EqualFold).
//
// Match spends nearly all its time here, so when the needle starts with an ASCII character s
// is read eight bytes at a time (SWAR, SIMD within a register): a zero-byte test on each word
// XOR the needle's first byte finds every place a match could start, and only those are
// compared. Non-ASCII text cannot hold such a start, nor match an ASCII needle at all, except
// for two runes that fold to ASCII letters: U+017F (long s) to "s" and U+212A (Kelvin sign)
// to "k". So ks needles (an ASCII needle holding "k" or "s", or any needle starting with one)
// hand an s that holds non-ASCII bytes over to containsFold.
func (t *term) in(s string) bool {
	if !t.swar {
		return containsFold(s, t.needle)
	}
	last := len(s) - t.minLen // the last offset where a match can start
	if last < 0 {
		return false
	}
	fold, first, ks := t.fold, t.first, t.ks
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := load64(s, i)
		if w&high != 0 && ks {
			return containsFold(s, t.needle)
		}
		// x has a zero byte exactly where w holds the needle's first byte in either case (OR
		// 0x20 lower-cases a letter, and nothing else then equals a lower-case letter).
		x := (w | fold) ^ first
		if m := (x - ones) &^ x & high; m != 0 && t.candidates(s, m, i, last) {
			return true
		}
	}
	if i == len(s) {
		return false
	}
	// The last 1 to 7 bytes: reload the final word and shift out what was read, or, when s
	// is shorter than a word, read it whole.
	var w uint64
	if len(s) >= 8 {
		w = load64(s, len(s)-8) >> (8 * (i + 8 - len(s)))
	} else {
		w = loadShort(s)
	}
	if w&high != 0 && ks {
		return containsFold(s, t.needle)
	}
	x := (w | fold) ^ first
	m := (x - ones) &^ x & high
	return m != 0 && t.candidates(s, m, i, last)
}

// candidates compares the needle with s at each place m marks in the word read from s at
// base. The zero-byte test that made m may also flag a byte just above a real zero, and
// padding or late bytes lie past last; so each mark is checked, and a real one is never lost.
func (t *term) candidates(s string, m uint64, base, last int) bool {
	for ; m != 0; m &= m - 1 {
		if j := base + bits.TrailingZeros64(m)/8; j <= last && t.hasPrefix(s[j:]) {
			return true
		}
	}
	return false
}

// hasPrefix reports whether s starts with the needle, ignoring case.
func (t *term) hasPrefix(s string) bool {
	if t.ascii {
		return hasPrefixLowerASCII(s, t.needle)
	}
	return hasPrefixFold(s, t.needle)
}

// loadShort reads s, shorter than 8 bytes, as a little-endian word padded with zero bytes.
// Certificate and group names are mostly this short, so it loads 4, 2 and 1 bytes rather
// than looping byte by byte.
func loadShort(s string) uint64 {
	var w uint64
	shift := uint(0)
	if len(s) >= 4 {
		w = uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24
		s, shift = s[4:], 32
	}
	if len(s) >= 2 {
		w |= (uint64(s[0]) | uint64(s[1])<<8) << shift
		s, shift = s[2:], shift+16
	}
	if len(s) >= 1 {
		w |= uint64(s[0]) << shift
	}
	return w
}

// load64 reads s[i:i+8] as a little-endian word; the compiler turns it into one load.
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// hasPrefixLowerASCII reports whether s starts with lower, ignoring the case of ASCII letters
// in s; lower is lower-case ASCII and no longer than s.
func hasPrefixLowerASCII(s, lower string) bool {
	for j := 0; j < len(lower); j++ {
		c := s[j]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[j] {
			return false
		}
	}
	return true
}

// containsFold reports whether some substring of s equals needle under Unicode simple case
// folding, the rule strings.EqualFold uses. It is the slow path, for non-ASCII text.
func containsFold(s, needle string) bool {
	for i := 0; i < len(s); {
		if hasPrefixFold(s[i:], needle) {
			return true
		}
		_, n := utf8.DecodeRuneInString(s[i:])
		i += n
	}
	return false
}

// hasPrefixFold reports whether s starts with text that equals prefix under simple folding.
func hasPrefixFold(s, prefix string) bool {
	for prefix != "" {
		if s == "" {
			return false
		}
		pr, pn := utf8.DecodeRuneInString(prefix)
		sr, sn := utf8.DecodeRuneInString(s)
		if !equalFoldRune(pr, sr) {
			return false
		}
		prefix, s = prefix[pn:], s[sn:]
	}
	return true
}

// equalFoldRune reports whether a and b are the same letter in different case: one is
// reachable from the other through unicode.SimpleFold's orbit, as in strings.EqualFold.
func equalFoldRune(a, b rune) bool {
	if a == b {
		return true
	}
	if a < utf8.RuneSelf && b < utf8.RuneSelf {
		if a >= 'A' && a <= 'Z' {
			a += 'a' - 'A'
		}
		if b >= 'A' && b <= 'Z' {
			b += 'a' - 'A'
		}
		return a == b
	}
	if b < a {
		a, b = b, a
	}
	r := unicode.SimpleFold(a)
	for r != a && r < b {
		r = unicode.SimpleFold(r)
	}
	return r == b
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
