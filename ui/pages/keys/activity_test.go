package keys

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/internal/uitest"
)

// activityStore is goldenKeys with machines of web-01 (id 1) at known times: three today
// (one a re-enrollment), two yesterday, one 29 days ago (the chart's first day) and one
// 40 days ago (before it).
func activityStore() *uitest.FakeStore {
	st := goldenKeys()
	st.Keys[0].LastMachine = "web-07"
	now := uitest.TestNow // 2026-01-15 12:00 UTC
	for i, m := range []struct {
		name string
		at   time.Time
	}{
		{"web-00", now.AddDate(0, 0, -40)},
		{"web-01", now.AddDate(0, 0, -29)},
		{"web-02", now.AddDate(0, 0, -1)},
		{"web-03", now.AddDate(0, 0, -1).Add(time.Hour)},
		{"web-05", now.Add(-11 * time.Hour)},
		{"web-05", now.Add(-5 * time.Hour)},
		{"web-07", now.Add(-3 * time.Hour)},
	} {
		st.Machines = append(st.Machines, model.Machine{ID: int64(i + 1), Name: m.name, KeyID: 1, KeyName: "web-01", EnrolledAt: m.at})
	}
	return st
}

// activityCalls counts the store's KeyActivity calls so far.
func activityCalls(st *uitest.FakeStore) int {
	st.Mu.Lock()
	defer st.Mu.Unlock()
	n := 0
	for _, c := range st.Calls {
		if strings.HasPrefix(c, "KeyActivity ") {
			n++
		}
	}
	return n
}

// TestExpandedKeyShowsItsActivity: the expanded row names the last machine with when it
// enrolled, and charts the last 30 days' enrollments, re-enrollments included, today last.
func TestExpandedKeyShowsItsActivity(t *testing.T) {
	t.Parallel()
	st := activityStore()
	d := newDriver(t, st, uitest.Admin, ui.Options{})
	d.Press("G", "enter") // web-01 sorts last
	d.MustSee("Machines      3 enrolled · last web-07, 3h ago (2026-01-15 09:00) · m: list them")
	// 1 of 3 at most a day is ceil(7/3) = 3 eighths up: ▄; 2 of 3, ceil(14/3) = 5: ▆.
	chart := "▄" + strings.Repeat("▁", 27) + "▆█"
	d.MustSee("Enrollments   " + chart + "  max 3/day · 6 in 30 days · today at right")
}

func TestGoldenKeyActivity(t *testing.T) {
	t.Parallel()
	d := newDriver(t, activityStore(), uitest.Admin, ui.Options{})
	d.Send(tea.WindowSizeMsg{Width: 100, Height: 26})
	d.Press("G", "enter")
	golden.RequireEqual(t, uitest.Screen(d))
}

// TestActivityLoadedOncePerDataChange: moving, scrolling and redrawing read the cache; a
// change in the store asks again, and the older chart stays on screen until the answer.
func TestActivityLoadedOncePerDataChange(t *testing.T) {
	t.Parallel()
	st := activityStore()
	d := newDriver(t, st, uitest.Admin, ui.Options{})
	if n := activityCalls(st); n != 0 {
		t.Fatalf("%d activity loads before any row was expanded", n)
	}
	d.Press("G", "enter")
	if n := activityCalls(st); n != 1 {
		t.Fatalf("%d activity loads after expanding one row, want 1", n)
	}
	d.Press("k", "k", "j", "j", "g", "G")
	d.Send(tea.WindowSizeMsg{Width: 90, Height: 30}, tea.WindowSizeMsg{Width: 120, Height: 30})
	for range 5 {
		_ = d.View()
	}
	if n := activityCalls(st); n != 1 {
		t.Fatalf("%d activity loads after moving and redrawing, want still 1", n)
	}
	// A change in the store: the chart is asked again, and drawn from the cache meanwhile.
	p := keysOf(d)
	p.Update(ui.DataChangedMsg{}) // its commands are not run: the answer has not come
	if v := p.View(120, 29); !strings.Contains(v, "max 3/day") || strings.Contains(v, "loading…") {
		t.Fatalf("the chart left the screen while it reloads:\n%s", v)
	}
	d.Send(ui.DataChangedMsg{})
	if n := activityCalls(st); n < 2 {
		t.Fatalf("%d activity loads after a change in the store, want another", n)
	}
	d.MustSee("max 3/day")
}

// TestActivityOnlyForUsedExpandedRows: a key no machine ever enrolled with asks nothing and
// says so; collapsed rows ask nothing, however many keys are used.
func TestActivityOnlyForUsedExpandedRows(t *testing.T) {
	t.Parallel()
	st := activityStore()
	d := newDriver(t, st, uitest.Admin, ui.Options{})
	d.Press("enter") // build-agent: 5 uses counted, no machine recorded
	d.MustSee("Machines      5 enrolled · m: list them", "Enrollments   none recorded")
	d.Press("enter", "j", "enter") // db-primary: never used
	d.MustSee("Machines      none has enrolled with this key", "Enrollments   none recorded")
	if n := activityCalls(st); n != 0 {
		t.Fatalf("%d activity loads for keys no machine used", n)
	}
}

// failingActivity is a store whose KeyActivity fails.
type failingActivity struct{ *uitest.FakeStore }

func (failingActivity) KeyActivity(context.Context, int64, time.Time, int) (model.KeyActivity, error) {
	return model.KeyActivity{}, errors.New("database is locked")
}

func TestActivityLoadFailureIsShownInTheRow(t *testing.T) {
	t.Parallel()
	d := newDriver(t, failingActivity{activityStore()}, uitest.Admin, ui.Options{})
	d.Press("G", "enter")
	d.MustSee("last web-07 (when: couldn't load)", "Enrollments   ✗ couldn't load: database is locked")
}

// TestFilterHintsListUsedAndMachine: the filter's placeholder and the help's filter language
// name used: and machine:, and each of the help's two terms is a filter that works.
func TestFilterHintsListUsedAndMachine(t *testing.T) {
	t.Parallel()
	d := newDriver(t, goldenKeys(), uitest.Admin, ui.Options{})
	d.Press("/")
	d.MustSee("/ filter…  (name:, group:, cert:, status:, reenroll:, export:, used:, machine:)")
	d.Press("esc", "?")
	d.MustSee("used:no machine:web")
	var example string
	for _, b := range filterLanguage {
		if h := b.Help().Key; strings.Contains(h, "used:") {
			example = h
		}
	}
	used, unused := uitest.TestKey(1, "a"), uitest.TestKey(2, "b")
	used.UsageCount, used.LastMachine = 1, "web-01"
	terms := strings.Fields(example)
	if len(terms) != 2 {
		t.Fatalf("help example %q, want a used: and a machine: term", example)
	}
	for _, c := range []struct {
		term         string
		used, unused bool
	}{{terms[0], false, true}, {terms[1], true, false}} {
		f, err := model.ParseFilter(c.term)
		if err != nil {
			t.Fatalf("help example %q: %v", c.term, err)
		}
		if f.Match(used, uitest.TestNow) != c.used || f.Match(unused, uitest.TestNow) != c.unused {
			t.Fatalf("help example %q matches the used key: %v, the unused one: %v", c.term, !c.used, !c.unused)
		}
	}
}
