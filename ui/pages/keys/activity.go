package keys

import (
	"context"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui"
)

// An expanded key shows who used it: how many machines, the last one and when, and a chart
// of its enrollments per day. The "when" and the chart are not in the key listing; they are
// loaded (Store.KeyActivity) for the expanded rows on screen, once per row and data change:
// scrolling and redrawing read the cache, and only a change in the store (DataChangedMsg)
// asks again, drawing the older answer meanwhile.

// activityDays is how many days the chart covers, today the last.
const activityDays = 30

// maxActivityEntries bounds the cache; past it the cache starts again, and only the rows on
// screen load again.
const maxActivityEntries = 512

// keyActivityMsg is key id's activity, loaded for its expanded row at data generation gen.
type keyActivityMsg struct {
	id  int64
	gen int
	a   model.KeyActivity
	err error
}

// activityCache is the loaded activity of expanded keys, by key id.
type activityCache struct {
	gen     int // counts the store's changes seen (DataChangedMsg)
	entries map[int64]activityEntry
}

// activityEntry is one key's activity: asked at generation asked; loaded once done.
type activityEntry struct {
	asked int
	done  bool
	a     model.KeyActivity
	err   error
}

// noteActivity takes in what the cache needs to know of msg: a data change makes every
// entry old (still drawn, asked again), a load lands. It reports whether msg was a load,
// which nothing else handles.
func (p *keysPage) noteActivity(msg tea.Msg) bool {
	switch msg := msg.(type) {
	case ui.DataChangedMsg:
		p.activity.gen++
	case keyActivityMsg:
		e, ok := p.activity.entries[msg.id]
		if !ok || e.asked != msg.gen {
			return true // dropped from the cache, or a newer load is on its way
		}
		if msg.err == nil || !e.done { // a failed reload keeps the chart it had
			e.a, e.err, e.done = msg.a, msg.err, true
		}
		p.activity.entries[msg.id] = e
		return true
	}
	return false
}

// wantActivity loads the activity of the expanded rows on screen that have none for the
// current data generation. It looks at no more rows than fit on the screen.
func (p *keysPage) wantActivity() tea.Cmd {
	if len(p.view) == 0 || p.width <= 0 || p.hasBody() {
		return nil
	}
	var cmds []tea.Cmd
	lines, height := 1, p.tableHeight() // the header is a line
	for i := max(p.top, 0); i < len(p.view) && lines < height; i++ {
		lines++
		pos := int(p.view[i])
		id := p.set.Table.ID(pos)
		if !p.isExpanded(id) {
			continue
		}
		lines += p.detailCount(p.rowAt(i), p.width)
		if p.set.Table.LastMachine(pos) == "" {
			continue // no machine ever enrolled with it: nothing to load
		}
		if e, ok := p.activity.entries[id]; ok && e.asked == p.activity.gen {
			continue
		}
		cmds = append(cmds, p.askActivity(id))
	}
	return tea.Batch(cmds...)
}

// askActivity records that key id's activity is being loaded at this generation and loads it.
func (p *keysPage) askActivity(id int64) tea.Cmd {
	c := &p.activity
	if c.entries == nil || len(c.entries) >= maxActivityEntries {
		c.entries = map[int64]activityEntry{}
	}
	e := c.entries[id]
	e.asked = c.gen
	c.entries[id] = e
	return loadActivity(p.env.Store, id, p.env.Now(), c.gen)
}

// loadActivity reads key id's activity over activityDays days ending with now's.
func loadActivity(s ui.Store, id int64, now time.Time, gen int) tea.Cmd {
	return ui.WithStore(func(ctx context.Context) tea.Msg {
		a, err := s.KeyActivity(ctx, id, now, activityDays)
		return keyActivityMsg{id: id, gen: gen, a: a, err: err}
	})
}

// activityOf is what the cache holds of key id, if anything was loaded.
func (p *keysPage) activityOf(id int64) (activityEntry, bool) {
	e, ok := p.activity.entries[id]
	return e, ok && e.done
}

// machinesText is the expanded row's Machines line: how many machines used the key, the last
// one and when (once loaded), and where to see them all.
func (p *keysPage) machinesText(k *model.Key, now time.Time) string {
	if k.UsageCount == 0 && k.LastMachine == "" {
		return "none has enrolled with this key"
	}
	s := fmt.Sprintf("%d enrolled", k.UsageCount)
	if k.LastMachine != "" {
		e, ok := p.activityOf(k.ID)
		switch {
		case ok && e.a.LastMachine != "":
			s += " · last " + model.Sanitize(e.a.LastMachine) + ", " + agoText(e.a.LastAt, now)
		case ok && e.err != nil:
			s += " · last " + model.Sanitize(k.LastMachine) + " (when: couldn't load)"
		default:
			s += " · last " + model.Sanitize(k.LastMachine) + ", …"
		}
	}
	return s + " · m: list them"
}

// agoText is when something happened, relative and absolute: "3h ago (2026-12-04 19:02)".
func agoText(at, now time.Time) string {
	rel := "just now"
	if d := now.Sub(at); d >= time.Minute {
		rel = ui.Span(d) + " ago"
	}
	return rel + " (" + ui.Stamp(at, now) + ")"
}

// enrollmentsText is the expanded row's chart line: one block per day, today at the right,
// with the busiest day's count and the total, so the chart reads without its scale.
func (p *keysPage) enrollmentsText(k *model.Key) string {
	if k.LastMachine == "" {
		return "none recorded"
	}
	e, ok := p.activityOf(k.ID)
	switch {
	case !ok:
		return "loading…"
	case e.err != nil && e.a.PerDay == nil:
		return "✗ couldn't load: " + model.Sanitize(ui.PlainError(e.err))
	}
	return activityChart(e.a.PerDay)
}

// activityChart is a chart of counts per day with its legend: the busiest day and the total.
func activityChart(perDay []int) string {
	peak, total := 0, 0
	for _, n := range perDay {
		peak, total = max(peak, n), total+max(n, 0)
	}
	if total == 0 {
		return sparkline(perDay) + fmt.Sprintf("  none in %d days", len(perDay))
	}
	return sparkline(perDay) + fmt.Sprintf("  max %d/day · %d in %d days · today at right", peak, total, len(perDay))
}

// sparkBlocks are the chart's eight heights, lowest first.
var sparkBlocks = []rune("▁▂▃▄▅▆▇█")

// sparkline draws counts as one block each, scaled to the largest: a day without any is the
// baseline ▁, any day with one or more at least ▂ (so that one is never read as none), the
// largest █. Negative counts draw as none.
func sparkline(counts []int) string {
	peak := 0
	for _, n := range counts {
		peak = max(peak, n)
	}
	var b strings.Builder
	for _, n := range counts {
		level := 0
		if n > 0 {
			level = (n*(len(sparkBlocks)-1) + peak - 1) / peak // ceil(n·7/peak): 1..7
		}
		b.WriteRune(sparkBlocks[level])
	}
	return b.String()
}
