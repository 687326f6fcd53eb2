// Package activity is who used a key, for the Keys page's expanded rows: how many machines,
// the last one and when, and a chart of its enrollments per day. The "when" and the chart
// are not in the key listing; Cache loads them (Store.KeyActivity) for the rows the page asks
// for, once per row and data change: scrolling and redrawing read the cache, and only a
// change in the store (ui.DataChangedMsg) asks again, drawing the older answer meanwhile.
package activity

import (
	"context"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui"
)

// activityDays is how many days the chart covers, today the last.
const activityDays = 30

// maxActivityEntries bounds the cache; past it the cache starts again, and only the rows on
// screen load again.
const maxActivityEntries = 512

// loadedMsg is key id's activity, loaded for its expanded row at data generation gen.
type loadedMsg struct {
	id  int64
	gen int
	a   model.KeyActivity
	err error
}

// Cache is the loaded activity of expanded keys, by key id. Its zero value is empty.
type Cache struct {
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

// Note takes in what the cache needs to know of msg: a data change makes every entry old
// (still drawn, asked again), a load lands. It reports whether msg was a load, which nothing
// else handles.
func (c *Cache) Note(msg tea.Msg) bool {
	switch msg := msg.(type) {
	case ui.DataChangedMsg:
		c.gen++
	case loadedMsg:
		e, ok := c.entries[msg.id]
		if !ok || e.asked != msg.gen {
			return true // dropped from the cache, or a newer load is on its way
		}
		if msg.err == nil || !e.done { // a failed reload keeps the chart it had
			e.a, e.err, e.done = msg.a, msg.err, true
		}
		c.entries[msg.id] = e
		return true
	}
	return false
}

// Current is true when key id's activity was asked for at the current data generation: it
// is loaded or on its way.
func (c *Cache) Current(id int64) bool {
	e, ok := c.entries[id]
	return ok && e.asked == c.gen
}

// Ask records that key id's activity is being loaded at this generation and loads it from st
// over the days up to now's.
func (c *Cache) Ask(st ui.Store, id int64, now time.Time) tea.Cmd {
	if c.entries == nil || len(c.entries) >= maxActivityEntries {
		c.entries = map[int64]activityEntry{}
	}
	e := c.entries[id]
	e.asked = c.gen
	c.entries[id] = e
	return load(st, id, now, c.gen)
}

// load reads key id's activity over activityDays days ending with now's.
func load(s ui.Store, id int64, now time.Time, gen int) tea.Cmd {
	return ui.WithStore(func(ctx context.Context) tea.Msg {
		a, err := s.KeyActivity(ctx, id, now, activityDays)
		return loadedMsg{id: id, gen: gen, a: a, err: err}
	})
}

// of is what the cache holds of key id, if anything was loaded.
func (c *Cache) of(id int64) (activityEntry, bool) {
	e, ok := c.entries[id]
	return e, ok && e.done
}

// MachinesText is the expanded row's Machines line: how many machines used the key, the last
// one and when (once loaded), and where to see them all.
func (c *Cache) MachinesText(k *model.Key, now time.Time) string {
	if k.UsageCount == 0 && k.LastMachine == "" {
		return "none has enrolled with this key"
	}
	s := fmt.Sprintf("%d enrolled", k.UsageCount)
	if k.LastMachine != "" {
		e, ok := c.of(k.ID)
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

// EnrollmentsText is the expanded row's chart line: one block per day, today at the right,
// with the busiest day's count and the total, so the chart reads without its scale.
func (c *Cache) EnrollmentsText(k *model.Key) string {
	if k.LastMachine == "" {
		return "none recorded"
	}
	e, ok := c.of(k.ID)
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
