// Package foldtext finds text regardless of case, fast enough to run a filter over a million
// keys on every keystroke: a Needle is prepared once and matched against raw strings, a word
// (eight bytes) at a time when it starts with an ASCII character, by Unicode simple folding
// otherwise (strings.EqualFold's rule). It knows nothing of keys; model's filter language
// decides which fields it searches. The word primitives (Load64, Ones, High) are shared with
// the filter Index's scan of folded text.
package foldtext

import (
	"math/bits"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Needle is text to find, prepared once so that In, which runs for every key on every
// keystroke, does no case conversion and no allocation.
type Needle struct {
	text   string // the text to find: lower-case when ascii, as typed otherwise
	ascii  bool   // the text is ASCII: candidates are confirmed byte by byte
	swar   bool   // the text starts with an ASCII rune, so the word-at-a-time search applies
	ks     bool   // see In: non-ASCII text in s needs the Unicode path
	minLen int    // the fewest bytes a match can take in s
	fold   uint64 // 0x20 in every byte when the text starts with a letter, else 0
	first  uint64 // the text's first byte, lower-case, in every byte of a word
}

// NewNeedle prepares value, which is not empty, for In.
func NewNeedle(value string) Needle {
	n := Needle{text: value}
	if isASCII(value) {
		// Every rune that folds to an ASCII letter is ASCII itself or longer than one byte,
		// so a match is at least as long as an ASCII needle.
		n.text, n.ascii, n.minLen = strings.ToLower(value), true, len(value)
		n.ks = strings.ContainsAny(n.text, "ks")
	} else {
		// Kept as typed: strings.ToLower can change a rune's length ("İ"), while the simple
		// folding in compares rune by rune. A rune can fold to a shorter one ("ſ" to "s"),
		// so the only safe bound is one byte per rune.
		n.minLen = utf8.RuneCountInString(value)
		n.ks = value[0] == 'k' || value[0] == 'K' || value[0] == 's' || value[0] == 'S'
	}
	if c := value[0]; c < utf8.RuneSelf {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		n.swar, n.first = true, Ones*uint64(c)
		if c >= 'a' && c <= 'z' {
			n.fold = Ones * 0x20
		}
	}
	return n
}

// Word-at-a-time constants: one in every byte, and the top bit of every byte.
const (
	Ones = 0x0101010101010101
	High = 0x8080808080808080
)

// In reports whether s contains the needle, ignoring case (Unicode simple folding, as
// strings.EqualFold).
//
// A filter spends nearly all its time here, so when the needle starts with an ASCII character s
// is read eight bytes at a time (SWAR, SIMD within a register): a zero-byte test on each word
// XOR the needle's first byte finds every place a match could start, and only those are
// compared. Non-ASCII text cannot hold such a start, nor match an ASCII needle at all, except
// for two runes that fold to ASCII letters: U+017F (long s) to "s" and U+212A (Kelvin sign)
// to "k". So ks needles (an ASCII needle holding "k" or "s", or any needle starting with one)
// hand an s that holds non-ASCII bytes over to containsFold.
func (n *Needle) In(s string) bool {
	if !n.swar {
		return containsFold(s, n.text)
	}
	last := len(s) - n.minLen // the last offset where a match can start
	if last < 0 {
		return false
	}
	fold, first, ks := n.fold, n.first, n.ks
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := Load64(s, i)
		if w&High != 0 && ks {
			return containsFold(s, n.text)
		}
		// x has a zero byte exactly where w holds the needle's first byte in either case (OR
		// 0x20 lower-cases a letter, and nothing else then equals a lower-case letter).
		x := (w | fold) ^ first
		if m := (x - Ones) &^ x & High; m != 0 && n.candidates(s, m, i, last) {
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
		w = Load64(s, len(s)-8) >> (8 * (i + 8 - len(s)))
	} else {
		w = loadShort(s)
	}
	if w&High != 0 && ks {
		return containsFold(s, n.text)
	}
	x := (w | fold) ^ first
	m := (x - Ones) &^ x & High
	return m != 0 && n.candidates(s, m, i, last)
}

// candidates compares the needle with s at each place m marks in the word read from s at
// base. The zero-byte test that made m may also flag a byte just above a real zero, and
// padding or late bytes lie past last; so each mark is checked, and a real one is never lost.
func (n *Needle) candidates(s string, m uint64, base, last int) bool {
	for ; m != 0; m &= m - 1 {
		if j := base + bits.TrailingZeros64(m)/8; j <= last && n.hasPrefix(s[j:]) {
			return true
		}
	}
	return false
}

// hasPrefix reports whether s starts with the needle, ignoring case.
func (n *Needle) hasPrefix(s string) bool {
	if n.ascii {
		return hasPrefixLowerASCII(s, n.text)
	}
	return hasPrefixFold(s, n.text)
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

// Load64 reads s[i:i+8] as a little-endian word; the compiler turns it into one load.
func Load64(s string, i int) uint64 {
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
