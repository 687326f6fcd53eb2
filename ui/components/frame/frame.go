// Package frame is the dashboard's root model around its pages: the title and tabs, the
// status line, the help footer and the poll that tells every page when the store changed.
// It sends key presses to the active page and every other message to all pages.
package frame

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/theme"
)

// Smallest terminal the dashboard draws into; below it, it says so instead.
const (
	minWidth  = 60
	minHeight = 12
)

// app is the root model: title and tabs, the active page, one status line and the help footer.
type Model struct {
	env    *ui.Env
	keys   globalKeyMap
	help   help.Model
	pages  []ui.Page
	active int

	width, height int

	status     string
	statusKind ui.StatusKind
	// unavailable is true while the store cannot be reached (store.ErrUnavailable).
	unavailable bool
	statusID    int

	version   int64
	versioned bool // version holds a first reading
}

// newApp builds the frame around pages, the first one active.
func New(e *ui.Env, pages ...ui.Page) *Model {
	h := help.New()
	h.Styles = e.Styles.HelpStyles
	return &Model{env: e, keys: defaultGlobalKeyMap(), help: h, pages: pages}
}

// Init reads the store's data version, then starts every page's first load. The order
// matters: a change committed after the reading but before a load is caught by the next
// poll, whereas reading the version after the loads could take in a change they missed.
func (a *Model) Init() tea.Cmd {
	loads := make([]tea.Cmd, 0, len(a.pages))
	for _, p := range a.pages {
		loads = append(loads, p.Init())
	}
	return tea.Sequence(pollVersion(a.env.Store), tea.Batch(loads...))
}

func (a *Model) pollTick() tea.Cmd {
	return a.env.After(a.env.Opts.PollInterval, PollMsg{})
}

// Update routes msg: keys to the active page (after the root's own), results to all pages.
func (a *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.width, a.height = msg.Width, msg.Height
		return a, a.resizePages()
	case tea.KeyPressMsg:
		return a, a.handleKey(msg)
	case tea.PasteMsg:
		return a, a.pages[a.active].Update(msg)
	case ui.StatusMsg:
		a.statusID++
		a.status, a.statusKind = model.Sanitize(msg.Text), msg.Kind
		after := statusClearAfter
		if msg.Kind == ui.StatusErr {
			after = errorClearAfter
		}
		id := a.statusID
		return a, a.env.After(after, clearStatusMsg{id: id})
	case ui.ClearStatusMsg:
		if a.status == model.Sanitize(msg.Text) {
			a.status = ""
		}
		return a, nil
	case clearStatusMsg:
		if msg.id == a.statusID {
			a.status = ""
		}
		return a, nil
	case ui.ActorChangedMsg:
		return a, a.changeActor(msg)
	case PollMsg:
		return a, pollVersion(a.env.Store)
	case dataVersionMsg:
		return a, a.versionRead(msg)
	case ui.OpenMsg:
		return a, a.open(msg)
	}
	return a, a.broadcast(msg)
}

// broadcast sends msg to every page.
func (a *Model) broadcast(msg tea.Msg) tea.Cmd {
	cmds := make([]tea.Cmd, 0, len(a.pages))
	for _, p := range a.pages {
		cmds = append(cmds, p.Update(msg))
	}
	return tea.Batch(cmds...)
}

// handleKey applies the root's keys unless the page is taking text, then hands over.
func (a *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
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
func (a *Model) resizePages() tea.Cmd {
	w, h := a.pageSize()
	return a.broadcast(ui.PageSizeMsg{Width: w, Height: h})
}

// pageSize is the page area: everything but the top line, the status line and the help.
func (a *Model) pageSize() (int, int) {
	return a.width, max(0, a.height-2-a.helpHeight())
}

// helpHeight is how many lines the footer takes: one, or the full help capped at a third
// of the screen.
func (a *Model) helpHeight() int {
	if !a.help.ShowAll {
		return 1
	}
	return min(max(1, a.height/3), a.fullHelpLines())
}

func (a *Model) fullHelpLines() int {
	n := len(a.globalHelp())
	for _, col := range a.pages[a.active].FullHelp() {
		n = max(n, len(col))
	}
	return max(1, n)
}

// tooSmall is true below the smallest size the dashboard can draw.
func (a *Model) tooSmall() bool { return a.width < minWidth || a.height < minHeight }

// View draws the whole screen, or a "too small" notice.
func (a *Model) View() tea.View {
	v := tea.NewView(theme.Inert(a.render()))
	v.AltScreen = true
	return v
}

func (a *Model) render() string {
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
func (a *Model) topLine(w int) string {
	sty := a.env.Styles
	parts := []string{sty.Title.Render("provkeys")}
	for i, p := range a.pages {
		if i == a.active {
			parts = append(parts, sty.ActiveTab.Render("["+p.Title()+"]"))
		} else {
			parts = append(parts, sty.Tab.Render(" "+p.Title()+" "))
		}
	}
	left := strings.Join(parts, " ")
	who := model.Sanitize(a.env.Actor.Name)
	if who == "" {
		who = "unknown"
	}
	right := sty.Who.Render(fmt.Sprintf("%s (%s)", who, model.Sanitize(string(a.env.Actor.Role))))
	gap := w - ansi.StringWidth(left) - ansi.StringWidth(right)
	if gap < 1 {
		return theme.FitLine(left, w)
	}
	return left + strings.Repeat(" ", gap) + right
}

// statusLine shows the latest message with a glyph for its kind, so it is clear without colour.
func (a *Model) statusLine() string {
	if a.status == "" {
		return ""
	}
	sty := a.env.Styles
	switch a.statusKind {
	case ui.StatusErr:
		return sty.Error.Render("✗ " + a.status)
	case ui.StatusOK:
		return sty.Success.Render("✓ " + a.status)
	}
	return sty.Status.Render("• " + a.status)
}

// footer is the help: the page's bindings and the root's, short or full.
func (a *Model) footer(w int) string {
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

func (a *Model) globalHelp() []key.Binding {
	if a.pages[a.active].Capturing() {
		return []key.Binding{a.keys.ForceQuit}
	}
	return []key.Binding{a.keys.Next, a.keys.Prev, a.keys.Help, a.keys.Quit, a.keys.ForceQuit}
}

// Status is the status line's text, without its glyph.
func (a *Model) Status() string { return a.status }

// StatusKind is how the status line's message is marked.
func (a *Model) StatusKind() ui.StatusKind { return a.statusKind }

// StatusLine is the status line as drawn.
func (a *Model) StatusLine() string { return a.statusLine() }

// Active is the index of the page whose tab is selected.
func (a *Model) Active() int { return a.active }

// ActivePage is the page whose tab is selected.
func (a *Model) ActivePage() ui.Page { return a.pages[a.active] }

// Page is the i-th page, in tab order.
func (a *Model) Page(i int) ui.Page { return a.pages[i] }

// Env is what the frame's pages share.
func (a *Model) Env() *ui.Env { return a.env }

// open switches to the page msg names, then lets every page see msg: the one it names
// applies its filter.
func (a *Model) open(msg ui.OpenMsg) tea.Cmd {
	for i, p := range a.pages {
		if p.Title() == msg.Page {
			a.active = i
			return tea.Batch(a.resizePages(), a.broadcast(msg))
		}
	}
	return ui.SetStatus(ui.StatusErr, "There is no "+msg.Page+" view in this dashboard.")
}
