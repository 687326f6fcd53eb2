package dash

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/internal/uitest"
)

// hostileViewsStore puts every hostile string (render_test.go) into every field the Machine
// Groups, Certificates and Audit views draw.
func hostileViewsStore() *uitest.ViewsStore {
	st := uitest.NewViewsStore()
	st.Groups, st.Certs, st.Audit = nil, nil, nil
	for i, h := range uitest.Hostile {
		id := int64(i + 1)
		st.Groups = append(st.Groups, model.Group{ID: id, Name: h, Description: "desc " + h, Enabled: i%2 == 0,
			CreatedBy: h, UpdatedBy: h, CreatedAt: uitest.TestNow, UpdatedAt: uitest.TestNow, Version: 1})
		st.Certs = append(st.Certs, model.Cert{ID: id, Name: h, Subject: "CN=" + h, Issuer: "CN=" + h,
			CreatedBy: h, NotAfter: uitest.TestNow.AddDate(1, 0, 0)})
		old, _ := json.Marshal(map[string]string{"name": h, h: h})
		st.Audit = append(st.Audit, model.AuditEvent{ID: id, At: uitest.TestNow, Actor: h, Role: model.Role(h), Remote: h,
			Action: model.Action(h), ObjectType: model.ObjectType(h), ObjectName: h,
			Old: string(old), New: `{"name":"` + h + `"}`, Result: h}) // New: raw, not valid JSON
	}
	st.GroupUsers[1] = uitest.Hostile // an in-use refusal names hostile keys
	return st
}

func TestHostileStringsRenderInertInGroupsCertsAndAudit(t *testing.T) {
	t.Parallel()
	st := hostileViewsStore()
	d := newDriver(t, st, model.Actor{Name: uitest.Hostile[0], Role: model.RoleAdmin}, ui.Options{})
	steps := [][]string{
		{"tab"}, {"E"}, {"/"}, {"paste"}, {"enter"}, {"/", "esc"}, {"d"}, {"y"}, {"e"}, {"paste"}, {"esc"}, {"?"}, {"?"},
		{"tab"}, {"E"}, {"/"}, {"paste"}, {"esc"}, {"j", "d"}, {"n"}, {"i"}, {"paste"}, {"enter"}, {"paste", "enter"}, {"esc"},
		{"tab"}, {"E"}, {"G"}, {"/"}, {"paste"}, {"esc"},
	}
	for i, s := range steps {
		for _, k := range s {
			if k == "paste" {
				d.Send(tea.PasteMsg{Content: strings.Join(uitest.Hostile, " ")})
				continue
			}
			d.Press(k)
		}
		uitest.AssertInert(t, fmt.Sprintf("step %d %v", i, s), d.Raw())
		// The page itself, before the root's backstop (Inert) sees it.
		uitest.AssertInert(t, fmt.Sprintf("page at step %d %v", i, s), d.M.ActivePage().View(120, 27))
		uitest.AssertInert(t, fmt.Sprintf("status at step %d %v", i, s), d.M.StatusLine())
	}
	// What is left is readable text.
	d.Press("shift+tab", "shift+tab", "E")
	d.MustSee("key-gnp.exe", "evilgood", "edge", "name")
	d.Press("tab") // certificates
	d.MustSee("key-gnp.exe", "evilgood", "CN=edge")
	d.Press("tab", "E", "g") // audit, collapsed
	d.MustSee("key-gnp.exe", "evilgood")
}

func TestHostileErrorsInTheStatusLineAreInert(t *testing.T) {
	t.Parallel()
	st := hostileViewsStore()
	d := openView(t, st, uitest.Admin, 1)
	d.Press("d", "y") // in use by hostile key names
	uitest.AssertInert(t, "in-use status", d.M.StatusLine())
	if want := "Can't delete machine group name: it is used by name, —, evilgood and 2 more keys."; d.Status() != want {
		t.Fatalf("status %q, want %q", d.Status(), want)
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
		st := uitest.NewViewsStore()
		st.Groups[0].Description = strings.Repeat("a long description ", 25)
		d := openView(t, st, uitest.Admin, m.view)
		d.Press(m.keys...)
		for _, s := range sizes {
			_, _ = d.M.Update(tea.WindowSizeMsg{Width: s[0], Height: s[1]}) // its commands are huh's redraws
			uitest.CheckFits(t, name, d, s[0], s[1])
		}
		uitest.SendSize(d, 80, 24) // and back: the view recovers
		uitest.CheckFits(t, name, d, 80, 24)
	}
}
