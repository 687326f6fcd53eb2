package audit

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/components/frame"
	"provkeys/ui/internal/uitest"
)

func TestAuditIsNewestFirstWithALimit(t *testing.T) {
	t.Parallel()
	st := uitest.NewViewsStore()
	d := openView(t, st, uitest.Admin, 3)
	if len(st.Limits) == 0 || st.Limits[0] != auditLimit {
		t.Fatalf("ListAudit limits %v, want %d", st.Limits, auditLimit)
	}
	v := d.View()
	a, b, c := strings.Index(v, "11:00:00  bob"), strings.Index(v, "10:00:00  alice"), strings.Index(v, "09:00:00  alice")
	if a < 0 || b < a || c < b {
		t.Fatalf("not newest first:\n%s", v)
	}
	d.MustSee("export     key web-01", "✗ not allowed for your role", "update     group Laptops", "✓ ok", "3 of 3 events")
}

func TestAuditFilterMatchesActorActionObjectAndResult(t *testing.T) {
	t.Parallel()
	d := openView(t, uitest.NewViewsStore(), uitest.Admin, 3)
	for _, c := range []struct {
		Text string
		n    int
		see  string
	}{
		{"BOB", 1, "key web-01"},            // actor
		{"update", 1, "group Laptops"},      // action
		{"group laptops", 2, "create"},      // object type and name
		{"not allowed", 1, "bob"},           // result
		{"203.0.113", 0, "No events match"}, // the remote address is not searched
	} {
		d.Press("/")
		d.Typ(c.Text)
		d.Press("enter")
		if got := len(auditOf(d).List.View); got != c.n {
			t.Fatalf("filter %q: %d events, want %d", c.Text, got, c.n)
		}
		d.MustSee(c.see)
		d.Press("/", "esc")
		d.MustSee("3 of 3 events")
	}
}

func TestAuditExpandShowsRoleRemoteAndValues(t *testing.T) {
	t.Parallel()
	d := openView(t, uitest.NewViewsStore(), uitest.Admin, 3)
	d.Press("enter") // bob's refused export
	d.MustSee("Role          viewer", "Remote        203.0.113.9:52144", "Values        — (none recorded)",
		"Result        ✗ not allowed for your role")
	d.Press("j", "enter") // alice's update: old → new, one field a line
	d.MustSee("Remote        local", `Old → new     name         "Laptops"`,
		`description  "" → "Staff laptops"`, "enabled      true → false", "version      1 → 2")
	d.Press("j", "enter") // the create: only new values
	d.MustSee(`New           name         "Laptops"`)
}

func TestAuditValuesThatAreNotObjects(t *testing.T) {
	t.Parallel()
	st := uitest.NewViewsStore()
	st.Audit = []model.AuditEvent{{ID: 9, At: uitest.TestNow, Actor: "x", Action: model.ActionImport, ObjectType: model.ObjectKey,
		Old: `["a","b"]`, New: "not json\r\x1b[2J", Result: "ok"}}
	d := openView(t, st, uitest.Admin, 3)
	d.Press("enter")
	d.LineAfter(`Old           [`, `"a",`)
	d.MustSee("New           not json")
	uitest.AssertInert(t, "non-JSON values", d.Raw())
}

func TestAuditScrolls(t *testing.T) {
	t.Parallel()
	st := uitest.NewViewsStore()
	st.Audit = nil
	for i := 1; i <= 300; i++ {
		st.Audit = append(st.Audit, model.AuditEvent{ID: int64(i), At: uitest.TestNow.Add(-time.Duration(i) * time.Minute),
			Actor: fmt.Sprintf("op%03d", i), Action: model.ActionRead, ObjectType: model.ObjectKey, ObjectName: "k", Result: "ok"})
	}
	d := openView(t, st, uitest.Admin, 3)
	cur := func() string {
		ev, _ := auditOf(d).List.Current()
		return ev.ev.Actor
	}
	for _, s := range []struct{ key, want string }{
		{"j", "op002"}, {"down", "op003"}, {"k", "op002"}, {"G", "op300"}, {"g", "op001"},
		{"pgdown", "op026"}, {"pgup", "op001"}, {"ctrl+d", "op013"}, {"end", "op300"}, {"home", "op001"},
	} {
		d.Press(s.key)
		if cur() != s.want {
			t.Fatalf("after %s cursor on %s, want %s", s.key, cur(), s.want)
		}
		d.MustSee("› ▸ " + uitest.TestNow.Add(-time.Duration(atoi(s.want[2:]))*time.Minute).Format("2006-01-02 15:04:05") + "  " + s.want)
	}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func TestAuditIsReadOnlyAndReloadsOnChange(t *testing.T) {
	t.Parallel()
	st := uitest.NewViewsStore()
	d := openView(t, st, uitest.Admin, 3)
	for _, k := range []string{"n", "e", "d", "t"} {
		d.Send(ui.StatusMsg{})
		d.Press(k)
		if !strings.Contains(d.Status(), "read-only") {
			t.Fatalf("%s: status %q", k, d.Status())
		}
	}
	d.Send(frame.PollMsg{}) // the first reading
	add := func(id int64, actor string) {
		st.Vmu.Lock()
		st.Audit = append(st.Audit, model.AuditEvent{ID: id, At: uitest.TestNow.Add(time.Duration(id) * time.Second), Actor: actor,
			Action: model.ActionDelete, ObjectType: model.ObjectGroup, ObjectName: "Kiosks", Result: "ok"})
		st.Vmu.Unlock()
		st.Bump()
		d.Send(frame.PollMsg{})
	}
	add(4, "carol") // at the top, the cursor follows the newest event
	d.MustSee("4 of 4 events", "› ▸ 2026-01-15 12:00:04  carol")
	d.Press("j")
	add(5, "dave") // further down, it stays on its event
	d.MustSee("5 of 5 events", "  ▸ 2026-01-15 12:00:05  dave", "› ▸ 2026-01-15 11:00:00  bob")
}

func TestAuditEmpty(t *testing.T) {
	t.Parallel()
	st := uitest.NewViewsStore()
	st.Audit = nil
	d := openView(t, st, uitest.Admin, 3)
	d.MustSee("Nothing recorded yet. Every change, export and refused attempt will be listed here")
}

func TestAuditGolden(t *testing.T) {
	t.Parallel()
	d := openView(t, uitest.NewViewsStore(), uitest.Admin, 3)
	uitest.RequireGolden(t, "audit_table.golden", uitest.Screen(d))
	uitest.SendSize(d, 80, 24)
	d.Press("j", "enter")
	uitest.RequireGolden(t, "audit_expanded_80x24.golden", uitest.Screen(d))
}
