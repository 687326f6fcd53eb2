package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"provkeys/model"
	"provkeys/ui/theme"
)

// Smallest terminal the dashboard draws into; below it, it says so instead.
const (
	minWidth  = 60
	minHeight = 12
)

// page is one view of the dashboard. The root sends key presses to the active page only and
// every other message to all pages, so a load that finishes while its page is hidden still
// lands. Pages have pointer receivers: Update changes the page in place.
type page interface {
	// Title is the tab caption.
	Title() string
	// Init starts the page's first load.
	Init() tea.Cmd
	// Update handles one message.
	Update(msg tea.Msg) tea.Cmd
	// View renders the page into exactly width×height cells (or fewer lines).
	View(width, height int) string
	// Capturing is true while the page takes typed text or a y/n answer, so the root's own
	// keys (q, tab, ?) go to the page instead.
	Capturing() bool
	// ShortHelp and FullHelp are the page's enabled bindings, for the footer.
	ShortHelp() []key.Binding
	FullHelp() [][]key.Binding
}

// app is the root model: title and tabs, the active page, one status line and the help footer.
type app struct {
	env    *env
	keys   globalKeyMap
	help   help.Model
	pages  []page
	active int

	width, height int

	status     string
	statusKind statusKind
	// unavailable is true while the store cannot be reached (store.ErrUnavailable).
	unavailable bool
	statusID    int

	version   int64
	versioned bool // version holds a first reading
}

// newApp builds the root with its four views.
func newApp(e *env) *app {
	h := help.New()
	h.Styles = e.styles.HelpStyles
	return &app{
		env:  e,
		keys: defaultGlobalKeyMap(),
		help: h,
		pages: []page{
			newKeysPage(e),
			newGroupsPage(e),
			newCertsPage(e),
			newAuditPage(e),
		},
	}
}

// Init reads the store's data version, then starts every page's first load. The order
// matters: a change committed after the reading but before a load is caught by the next
// poll, whereas reading the version after the loads could take in a change they missed.
func (a *app) Init() tea.Cmd {
	loads := make([]tea.Cmd, 0, len(a.pages))
	for _, p := range a.pages {
		loads = append(loads, p.Init())
	}
	return tea.Sequence(pollVersion(a.env.store), tea.Batch(loads...))
}

func (a *app) pollTick() tea.Cmd {
	return a.env.after(a.env.opts.PollInterval, pollMsg{})
}

// Update routes msg: keys to the active page (after the root's own), results to all pages.
func (a *app) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.width, a.height = msg.Width, msg.Height
		return a, a.resizePages()
	case tea.KeyPressMsg:
		return a, a.handleKey(msg)
	case tea.PasteMsg:
		return a, a.pages[a.active].Update(msg)
	case statusMsg:
		a.statusID++
		a.status, a.statusKind = model.Sanitize(msg.text), msg.kind
		after := statusClearAfter
		if msg.kind == statusErr {
			after = errorClearAfter
		}
		id := a.statusID
		return a, a.env.after(after, clearStatusMsg{id: id})
	case clearStatusMsg:
		if msg.id == a.statusID {
			a.status = ""
		}
		return a, nil
	case ActorChangedMsg:
		return a, a.changeActor(msg)
	case pollMsg:
		return a, pollVersion(a.env.store)
	case dataVersionMsg:
		return a, a.versionRead(msg)
	}
	return a, a.broadcast(msg)
}

// broadcast sends msg to every page.
func (a *app) broadcast(msg tea.Msg) tea.Cmd {
	cmds := make([]tea.Cmd, 0, len(a.pages))
	for _, p := range a.pages {
		cmds = append(cmds, p.Update(msg))
	}
	return tea.Batch(cmds...)
}

// handleKey applies the root's keys unless the page is taking text, then hands over.
func (a *app) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	if key.Matches(msg, a.keys.ForceQuit) {
		return tea.Quit
	}
	p := a.pages[a.active]
	if a.tooSmall() {
		// Nothing the keys would change can be seen: only quitting acts.
		if !p.Capturing() && key.Matches(msg, a.keys.Quit) {
			return tea.Quit
		}
		return nil
	}
	if !p.Capturing() {
		switch {
		case key.Matches(msg, a.keys.Quit):
			return tea.Quit
		case key.Matches(msg, a.keys.Next):
			a.active = (a.active + 1) % len(a.pages)
			return a.resizePages()
		case key.Matches(msg, a.keys.Prev):
			a.active = (a.active + len(a.pages) - 1) % len(a.pages)
			return a.resizePages()
		case key.Matches(msg, a.keys.Help):
			a.help.ShowAll = !a.help.ShowAll
			return a.resizePages()
		}
	}
	return p.Update(msg)
}

// resizePages tells every page how much room it has now.
func (a *app) resizePages() tea.Cmd {
	w, h := a.pageSize()
	return a.broadcast(pageSizeMsg{width: w, height: h})
}

// pageSize is the page area: everything but the top line, the status line and the help.
func (a *app) pageSize() (int, int) {
	return a.width, max(0, a.height-2-a.helpHeight())
}

// helpHeight is how many lines the footer takes: one, or the full help capped at a third
// of the screen.
func (a *app) helpHeight() int {
	if !a.help.ShowAll {
		return 1
	}
	return min(max(1, a.height/3), a.fullHelpLines())
}

func (a *app) fullHelpLines() int {
	n := len(a.globalHelp())
	for _, col := range a.pages[a.active].FullHelp() {
		n = max(n, len(col))
	}
	return max(1, n)
}

// tooSmall is true below the smallest size the dashboard can draw.
func (a *app) tooSmall() bool { return a.width < minWidth || a.height < minHeight }

// View draws the whole screen, or a "too small" notice.
func (a *app) View() tea.View {
	v := tea.NewView(theme.Inert(a.render()))
	v.AltScreen = true
	return v
}

func (a *app) render() string {
	w, h := a.width, a.height
	if w <= 0 || h <= 0 {
		return ""
	}
	if a.tooSmall() {
		msg := fmt.Sprintf("terminal too small (need %d×%d, have %d×%d)", minWidth, minHeight, w, h)
		return theme.FitBlock(ansi.Wordwrap(msg, w, " "), w, h)
	}
	pw, ph := a.pageSize()
	var b strings.Builder
	b.WriteString(a.topLine(w))
	b.WriteByte('\n')
	b.WriteString(theme.FitBlock(a.pages[a.active].View(pw, ph), pw, ph))
	b.WriteByte('\n')
	b.WriteString(theme.FitLine(a.statusLine(), w))
	b.WriteByte('\n')
	b.WriteString(theme.FitBlock(a.footer(w), w, a.helpHeight()))
	return b.String()
}

// topLine is the product name, the view tabs and who is acting.
func (a *app) topLine(w int) string {
	sty := a.env.styles
	parts := []string{sty.Title.Render("provkeys")}
	for i, p := range a.pages {
		if i == a.active {
			parts = append(parts, sty.ActiveTab.Render("["+p.Title()+"]"))
		} else {
			parts = append(parts, sty.Tab.Render(" "+p.Title()+" "))
		}
	}
	left := strings.Join(parts, " ")
	who := model.Sanitize(a.env.actor.Name)
	if who == "" {
		who = "unknown"
	}
	right := sty.Who.Render(fmt.Sprintf("%s (%s)", who, model.Sanitize(string(a.env.actor.Role))))
	gap := w - ansi.StringWidth(left) - ansi.StringWidth(right)
	if gap < 1 {
		return theme.FitLine(left, w)
	}
	return left + strings.Repeat(" ", gap) + right
}

// statusLine shows the latest message with a glyph for its kind, so it is clear without colour.
func (a *app) statusLine() string {
	if a.status == "" {
		return ""
	}
	sty := a.env.styles
	switch a.statusKind {
	case statusErr:
		return sty.Error.Render("✗ " + a.status)
	case statusOK:
		return sty.Success.Render("✓ " + a.status)
	}
	return sty.Status.Render("• " + a.status)
}

// footer is the help: the page's bindings and the root's, short or full.
func (a *app) footer(w int) string {
	a.help.SetWidth(w)
	p := a.pages[a.active]
	if a.help.ShowAll {
		cols := append(p.FullHelp(), a.globalHelp())
		return a.help.FullHelpView(cols)
	}
	short := append([]key.Binding{}, p.ShortHelp()...)
	if !p.Capturing() {
		short = append(short, a.keys.Help, a.keys.Quit)
	}
	return a.help.ShortHelpView(short)
}

func (a *app) globalHelp() []key.Binding {
	if a.pages[a.active].Capturing() {
		return []key.Binding{a.keys.ForceQuit}
	}
	return []key.Binding{a.keys.Next, a.keys.Prev, a.keys.Help, a.keys.Quit, a.keys.ForceQuit}
}
