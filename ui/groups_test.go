package ui

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"provkeys/model"
)

func TestGroupsAddSendsTheInputAndSelectsTheNewGroup(t *testing.T) {
	t.Parallel()
	st := newViewsStore()
	d := openView(t, st, admin, 1)
	d.press("n")
	d.mustSee("Add machine group", "Name", "Description", "Status")
	if !d.groups().Capturing() {
		t.Fatal("the form does not take the keys")
	}
	d.typ("Kiosks q") // q is typed, not quit
	d.press("enter")
	d.typ("Lobby screens")
	d.press("enter", "right", "enter") // status: Enabled → Disabled, then save
	if got := st.got(); len(got) != 1 || got[0] != "create: Kiosks q|Lobby screens|false" {
		t.Fatalf("store got %q", got)
	}
	if d.quit || d.groups().form != nil {
		t.Fatal("the form is still open (or q quit)")
	}
	if g, _ := d.groups().list.current(); g == nil || g.g.Name != "Kiosks q" {
		t.Fatalf("cursor on %v, want the new group", g)
	}
	d.mustSee("› ▸ Kiosks q", "○ Disabled", "4 of 4 groups")
	if !strings.Contains(d.status(), "Created machine group Kiosks q.") {
		t.Fatalf("status %q", d.status())
	}
}

func TestGroupsAddWithNForAMultiLetterAlias(t *testing.T) {
	t.Parallel()
	d := openView(t, newViewsStore(), admin, 1)
	d.press("a")
	d.mustSee("Add machine group")
	d.press("esc")
	d.mustSee("3 of 3 groups")
	if !strings.Contains(d.status(), "nothing was saved") {
		t.Fatalf("status %q", d.status())
	}
}

func TestGroupsEditSendsTheVersionItStartedFrom(t *testing.T) {
	t.Parallel()
	st := newViewsStore()
	st.groups[1].Version = 4
	d := openView(t, st, admin, 1)
	d.press("j", "e")
	d.mustSee("Edit machine group Laptops")
	d.typ(" EU")
	d.press("enter")
	d.typ(" (Berlin)")
	d.press("enter", "enter")
	if got := st.got(); len(got) != 1 || got[0] != "update 2 4: Laptops EU|Staff laptops (Berlin)|true" {
		t.Fatalf("store got %q", got)
	}
	d.mustSee("› ▸ Laptops EU", "Staff laptops (Berlin)")
	if !strings.Contains(d.status(), "Saved machine group Laptops EU.") {
		t.Fatalf("status %q", d.status())
	}
}

func TestGroupsToggleFlipsEnabledAndKeepsTheRest(t *testing.T) {
	t.Parallel()
	st := newViewsStore()
	d := openView(t, st, admin, 1)
	d.press("t")
	d.mustSee("○ Disabled")
	d.press("t")
	want := []string{
		"update 1 1: Database Servers|Postgres primaries in Frankfurt|false",
		"update 1 2: Database Servers|Postgres primaries in Frankfurt|true", // the reloaded version
	}
	if got := st.got(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("store got %q, want %q", got, want)
	}
	if !strings.Contains(d.status(), "Enabled machine group Database Servers.") {
		t.Fatalf("status %q", d.status())
	}
}

func TestGroupsStaleToggleSaysSoAndReloads(t *testing.T) {
	t.Parallel()
	st := newViewsStore()
	st.updateErr = &model.ConflictError{Object: `machine group "Database Servers"`, By: "carol", At: testNow}
	d := openView(t, st, admin, 1)
	before := len(st.calls)
	d.press("t")
	if s := d.status(); !strings.Contains(s, "carol") || d.m.statusKind != statusErr {
		t.Fatalf("status %q", s)
	}
	if !strings.Contains(strings.Join(st.calls[before:], ","), "ListGroups") {
		t.Fatal("a conflict did not reload the groups")
	}
}

func TestGroupsValidationErrorStaysUnderItsField(t *testing.T) {
	t.Parallel()
	st := newViewsStore()
	d := openView(t, st, admin, 1)

	// The form's own check, as typed: refused on enter, under the name.
	d.press("n")
	d.typ("bad/name")
	d.press("enter")
	d.lineAfter("Name", `✗ '/' at character 4 is not allowed`)
	if len(st.got()) != 0 {
		t.Fatal("an invalid name reached the store")
	}

	// The store's refusal: under the field it names, the form open, values kept.
	for range 5 {
		d.press("backspace")
	}
	d.typ(" ok")
	st.createErr = &model.ValidationError{Field: model.FieldDescription, Msg: "mentions a secret"}
	d.press("enter")
	d.typ("password is hunter2")
	d.press("enter", "enter")
	if d.groups().form == nil {
		t.Fatal("the form closed on a validation error")
	}
	d.lineAfter("Description", "✗ mentions a secret")
	d.mustSee("password is hunter2", "bad ok")

	// A taken name goes under the name.
	st.createErr = fmt.Errorf("machine group %q: %w", "bad ok", model.ErrDuplicate)
	d.press("enter", "enter")
	d.lineAfter("Name", "✗ that name is already taken")
	if got := st.got(); len(got) != 2 {
		t.Fatalf("store got %q", got)
	}
}

func TestGroupsDeleteNeedsY(t *testing.T) {
	t.Parallel()
	st := newViewsStore()
	d := openView(t, st, admin, 1)
	d.press("j", "d")
	d.mustSee("Delete machine group Laptops? y/n")
	d.press("x", "q", "tab", "n")
	d.press("d", "esc")
	if st.called("DeleteGroup") || d.quit || d.m.active != 1 {
		t.Fatal("deleted, quit or switched view without y")
	}
	d.press("d", "y")
	if !st.called("DeleteGroup 2 1") {
		t.Fatalf("calls %v", st.calls)
	}
	d.mustNotSee("▸ Laptops")
	d.mustSee("2 of 2 groups")
	if !strings.Contains(d.status(), "Deleted machine group Laptops.") {
		t.Fatalf("status %q", d.status())
	}
}

func TestGroupsInUseRefusalNamesTheKeys(t *testing.T) {
	t.Parallel()
	st := newViewsStore()
	st.groupUsers[1] = []string{"web-01", "db-02"}
	d := openView(t, st, admin, 1)
	d.press("d")
	d.mustSee("Delete machine group Database Servers (2 key(s) use it)? y/n")
	d.press("y")
	if s, want := d.status(), "Can't delete machine group Database Servers: it is used by keys web-01, db-02."; s != want || d.m.statusKind != statusErr {
		t.Fatalf("status %q, want %q", s, want)
	}
	d.mustSee("Database Servers", "3 of 3 groups")
}

func TestGroupsViewerCannotChangeAnything(t *testing.T) {
	t.Parallel()
	st := newViewsStore()
	d := openView(t, st, viewer, 1)
	d.press("?")
	d.mustNotSee("add", "edit", "delete", "toggle")
	d.mustSee("filter", "expand")
	for _, k := range []string{"n", "a", "e", "t", "d"} {
		d.m.status = ""
		d.press(k)
		if d.groups().Capturing() {
			t.Fatalf("%s opened something for a viewer", k)
		}
		if !strings.Contains(d.status(), "Read-only: your role (viewer) can't change machine groups.") {
			t.Fatalf("%s: status %q", k, d.status())
		}
	}
	if len(st.got()) > 0 || st.called("DeleteGroup") {
		t.Fatal("a viewer reached the store's writes")
	}
	d.press("?", "enter") // viewers may look
	d.mustSee("Postgres primaries in Frankfurt", "Created")

	st.groups = nil
	d.press("ctrl+r")
	d.mustSee("No machine groups yet. An admin can add one")
}

func TestGroupsFilterIsLiveOverNameAndDescription(t *testing.T) {
	t.Parallel()
	d := openView(t, newViewsStore(), admin, 1)
	d.press("/")
	d.typ("FRANK")
	d.mustSee("1 of 3 groups", "Database Servers")
	d.mustNotSee("Laptops")
	d.press("backspace", "backspace", "backspace", "backspace", "backspace")
	d.typ("laptop q") // every word must match: nothing does
	d.mustSee("No machine groups match \"laptop q\"")
	if d.quit {
		t.Fatal("q quit while typing in the filter")
	}
	d.press("backspace", "backspace")
	d.mustSee("1 of 3 groups", "Laptops")
	d.press("enter") // keeps it
	if d.groups().Capturing() {
		t.Fatal("enter left the bar focused")
	}
	d.mustSee("/ laptop", "1 of 3 groups")
	d.press("/", "esc") // clears it
	d.mustSee("3 of 3 groups", "Web Frontends")
}

func TestGroupsCursorAndExpansionFollowTheGroupAcrossReloads(t *testing.T) {
	t.Parallel()
	st := newViewsStore()
	d := openView(t, st, admin, 1)
	d.press("j", "enter")
	d.send(pollMsg{}) // the first reading
	st.mu.Lock()
	st.groups = append([]model.Group{{ID: 50, Name: "Aardvarks", Enabled: true, Version: 1}}, st.groups...)
	st.groups[2].Description = "renamed laptops"
	st.mu.Unlock()
	st.bump()
	d.send(pollMsg{}) // another process's change
	if g, _ := d.groups().list.current(); g == nil || g.g.Name != "Laptops" {
		t.Fatalf("cursor on %v after a reload, want Laptops", g)
	}
	d.mustSee("4 of 4 groups", "Aardvarks", "› ▾ Laptops")
	d.lineAfter("Laptops", "renamed laptops")
}

func TestGroupsExpandShowsDetails(t *testing.T) {
	t.Parallel()
	d := openView(t, newViewsStore(), admin, 1)
	d.press("enter")
	d.mustSee("Description   Postgres primaries in Frankfurt", "2 key(s) use it",
		"Created       2026-01-12 12:00 by alice", "Updated       2026-01-15 11:00 by bob", "ID            1 (version 1)")
	d.press("h")
	d.mustNotSee("ID            1 (version 1)")
	d.press("E")
	if n := strings.Count(d.view(), "(version 1)"); n != 3 {
		t.Fatalf("expand all shows %d groups' details, want 3", n)
	}
}

func TestGroupsEmptyAndFailedLoadSayWhatToDo(t *testing.T) {
	t.Parallel()
	st := newViewsStore()
	st.groups = nil
	d := openView(t, st, admin, 1)
	d.mustSee("No machine groups yet. Press n to add one")
	p := d.groups()
	d.send(listLoadedMsg[model.Group]{seq: p.list.seq - 1, items: []model.Group{{ID: 1, Name: "stale"}}})
	d.mustNotSee("stale")
	p.list.loaded = false
	d.send(listLoadedMsg[model.Group]{seq: p.list.seq, err: errors.New("disk on fire")})
	d.mustSee("Couldn't load machine groups: disk on fire", "ctrl+r")
}

func TestGroupsGolden(t *testing.T) {
	t.Parallel()
	d := openView(t, newViewsStore(), admin, 1)
	requireGolden(t, "groups_table.golden", screen(d))
	sendSize(d, 80, 24)
	d.press("enter")
	requireGolden(t, "groups_expanded_80x24.golden", screen(d))
	d.press("e")
	requireGolden(t, "groups_edit_80x24.golden", screen(d))
	d.press("esc", "d")
	requireGolden(t, "groups_delete_80x24.golden", screen(d))
}
