package groups

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"provkeys/ui/internal/uitest"
)

// TestHostileInputInGroupForm pastes every hostile string into the machine-group form's
// name (the Keys page's forms and filter bar are TestHostileInputInForms).
func TestHostileInputInGroupForm(t *testing.T) {
	t.Parallel()
	for _, e := range uitest.HostileCorpus(t) {
		t.Run(e.Label, func(t *testing.T) {
			t.Parallel()
			// The machine-group form's name.
			vs := uitest.NewViewsStore()
			paste := tea.PasteMsg{Content: e.Value}
			d := openView(t, vs, uitest.Admin, 1)
			d.Press("n")
			uitest.MustFocus(t, &groupsOf(d).Form.Kit, "name")
			d.Send(paste)
			d.CheckScreen("group name")
			d.EnterThrough("group form", 4)
			var names []string
			for _, in := range vs.Got() {
				names = append(names, strings.Split(strings.TrimPrefix(in, "create: "), "|")[0])
			}
			uitest.FormVerdict(t, d, "group name", names, len(vs.Groups) > 3)

		})
	}
}
