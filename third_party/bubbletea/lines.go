package tea

import (
	"strings"

	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
)

// provkeys patch: a full-screen frame writes only the lines whose text changed, each as it is.
//
// Upstream clears a cell buffer and parses the whole view into it on every frame, then its
// terminal renderer compares every cell of the screen with what it wrote last, converts the
// style of each to the terminal's colour profile and writes the cells that differ. A keystroke
// in a filter bar changes most rows of the table, and that work was most of the keystroke's
// time (1 ms of 1.5 at 100,000 keys). The text of a line already says what the terminal must
// show: a changed line is written whole (a cursor move, the line, an erase to its end), as
// Bubble Tea v1 did, and an unchanged one costs a string comparison.
//
// A line can be written alone only when nothing carries over from the line above it: the
// cell parser keeps the SGR style (and an OSC 8 link) across a newline, and a terminal keeps
// its pen. So the line path is taken only when every line of the frame leaves the style reset
// (lipgloss ends every styled run with a reset), holds no other control character and fits
// the width. Its colours go to the terminal as written, so it is taken only where the
// renderer would not change them: on a 256-colour terminal, lines without 24-bit colours; on
// a true-colour one, any. Any other frame goes the upstream way, which first repaints the
// whole screen when the line path wrote the last one (the terminal renderer's picture of the
// screen is then out of date).

// frameLines splits content into the lines of a frame, reusing dst, and reports whether each
// line can be written on its own to a terminal of the given profile (see above; widths are
// checked when written).
func frameLines(content string, dst []string, p colorprofile.Profile) ([]string, bool) {
	if p != colorprofile.TrueColor && p != colorprofile.ANSI256 {
		return dst[:0], false
	}
	dst = dst[:0]
	for {
		line, rest, more := strings.Cut(content, "\n")
		line = strings.TrimSuffix(line, "\r")
		if !selfContained(line, p == colorprofile.TrueColor) {
			return dst, false
		}
		dst = append(dst, line)
		if !more {
			return dst, true
		}
		content = rest
	}
}

// selfContained reports whether a line that starts in the default style ends in it (its last
// SGR sequence, if any, is a full reset) and holds no control character but the escape
// sequences of SGR and other CSIs (which the cell parser drops), and no 24-bit colour unless
// truecolor.
func selfContained(line string, truecolor bool) bool {
	clean := true
	for i := 0; i < len(line); i++ {
		c := line[i]
		if c >= 0x20 && c != 0x7f {
			continue
		}
		if c != 0x1b || i+1 == len(line) || line[i+1] != '[' {
			return false // a control character, an OSC or another escape
		}
		// A CSI: parameter and intermediate bytes, then one final byte in 0x40–0x7e.
		j := i + 2
		for j < len(line) && (line[j] < 0x40 || line[j] > 0x7e) {
			j++
		}
		if j == len(line) {
			return false
		}
		if line[j] == 'm' {
			params := line[i+2 : j]
			if !truecolor && has24BitColour(params) {
				return false
			}
			clean = params == "" || params == "0"
		}
		i = j
	}
	return clean
}

// has24BitColour reports whether SGR parameters set a colour by its red, green and blue
// (38;2;r;g;b, or 38:2:… and likewise 48 and 58).
func has24BitColour(params string) bool {
	for _, intro := range []string{"38", "48", "58"} {
		for rest := params; ; {
			i := strings.Index(rest, intro)
			if i < 0 {
				break
			}
			after := rest[i+len(intro):]
			if (i == 0 || rest[i-1] == ';') && len(after) >= 2 && (after[0] == ';' || after[0] == ':') && after[1] == '2' {
				return true
			}
			rest = after
		}
	}
	return false
}

// writeChangedLines writes to the terminal the lines of a full-screen frame that differ from
// the frame on screen (s.lastLines); a row past the end of the frame is erased. It writes
// nothing and returns false when a changed line is wider than the screen.
func (s *cursedRenderer) writeChangedLines(lines []string) bool {
	rows := max(len(lines), len(s.lastLines))
	s.widths = s.widths[:0]
	for y := range rows {
		w := -1 // unchanged
		if line, changed := s.changedLine(lines, y); changed {
			if w = s.cellbuf.Method.StringWidth(line); w > s.width {
				return false
			}
		}
		s.widths = append(s.widths, w)
	}
	wrote := false
	for y, w := range s.widths {
		if w < 0 {
			continue
		}
		line, _ := s.changedLine(lines, y)
		_, _ = s.scr.WriteString(ansi.CursorPosition(1, y+1))
		_, _ = s.scr.WriteString(line)
		if w < s.width {
			// Not at the last column: there an erase would take the line's last cell.
			_, _ = s.scr.WriteString(ansi.EraseLineRight)
		}
		wrote = true
	}
	if wrote {
		// The terminal renderer places the text cursor after this; tell it where it is.
		_, _ = s.scr.WriteString(ansi.CursorHomePosition)
		s.scr.SetPosition(0, 0)
	}
	return true
}

// changedLine is row y of a frame of lines and whether it differs from the frame on screen.
func (s *cursedRenderer) changedLine(lines []string, y int) (line string, changed bool) {
	var last string
	if y < len(lines) {
		line = lines[y]
	}
	if y < len(s.lastLines) {
		last = s.lastLines[y]
	}
	return line, line != last
}
