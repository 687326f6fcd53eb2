package ui

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"provkeys/model"
)

func TestAuditIsNewestFirstWithALimit(t *testing.T) {
	t.Parallel()
	st := newViewsStore()
	d := openView(t, st, admin, 3)
	if len(st.limits) == 0 || st.limits[0] != auditLimit {
		t.Fatalf("ListAudit limits %v, want %d", st.limits, auditLimit)
	}
	v := d.view()
	a, b, c := strings.Index(v, "11:00:00  bob"), strings.Index(v, "10:00:00  alice"), strings.Index(v, "09:00:00  alice")
	if a < 0 || b < a || c < b {
		t.Fatalf("not newest first:\n%s", v)
	}
	d.mustSee("export     key web-01", "✗ not allowed for your role", "update     group Laptops", "✓ ok", "3 of 3 events")
}

func TestAuditFilterMatchesActorActionObjectAndResult(t *testing.T) {
	t.Parallel()
	d := openView(t, newViewsStore(), admin, 3)
	for _, c := range []struct {
		text string
		n    int
		see  string
	}{
		{"BOB", 1, "key web-01"},            // actor
		{"update", 1, "group Laptops"},      // action
		{"group laptops", 2, "create"},      // object type and name
		{"not allowed", 1, "bob"},           // result
		{"203.0.113", 0, "No events match"}, // the remote address is not searched
	} {
		d.press("/")
		d.typ(c.text)
		d.press("enter")
		if got := len(d.audit().list.view); got != c.n {
			t.Fatalf("filter %q: %d events, want %d", c.text, got, c.n)
		}
		d.mustSee(c.see)
		d.press("/", "esc")
		d.mustSee("3 of 3 events")
	}
}

func TestAuditExpandShowsRoleRemoteAndValues(t *testing.T) {
	t.Parallel()
	d := openView(t, newViewsStore(), admin, 3)
	d.press("enter") // bob's refused export
	d.mustSee("Role          viewer", "Remote        203.0.113.9:52144", "Values        — (none recorded)",
		"Result        ✗ not allowed for your role")
	d.press("j", "enter") // alice's update: old → new, one field a line
	d.mustSee("Remote        local", `Old → new     name         "Laptops"`,
		`description  "" → "Staff laptops"`, "enabled      true → false", "version      1 → 2")
	d.press("j", "enter") // the create: only new values
	d.mustSee(`New           name         "Laptops"`)
}

func TestAuditValuesThatAreNotObjects(t *testing.T) {
	t.Parallel()
	st := newViewsStore()
	st.audit = []model.AuditEvent{{ID: 9, At: testNow, Actor: "x", Action: model.ActionImport, ObjectType: model.ObjectKey,
		Old: `["a","b"]`, New: "not json\r\x1b[2J", Result: "ok"}}
	d := openView(t, st, admin, 3)
	d.press("enter")
	d.lineAfter(`Old           [`, `"a",`)
	d.mustSee("New           not json")
	assertInert(t, "non-JSON values", d.raw())
}

func TestAuditScrolls(t *testing.T) {
	t.Parallel()
	st := newViewsStore()
	st.audit = nil
	for i := 1; i <= 300; i++ {
		st.audit = append(st.audit, model.AuditEvent{ID: int64(i), At: testNow.Add(-time.Duration(i) * time.Minute),
			Actor: fmt.Sprintf("op%03d", i), Action: model.ActionRead, ObjectType: model.ObjectKey, ObjectName: "k", Result: "ok"})
	}
	d := openView(t, st, admin, 3)
	cur := func() string {
		ev, _ := d.audit().list.current()
		return ev.ev.Actor
	}
	for _, s := range []struct{ key, want string }{
		{"j", "op002"}, {"down", "op003"}, {"k", "op002"}, {"G", "op300"}, {"g", "op001"},
		{"pgdown", "op026"}, {"pgup", "op001"}, {"ctrl+d", "op013"}, {"end", "op300"}, {"home", "op001"},
	} {
		d.press(s.key)
		if cur() != s.want {
			t.Fatalf("after %s cursor on %s, want %s", s.key, cur(), s.want)
		}
		d.mustSee("› ▸ " + testNow.Add(-time.Duration(atoi(s.want[2:]))*time.Minute).Format("2006-01-02 15:04:05") + "  " + s.want)
	}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func TestAuditIsReadOnlyAndReloadsOnChange(t *testing.T) {
	t.Parallel()
	st := newViewsStore()
	d := openView(t, st, admin, 3)
	for _, k := range []string{"n", "e", "d", "t"} {
		d.m.status = ""
		d.press(k)
		if !strings.Contains(d.status(), "read-only") {
			t.Fatalf("%s: status %q", k, d.status())
		}
	}
	d.send(pollMsg{}) // the first reading
	add := func(id int64, actor string) {
		st.vmu.Lock()
		st.audit = append(st.audit, model.AuditEvent{ID: id, At: testNow.Add(time.Duration(id) * time.Second), Actor: actor,
			Action: model.ActionDelete, ObjectType: model.ObjectGroup, ObjectName: "Kiosks", Result: "ok"})
		st.vmu.Unlock()
		st.bump()
		d.send(pollMsg{})
	}
	add(4, "carol") // at the top, the cursor follows the newest event
	d.mustSee("4 of 4 events", "› ▸ 2026-01-15 12:00:04  carol")
	d.press("j")
	add(5, "dave") // further down, it stays on its event
	d.mustSee("5 of 5 events", "  ▸ 2026-01-15 12:00:05  dave", "› ▸ 2026-01-15 11:00:00  bob")
}

func TestAuditEmpty(t *testing.T) {
	t.Parallel()
	st := newViewsStore()
	st.audit = nil
	d := openView(t, st, admin, 3)
	d.mustSee("Nothing recorded yet. Every change, export and refused attempt will be listed here")
}

func TestAuditGolden(t *testing.T) {
	t.Parallel()
	d := openView(t, newViewsStore(), admin, 3)
	requireGolden(t, "audit_table.golden", screen(d))
	sendSize(d, 80, 24)
	d.press("j", "enter")
	requireGolden(t, "audit_expanded_80x24.golden", screen(d))
}
