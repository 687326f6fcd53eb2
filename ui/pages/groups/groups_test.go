package groups

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/components/frame"
	"provkeys/ui/components/listpage"
	"provkeys/ui/internal/uitest"
)

func TestGroupsAddSendsTheInputAndSelectsTheNewGroup(t *testing.T) {
	t.Parallel()
	st := uitest.NewViewsStore()
	d := openView(t, st, uitest.Admin, 1)
	d.Press("n")
	d.MustSee("Add machine group", "Name", "Description", "Status")
	if !groupsOf(d).Capturing() {
		t.Fatal("the form does not take the keys")
	}
	d.Typ("Kiosks q") // q is typed, not quit
	d.Press("enter")
	d.Typ("Lobby screens")
	d.Press("enter", "right", "enter") // status: Enabled → Disabled, then save
	if got := st.Got(); len(got) != 1 || got[0] != "create: Kiosks q|Lobby screens|false" {
		t.Fatalf("store got %q", got)
	}
	if d.Quit || groupsOf(d).Form != nil {
		t.Fatal("the form is still open (or q quit)")
	}
	if g, _ := groupsOf(d).List.Current(); g == nil || g.g.Name != "Kiosks q" {
		t.Fatalf("cursor on %v, want the new group", g)
	}
	d.MustSee("› ▸ Kiosks q", "○ Disabled", "4 of 4 groups")
	if !strings.Contains(d.Status(), "Created machine group Kiosks q.") {
		t.Fatalf("status %q", d.Status())
	}
}

func TestGroupsAddWithNForAMultiLetterAlias(t *testing.T) {
	t.Parallel()
	d := openView(t, uitest.NewViewsStore(), uitest.Admin, 1)
	d.Press("a")
	d.MustSee("Add machine group")
	d.Press("esc")
	d.MustSee("3 of 3 groups")
	if !strings.Contains(d.Status(), "nothing was saved") {
		t.Fatalf("status %q", d.Status())
	}
}

func TestGroupsEditSendsTheVersionItStartedFrom(t *testing.T) {
	t.Parallel()
	st := uitest.NewViewsStore()
	st.Groups[1].Version = 4
	d := openView(t, st, uitest.Admin, 1)
	d.Press("j", "e")
	d.MustSee("Edit machine group Laptops")
	d.Typ(" EU")
	d.Press("enter")
	d.Typ(" (Berlin)")
	d.Press("enter", "enter")
	if got := st.Got(); len(got) != 1 || got[0] != "update 2 4: Laptops EU|Staff laptops (Berlin)|true" {
		t.Fatalf("store got %q", got)
	}
	d.MustSee("› ▸ Laptops EU", "Staff laptops (Berlin)")
	if !strings.Contains(d.Status(), "Saved machine group Laptops EU.") {
		t.Fatalf("status %q", d.Status())
	}
}

func TestGroupsToggleFlipsEnabledAndKeepsTheRest(t *testing.T) {
	t.Parallel()
	st := uitest.NewViewsStore()
	d := openView(t, st, uitest.Admin, 1)
	d.Press("t")
	d.MustSee("○ Disabled")
	d.Press("t")
	want := []string{
		"update 1 1: Database Servers|Postgres primaries in Frankfurt|false",
		"update 1 2: Database Servers|Postgres primaries in Frankfurt|true", // the reloaded version
	}
	if got := st.Got(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("store got %q, want %q", got, want)
	}
	if !strings.Contains(d.Status(), "Enabled machine group Database Servers.") {
		t.Fatalf("status %q", d.Status())
	}
}

func TestGroupsStaleToggleSaysSoAndReloads(t *testing.T) {
	t.Parallel()
	st := uitest.NewViewsStore()
	st.UpdateErr = &model.ConflictError{Object: `machine group "Database Servers"`, By: "carol", At: uitest.TestNow}
	d := openView(t, st, uitest.Admin, 1)
	before := len(st.Calls)
	d.Press("t")
	if s := d.Status(); !strings.Contains(s, "carol") || d.M.StatusKind() != ui.StatusErr {
		t.Fatalf("status %q", s)
	}
	if !strings.Contains(strings.Join(st.Calls[before:], ","), "ListGroups") {
		t.Fatal("a conflict did not reload the groups")
	}
}

func TestGroupsValidationErrorStaysUnderItsField(t *testing.T) {
	t.Parallel()
	st := uitest.NewViewsStore()
	d := openView(t, st, uitest.Admin, 1)

	// The form's own check, as typed: refused on enter, under the name.
	d.Press("n")
	d.Typ("bad/name")
	d.Press("enter")
	d.LineAfter("Name", `✗ '/' at character 4 is not allowed`)
	if len(st.Got()) != 0 {
		t.Fatal("an invalid name reached the store")
	}

	// The store's refusal: under the field it names, the form open, values kept.
	for range 5 {
		d.Press("backspace")
	}
	d.Typ(" ok")
	st.CreateErr = &model.ValidationError{Field: model.FieldDescription, Msg: "mentions a secret"}
	d.Press("enter")
	d.Typ("password is hunter2")
	d.Press("enter", "enter")
	if groupsOf(d).Form == nil {
		t.Fatal("the form closed on a validation error")
	}
	d.LineAfter("Description", "✗ mentions a secret")
	d.MustSee("password is hunter2", "bad ok")

	// A taken name goes under the name.
	st.CreateErr = fmt.Errorf("machine group %q: %w", "bad ok", model.ErrDuplicate)
	d.Press("enter", "enter")
	d.LineAfter("Name", "✗ that name is already taken")
	if got := st.Got(); len(got) != 2 {
		t.Fatalf("store got %q", got)
	}
}

func TestGroupsDeleteNeedsY(t *testing.T) {
	t.Parallel()
	st := uitest.NewViewsStore()
	d := openView(t, st, uitest.Admin, 1)
	d.Press("j", "d")
	d.MustSee("Delete machine group Laptops? y/n")
	d.Press("x", "q", "tab", "n")
	d.Press("d", "esc")
	if st.Called("DeleteGroup") || d.Quit || d.M.Active() != 1 {
		t.Fatal("deleted, quit or switched view without y")
	}
	d.Press("d", "y")
	if !st.Called("DeleteGroup 2 1") {
		t.Fatalf("calls %v", st.Calls)
	}
	d.MustNotSee("▸ Laptops")
	d.MustSee("2 of 2 groups")
	if !strings.Contains(d.Status(), "Deleted machine group Laptops.") {
		t.Fatalf("status %q", d.Status())
	}
}

// A group the list shows in use is refused at d, before any question, and the store is not
// asked to delete it.
func TestGroupsDeleteInUseIsRefusedBeforeAsking(t *testing.T) {
	t.Parallel()
	st := uitest.NewViewsStore()
	d := openView(t, st, uitest.Admin, 1)
	d.Press("d")
	if groupsOf(d).Ask != nil || groupsOf(d).Capturing() {
		t.Fatal("d asked to delete a group keys use")
	}
	d.MustNotSee("y/n")
	if s, want := d.Status(), "Can't delete machine group Database Servers: 2 keys use it."; s != want || d.M.StatusKind() != ui.StatusErr {
		t.Fatalf("status %q, want %q", s, want)
	}
	d.Press("y")
	if st.Called("DeleteGroup") {
		t.Fatal("the store was asked to delete it")
	}
}

// A group the list shows unused but that a key joined meanwhile: the store's refusal names the keys.
func TestGroupsInUseRefusalNamesTheKeys(t *testing.T) {
	t.Parallel()
	st := uitest.NewViewsStore()
	st.GroupUsers[1] = []string{"web-01", "db-02"}
	d := openView(t, st, uitest.Admin, 1)
	groupsOf(d).List.Items[0].g.KeyCount = 0 // the list is older than the store
	d.Press("d")
	d.MustSee("Delete machine group Database Servers? y/n")
	d.Press("y")
	if s, want := d.Status(), "Can't delete machine group Database Servers: it is used by keys web-01, db-02."; s != want || d.M.StatusKind() != ui.StatusErr {
		t.Fatalf("status %q, want %q", s, want)
	}
	d.MustSee("Database Servers", "3 of 3 groups")
}

func TestGroupsViewerCannotChangeAnything(t *testing.T) {
	t.Parallel()
	st := uitest.NewViewsStore()
	d := openView(t, st, uitest.Viewer, 1)
	d.Press("?")
	d.MustNotSee("add", "edit", "delete", "toggle")
	d.MustSee("filter", "expand")
	for _, k := range []string{"n", "a", "e", "t", "d"} {
		d.Send(ui.StatusMsg{})
		d.Press(k)
		if groupsOf(d).Capturing() {
			t.Fatalf("%s opened something for a viewer", k)
		}
		if !strings.Contains(d.Status(), "Read-only: your role (viewer) can't change machine groups.") {
			t.Fatalf("%s: status %q", k, d.Status())
		}
	}
	if len(st.Got()) > 0 || st.Called("DeleteGroup") {
		t.Fatal("a viewer reached the store's writes")
	}
	d.Press("?", "enter") // viewers may look
	d.MustSee("Postgres primaries in Frankfurt", "Created")

	st.Groups = nil
	d.Press("ctrl+r")
	d.MustSee("No machine groups yet. An admin can add one")
}

func TestGroupsFilterIsLiveOverNameAndDescription(t *testing.T) {
	t.Parallel()
	d := openView(t, uitest.NewViewsStore(), uitest.Admin, 1)
	d.Press("/")
	d.Typ("FRANK")
	d.MustSee("1 of 3 groups", "Database Servers")
	d.MustNotSee("Laptops")
	d.Press("backspace", "backspace", "backspace", "backspace", "backspace")
	d.Typ("laptop q") // every word must match: nothing does
	d.MustSee("No machine groups match \"laptop q\"")
	if d.Quit {
		t.Fatal("q quit while typing in the filter")
	}
	d.Press("backspace", "backspace")
	d.MustSee("1 of 3 groups", "Laptops")
	d.Press("enter") // keeps it
	if groupsOf(d).Capturing() {
		t.Fatal("enter left the bar focused")
	}
	d.MustSee("/ laptop", "1 of 3 groups")
	d.Press("/", "esc") // clears it
	d.MustSee("3 of 3 groups", "Web Frontends")
}

func TestGroupsCursorAndExpansionFollowTheGroupAcrossReloads(t *testing.T) {
	t.Parallel()
	st := uitest.NewViewsStore()
	d := openView(t, st, uitest.Admin, 1)
	d.Press("j", "enter")
	d.Send(frame.PollMsg{}) // the first reading
	st.Mu.Lock()
	st.Groups = append([]model.Group{{ID: 50, Name: "Aardvarks", Enabled: true, Version: 1}}, st.Groups...)
	st.Groups[2].Description = "renamed laptops"
	st.Mu.Unlock()
	st.Bump()
	d.Send(frame.PollMsg{}) // another process's change
	if g, _ := groupsOf(d).List.Current(); g == nil || g.g.Name != "Laptops" {
		t.Fatalf("cursor on %v after a reload, want Laptops", g)
	}
	d.MustSee("4 of 4 groups", "Aardvarks", "› ▾ Laptops")
	d.LineAfter("Laptops", "renamed laptops")
}

func TestGroupsExpandShowsDetails(t *testing.T) {
	t.Parallel()
	d := openView(t, uitest.NewViewsStore(), uitest.Admin, 1)
	d.Press("enter")
	d.MustSee("Description   Postgres primaries in Frankfurt", "2 key(s) use it",
		"Created       2026-01-12 12:00 by alice", "Updated       2026-01-15 11:00 by bob", "ID            1 (version 1)")
	d.Press("h")
	d.MustNotSee("ID            1 (version 1)")
	d.Press("E")
	if n := strings.Count(d.View(), "(version 1)"); n != 3 {
		t.Fatalf("expand all shows %d groups' details, want 3", n)
	}
}

func TestGroupsEmptyAndFailedLoadSayWhatToDo(t *testing.T) {
	t.Parallel()
	st := uitest.NewViewsStore()
	st.Groups = nil
	d := openView(t, st, uitest.Admin, 1)
	d.MustSee("No machine groups yet. Press n to add one")
	p := groupsOf(d)
	d.Send(listpage.LoadedMsg[model.Group]{Seq: p.List.Seq - 1, Items: []model.Group{{ID: 1, Name: "stale"}}})
	d.MustNotSee("stale")
	p.List.Loaded = false
	d.Send(listpage.LoadedMsg[model.Group]{Seq: p.List.Seq, Err: errors.New("disk on fire")})
	d.MustSee("Couldn't load machine groups: disk on fire", "ctrl+r")
}

func TestGroupsGolden(t *testing.T) {
	t.Parallel()
	d := openView(t, uitest.NewViewsStore(), uitest.Admin, 1)
	uitest.RequireGolden(t, "groups_table.golden", uitest.Screen(d))
	uitest.SendSize(d, 80, 24)
	d.Press("enter")
	uitest.RequireGolden(t, "groups_expanded_80x24.golden", uitest.Screen(d))
	d.Press("e")
	uitest.RequireGolden(t, "groups_edit_80x24.golden", uitest.Screen(d))
	d.Press("esc", "d") // in use: refused before asking
	uitest.RequireGolden(t, "groups_delete_in_use_80x24.golden", uitest.Screen(d))
	d.Press("j", "d")
	uitest.RequireGolden(t, "groups_delete_80x24.golden", uitest.Screen(d))
}
