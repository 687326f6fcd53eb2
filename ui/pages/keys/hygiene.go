package keys

import (
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui"
)

// hygienePart is one count of the summary under the title: what needs attention, and the
// built-in filter that shows it.
type hygienePart struct {
	short  string // the jump key's help: "expiring"
	label  string // after the count: "expiring in 30 d"
	filter string // the name of its built-in filter (model.BuiltinFilters)
}

// hygieneParts are the summary's counts, in order; key 1 jumps to the first, and so on.
var hygieneParts = [...]hygienePart{
	{short: "expiring", label: "expiring in 30 d", filter: "Expiring in 30 days"},
	{short: "exhausted", label: "exhausted", filter: "Exhausted"},
	{short: "never used", label: "never used", filter: "Never used"},
}

// builtinExpr is the expression of the built-in filter named name.
func builtinExpr(name string) string {
	for _, b := range model.BuiltinFilters() {
		if b.Name == name {
			return b.Expr
		}
	}
	return ""
}

// countHygiene counts the summary's parts over the loaded keys with the filter index: a
// pass over compact arrays per part, once per load (not per frame).
func (p *keysPage) countHygiene() {
	p.hygiene = [len(hygieneParts)]int{}
	if p.set.Len() == 0 {
		return
	}
	now := p.env.Now()
	for i, h := range hygieneParts {
		f, err := model.ParseFilter(builtinExpr(h.filter))
		if err != nil {
			continue
		}
		p.hygiene[i] = p.set.Count(f, now)
	}
}

// hygieneLine is the summary: "4 expiring in 30 d · 2 exhausted · 17 never used", each part
// with the key that jumps to its filter.
func (p *keysPage) hygieneLine(width int) string {
	sty := &p.env.Styles
	if p.summaryLines() == 0 {
		return ""
	}
	parts := make([]string, len(hygieneParts))
	for i, h := range hygieneParts {
		parts[i] = "[" + strconv.Itoa(i+1) + "] " + strconv.Itoa(p.hygiene[i]) + " " + h.label
	}
	return sty.Faint.Render(strings.Join(parts, " · "))
}

// jumpTo applies the built-in filter of summary part i.
func (p *keysPage) jumpTo(i int) tea.Cmd {
	h := hygieneParts[i]
	p.setFilter(builtinExpr(h.filter))
	return ui.Statusf("Showing %s (%s); esc clears the filter.", h.filter, builtinExpr(h.filter))
}

// summaryLines is 1 while the summary is drawn: over the table (or the filter being typed),
// once keys are loaded, when the page has room.
func (p *keysPage) summaryLines() int {
	if !p.overTable() || !p.loaded || p.set.Len() == 0 || p.height <= 3 {
		return 0
	}
	return 1
}

// overTable is true while the table shows: nothing on top, or only the filter being typed.
func (p *keysPage) overTable() bool {
	o := p.onTop()
	if o == nil {
		return true
	}
	_, typing := o.(*filterEditor)
	return typing && len(p.stack) == 1
}
