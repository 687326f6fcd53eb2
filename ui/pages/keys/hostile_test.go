package keys

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/internal/uitest"
)

// TestHostileInputInForms pastes every hostile string into the add-key wizard's name, the
// edit form's description (the wizard's description is the same field), the machine-group
// form's name and the filter bar.
func TestHostileInputInForms(t *testing.T) {
	t.Parallel()
	for _, e := range uitest.HostileCorpus(t) {
		t.Run(e.Label, func(t *testing.T) {
			t.Parallel()
			paste := tea.PasteMsg{Content: e.Value}
			inputsOf := func(got []model.KeyInput) []string {
				var out []string
				for _, in := range got {
					out = append(out, in.Name, in.Description)
					out = append(out, in.Groups...)
				}
				return out
			}

			// The wizard's name (step 3), then Enter through every field and the review.
			st, got := uitest.ValidatingFake()
			d := newDriver(t, st, uitest.Admin, ui.Options{})
			d.Press("n", "enter", "enter")
			uitest.MustFocus(t, &keysOf(d).form().Kit, "name")
			d.Send(paste)
			d.CheckScreen("wizard name")
			d.EnterThrough("wizard", 9)
			uitest.FormVerdict(t, d, "wizard name", inputsOf(*got), len(*got) > 0 && !strings.Contains(d.View(), "✗"))

			// The edit form's description.
			st, got = uitest.ValidatingFake()
			d = newDriver(t, st, uitest.Admin, ui.Options{})
			d.Press("e")
			for range 6 { // name, groups, certificate, status, re-enrollment, view/export
				d.Press("tab")
			}
			uitest.MustFocus(t, &keysOf(d).form().Kit, "description")
			d.Send(paste)
			d.CheckScreen("edit")
			d.EnterThrough("edit", 8)
			uitest.FormVerdict(t, d, "edit description", inputsOf(*got), st.Keys[0].Version > 1)

			// The filter bar: whatever is typed there is shown, never obeyed.
			d = newDriver(t, uitest.ThreeKeys(), uitest.Admin, ui.Options{})
			d.Press("/")
			d.Send(paste)
			d.CheckScreen("filter")
			d.Press("enter")
			d.CheckScreen("filter kept")
		})
	}
}
