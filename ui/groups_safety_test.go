package ui

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"provkeys/model"
)

// hostileViewsStore puts every hostile string (render_test.go) into every field the Machine
// Groups, Certificates and Audit views draw.
func hostileViewsStore() *viewsStore {
	st := newViewsStore()
	st.groups, st.certs, st.audit = nil, nil, nil
	for i, h := range hostile {
		id := int64(i + 1)
		st.groups = append(st.groups, model.Group{ID: id, Name: h, Description: "desc " + h, Enabled: i%2 == 0,
			CreatedBy: h, UpdatedBy: h, CreatedAt: testNow, UpdatedAt: testNow, Version: 1})
		st.certs = append(st.certs, model.Cert{ID: id, Name: h, Subject: "CN=" + h, Issuer: "CN=" + h,
			CreatedBy: h, NotAfter: testNow.AddDate(1, 0, 0)})
		old, _ := json.Marshal(map[string]string{"name": h, h: h})
		st.audit = append(st.audit, model.AuditEvent{ID: id, At: testNow, Actor: h, Role: model.Role(h), Remote: h,
			Action: model.Action(h), ObjectType: model.ObjectType(h), ObjectName: h,
			Old: string(old), New: `{"name":"` + h + `"}`, Result: h}) // New: raw, not valid JSON
	}
	st.groupUsers[1] = hostile // an in-use refusal names hostile keys
	return st
}

func TestHostileStringsRenderInertInGroupsCertsAndAudit(t *testing.T) {
	t.Parallel()
	st := hostileViewsStore()
	d := newDriver(t, st, model.Actor{Name: hostile[0], Role: model.RoleAdmin}, Options{})
	steps := [][]string{
		{"tab"}, {"E"}, {"/"}, {"paste"}, {"enter"}, {"/", "esc"}, {"d"}, {"y"}, {"e"}, {"paste"}, {"esc"}, {"?"}, {"?"},
		{"tab"}, {"E"}, {"/"}, {"paste"}, {"esc"}, {"j", "d"}, {"n"}, {"i"}, {"paste"}, {"enter"}, {"paste", "enter"}, {"esc"},
		{"tab"}, {"E"}, {"G"}, {"/"}, {"paste"}, {"esc"},
	}
	for i, s := range steps {
		for _, k := range s {
			if k == "paste" {
				d.send(tea.PasteMsg{Content: strings.Join(hostile, " ")})
				continue
			}
			d.press(k)
		}
		assertInert(t, fmt.Sprintf("step %d %v", i, s), d.raw())
		// The page itself, before the root's backstop (Inert) sees it.
		assertInert(t, fmt.Sprintf("page at step %d %v", i, s), d.m.pages[d.m.active].View(120, 27))
		assertInert(t, fmt.Sprintf("status at step %d %v", i, s), d.m.statusLine())
	}
	// What is left is readable text.
	d.press("shift+tab", "shift+tab", "E")
	d.mustSee("key-gnp.exe", "evilgood", "edge", "name")
	d.press("tab") // certificates
	d.mustSee("key-gnp.exe", "evilgood", "CN=edge")
	d.press("tab", "E", "g") // audit, collapsed
	d.mustSee("key-gnp.exe", "evilgood")
}

func TestHostileErrorsInTheStatusLineAreInert(t *testing.T) {
	t.Parallel()
	st := hostileViewsStore()
	d := openView(t, st, admin, 1)
	d.press("d", "y") // in use by hostile key names
	assertInert(t, "in-use status", d.m.statusLine())
	if want := "Can't delete machine group name: it is used by name, —, evilgood and 2 more keys."; d.status() != want {
		t.Fatalf("status %q, want %q", d.status(), want)
	}
}

// TestViewsNeverPanicOrOverflow draws every mode of the three views at sizes from 1×1 to
// 200×60 and checks that nothing is wider or taller than the terminal.
func TestViewsNeverPanicOrOverflow(t *testing.T) {
	t.Parallel()
	modes := map[string]struct {
		view int
		keys []string
	}{
		"groups":          {1, nil},
		"groups expanded": {1, []string{"E", "G"}},
		"groups filter":   {1, []string{"/", "x"}},
		"groups form":     {1, []string{"e"}},
		"groups confirm":  {1, []string{"d"}},
		"certs expanded":  {2, []string{"E"}},
		"certs import":    {2, []string{"i"}},
		"audit expanded":  {3, []string{"E", "j"}},
		"audit help":      {3, []string{"?"}},
	}
	sizes := [][2]int{{0, 0}, {1, 1}, {200, 60}, {80, 24}, {60, 12}}
	for w := 1; w <= 200; w += 13 {
		for h := 1; h <= 60; h += 7 {
			sizes = append(sizes, [2]int{w, h})
		}
	}
	for name, m := range modes {
		st := newViewsStore()
		st.groups[0].Description = strings.Repeat("a long description ", 25)
		d := openView(t, st, admin, m.view)
		d.press(m.keys...)
		for _, s := range sizes {
			_, _ = d.m.Update(tea.WindowSizeMsg{Width: s[0], Height: s[1]}) // its commands are huh's redraws
			checkFits(t, name, d, s[0], s[1])
		}
		sendSize(d, 80, 24) // and back: the view recovers
		checkFits(t, name, d, 80, 24)
	}
}
