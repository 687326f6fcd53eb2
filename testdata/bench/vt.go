package main

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// screen is a small terminal emulator: enough of xterm to follow what Bubble Tea's renderer
// writes (cursor moves, erases, repeats, scroll regions, wide characters) and answer "what
// does the screen show now". Colours and modes are ignored; of the attributes only inverse
// video is kept, because it is how a text field draws its cursor (the dashboard's filter bar). It lets the suite tell when a
// frame is complete, which the raw byte stream cannot: the renderer only rewrites the cells
// that changed, so "100000 of 100000 keys" may arrive as "100000 of 10000" plus cells that
// were already there.
type screen struct {
	w, h       int
	cells      [][]rune // 0 marks the right half of a wide character
	inverse    [][]bool // cells drawn in inverse video
	inv        bool     // the pen draws in inverse video
	x, y       int
	pending    bool // the last column was written: the next printable wraps first
	top, bot   int  // scroll region, inclusive
	sx, sy     int  // saved cursor
	last       rune // for REP
	state      int
	params     []byte
	utf        []byte
	escIntermd bool
}

const (
	stGround = iota
	stEsc
	stCSI
	stString // OSC, DCS, APC, PM, SOS: skipped up to BEL or ST
	stStringEsc
	stEscSkip // one more byte after ESC ( and friends
)

func newScreen(w, h int) *screen {
	s := &screen{w: w, h: h, bot: h - 1}
	s.cells = make([][]rune, h)
	s.inverse = make([][]bool, h)
	for i := range s.cells {
		s.cells[i], s.inverse[i] = blank(w), make([]bool, w)
	}
	return s
}

// clearCells blanks cells lo..hi-1 of row y.
func (s *screen) clearCells(y, lo, hi int) {
	for i := lo; i < hi; i++ {
		s.cells[y][i], s.inverse[y][i] = ' ', false
	}
}

// clearRow blanks row y.
func (s *screen) clearRow(y int) { s.clearCells(y, 0, s.w) }

// inverseAt is the first column of row y drawn in inverse video, or -1.
func (s *screen) inverseAt(y int) int {
	for x, on := range s.inverse[y] {
		if on {
			return x
		}
	}
	return -1
}

// sgr follows the inverse-video attribute through a Select Graphic Rendition sequence,
// stepping over the arguments of extended colours.
func (s *screen) sgr(args []int) {
	if len(args) == 0 {
		s.inv = false
	}
	for i := 0; i < len(args); i++ {
		switch a := args[i]; a {
		case 0:
			s.inv = false
		case 7:
			s.inv = true
		case 27:
			s.inv = false
		case 38, 48, 58:
			if i+1 < len(args) && args[i+1] == 5 {
				i += 2
			} else if i+1 < len(args) && args[i+1] == 2 {
				i += 4
			}
		}
	}
}

func blank(w int) []rune {
	r := make([]rune, w)
	for i := range r {
		r[i] = ' '
	}
	return r
}

// Write feeds terminal output; sequences may be split between writes.
func (s *screen) Write(p []byte) (int, error) {
	for _, b := range p {
		s.feed(b)
	}
	return len(p), nil
}

func (s *screen) feed(b byte) {
	switch s.state {
	case stGround:
		switch {
		case len(s.utf) > 0 || b >= 0x80:
			s.utf = append(s.utf, b)
			if utf8.FullRune(s.utf) {
				r, _ := utf8.DecodeRune(s.utf)
				s.utf = s.utf[:0]
				s.print(r)
			}
		case b == 0x1b:
			s.state = stEsc
		case b == '\r':
			s.x, s.pending = 0, false
		case b == '\n', b == 0x0b, b == 0x0c:
			s.lineFeed()
		case b == '\b':
			if s.x > 0 {
				s.x--
			}
			s.pending = false
		case b == '\t':
			s.x = min(s.w-1, (s.x/8+1)*8)
			s.pending = false
		case b >= 0x20 && b < 0x7f:
			s.print(rune(b))
		}
	case stEsc:
		s.state = stGround
		switch b {
		case '[':
			s.state, s.params = stCSI, s.params[:0]
		case ']', 'P', '_', '^', 'X':
			s.state = stString
		case '(', ')', '*', '+', '#', ' ', '%':
			s.state = stEscSkip
		case '7':
			s.sx, s.sy = s.x, s.y
		case '8':
			s.x, s.y, s.pending = s.sx, s.sy, false
		case 'M':
			if s.y == s.top {
				s.scrollDown(1)
			} else if s.y > 0 {
				s.y--
			}
		case 'D':
			s.lineFeed()
		case 'E':
			s.x = 0
			s.lineFeed()
		case 'c':
			*s = *newScreen(s.w, s.h)
		}
	case stEscSkip:
		s.state = stGround
	case stCSI:
		if b >= 0x40 && b <= 0x7e {
			s.state = stGround
			s.csi(b)
			return
		}
		s.params = append(s.params, b)
	case stString:
		switch b {
		case 0x07:
			s.state = stGround
		case 0x1b:
			s.state = stStringEsc
		}
	case stStringEsc:
		if b == '\\' {
			s.state = stGround
		} else {
			s.state = stString
		}
	}
}

// print writes r at the cursor, wrapping first when the last write filled the line.
func (s *screen) print(r rune) {
	w := ansi.StringWidth(string(r))
	if w == 0 {
		return // combining marks and the like: not needed for our checks
	}
	if s.pending || s.x+w > s.w {
		s.x = 0
		s.lineFeed()
		s.pending = false
	}
	row, inv := s.cells[s.y], s.inverse[s.y]
	row[s.x], inv[s.x] = r, s.inv
	if w == 2 && s.x+1 < s.w {
		row[s.x+1], inv[s.x+1] = 0, s.inv
	}
	s.last = r
	if s.x+w >= s.w {
		s.x = s.w - 1
		s.pending = true
	} else {
		s.x += w
	}
}

func (s *screen) lineFeed() {
	s.pending = false
	if s.y == s.bot {
		s.scrollUp(1)
	} else if s.y < s.h-1 {
		s.y++
	}
}

func (s *screen) scrollUp(n int) {
	for range n {
		copy(s.cells[s.top:s.bot], s.cells[s.top+1:s.bot+1])
		copy(s.inverse[s.top:s.bot], s.inverse[s.top+1:s.bot+1])
		s.cells[s.bot], s.inverse[s.bot] = blank(s.w), make([]bool, s.w)
	}
}

func (s *screen) scrollDown(n int) {
	for range n {
		copy(s.cells[s.top+1:s.bot+1], s.cells[s.top:s.bot])
		copy(s.inverse[s.top+1:s.bot+1], s.inverse[s.top:s.bot])
		s.cells[s.top], s.inverse[s.top] = blank(s.w), make([]bool, s.w)
	}
}

// csi runs one control sequence; private ones (?, >, <, =) only set modes and are ignored.
func (s *screen) csi(final byte) {
	p := string(s.params)
	if p != "" && strings.ContainsAny(p[:1], "?><=") || strings.ContainsAny(p, "$ '\"") {
		return
	}
	var args []int
	for _, f := range strings.Split(p, ";") {
		f, _, _ = strings.Cut(f, ":")
		n, _ := strconv.Atoi(f)
		args = append(args, n)
	}
	arg := func(i, def int) int {
		if i < len(args) && args[i] > 0 {
			return args[i]
		}
		return def
	}
	clampX := func(x int) int { return min(max(x, 0), s.w-1) }
	clampY := func(y int) int { return min(max(y, 0), s.h-1) }
	s.pending = false
	switch final {
	case 'H', 'f':
		s.y, s.x = clampY(arg(0, 1)-1), clampX(arg(1, 1)-1)
	case 'A':
		s.y = clampY(s.y - arg(0, 1))
	case 'B', 'e':
		s.y = clampY(s.y + arg(0, 1))
	case 'C', 'a':
		s.x = clampX(s.x + arg(0, 1))
	case 'D':
		s.x = clampX(s.x - arg(0, 1))
	case 'E':
		s.x, s.y = 0, clampY(s.y+arg(0, 1))
	case 'F':
		s.x, s.y = 0, clampY(s.y-arg(0, 1))
	case 'G', '`':
		s.x = clampX(arg(0, 1) - 1)
	case 'd':
		s.y = clampY(arg(0, 1) - 1)
	case 'm':
		s.sgr(args)
	case 'K':
		lo, hi := s.x, s.w
		switch arg(0, 0) {
		case 1:
			lo, hi = 0, s.x+1
		case 2:
			lo = 0
		}
		s.clearCells(s.y, lo, hi)
	case 'J':
		switch arg(0, 0) {
		case 0:
			s.clearCells(s.y, s.x, s.w)
			for y := s.y + 1; y < s.h; y++ {
				s.clearRow(y)
			}
		case 1:
			for y := 0; y < s.y; y++ {
				s.clearRow(y)
			}
			s.clearCells(s.y, 0, s.x+1)
		default:
			for y := range s.cells {
				s.clearRow(y)
			}
		}
	case 'X':
		s.clearCells(s.y, s.x, min(s.w, s.x+arg(0, 1)))
	case 'b':
		for range arg(0, 1) {
			s.print(s.last)
		}
	case '@':
		row, inv, n := s.cells[s.y], s.inverse[s.y], min(arg(0, 1), s.w-s.x)
		copy(row[s.x+n:], row[s.x:s.w-n])
		copy(inv[s.x+n:], inv[s.x:s.w-n])
		s.clearCells(s.y, s.x, s.x+n)
	case 'P':
		row, inv, n := s.cells[s.y], s.inverse[s.y], min(arg(0, 1), s.w-s.x)
		copy(row[s.x:], row[s.x+n:])
		copy(inv[s.x:], inv[s.x+n:])
		s.clearCells(s.y, s.w-n, s.w)
	case 'L', 'M':
		if s.y < s.top || s.y > s.bot {
			return
		}
		top := s.top
		s.top = s.y
		if final == 'L' {
			s.scrollDown(arg(0, 1))
		} else {
			s.scrollUp(arg(0, 1))
		}
		s.top = top
		s.x = 0
	case 'S':
		s.scrollUp(arg(0, 1))
	case 'T':
		s.scrollDown(arg(0, 1))
	case 'r':
		s.top, s.bot = clampY(arg(0, 1)-1), clampY(arg(1, s.h)-1)
		if s.top >= s.bot {
			s.top, s.bot = 0, s.h-1
		}
		s.x, s.y = 0, 0
	case 's':
		s.sx, s.sy = s.x, s.y
	case 'u':
		s.x, s.y = s.sx, s.sy
	}
}

// line is row y as text, trailing blanks trimmed.
func (s *screen) line(y int) string {
	var b strings.Builder
	for _, r := range s.cells[y] {
		if r != 0 {
			b.WriteRune(r)
		}
	}
	return strings.TrimRight(b.String(), " ")
}

// text is the whole screen, one line per row.
func (s *screen) text() string {
	lines := make([]string, s.h)
	for y := range lines {
		lines[y] = s.line(y)
	}
	return strings.Join(lines, "\n")
}

// find is the first row holding sub, or -1.
func (s *screen) find(sub string) int {
	for y := range s.cells {
		if strings.Contains(s.line(y), sub) {
			return y
		}
	}
	return -1
}
