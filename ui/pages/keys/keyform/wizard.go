package keyform

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui/components/form"
)

// wantsNewGroup is true when the wizard's "+ create new group" is among the chosen groups.
func (f *Form) wantsNewGroup() bool {
	return !f.edit && slices.Contains(f.v.Groups, newGroupChoice)
}

// newGroupUnnamed is true while "+ create new group" is chosen but its page not yet filled
// in: enter walks on to that page rather than back to the review.
func (f *Form) newGroupUnnamed() bool {
	return f.wantsNewGroup() && f.v.NewGroupName == ""
}

// chosenGroups are the names of the key's groups: the chosen existing ones, then the new one.
func (f *Form) chosenGroups() []string {
	out := make([]string, 0, len(f.v.Groups))
	for _, g := range f.v.Groups {
		if g != newGroupChoice {
			out = append(out, g)
		}
	}
	if f.wantsNewGroup() {
		out = append(out, f.v.NewGroupName)
	}
	return out
}

// groupsText is the review's "Machine group(s)": every chosen group, the new one marked.
func (f *Form) groupsText(v *Values) string {
	names := make([]string, 0, len(v.Groups))
	for _, g := range v.Groups {
		if g == newGroupChoice && !f.edit {
			names = append(names, fmt.Sprintf("%s (new, %s)", model.Sanitize(v.NewGroupName),
				onOff(v.NewGroupEnabled, "enabled", "disabled")))
			continue
		}
		names = append(names, model.Sanitize(g))
	}
	return strings.Join(names, ", ")
}

// validKeyName checks a key's name as the store will, and against the keys the page holds,
// case-insensitively as the store's unique index compares: a clash shows at the field as the
// operator leaves it, not after the review. The store stays the final word (another operator
// may take the name meanwhile).
func (f *Form) validKeyName(s string) error {
	if err := form.ValidName(s); err != nil {
		return err
	}
	return f.keyNameTaken(s)
}

// keyNameTaken says so when another key the page holds has name s; it is also checked on
// every key typed into the name (form.Kit.Live).
func (f *Form) keyNameTaken(s string) error {
	if id, ok := f.hooks.KeyNamed(s); ok && (!f.edit || id != f.key.ID) {
		return fmt.Errorf("a key named %q already exists", s)
	}
	return nil
}

// validGroupName is validKeyName for the wizard's new machine group, against the groups the
// wizard offers.
func (f *Form) validGroupName(s string) error {
	if err := form.ValidName(s); err != nil {
		return err
	}
	return f.groupNameTaken(s)
}

// groupNameTaken says so when a group the wizard offers has name s.
func (f *Form) groupNameTaken(s string) error {
	for _, g := range f.groups {
		if strings.EqualFold(g.Name, s) {
			return fmt.Errorf("a machine group named %q already exists: choose it on step 2", model.Sanitize(g.Name))
		}
	}
	return nil
}

// wizardSteps are the field each of the wizard's steps starts at, for the review's 1, 2, 3.
var wizardSteps = map[string]string{"1": "cert", "2": "groups", "3": "name"}

// backFromReview leaves the review for step (its number, or "" for the last field seen),
// keeping every value entered.
func (f *Form) backFromReview(step string) tea.Cmd {
	id, ok := wizardSteps[step]
	if !ok || f.edit {
		id = "name"
	}
	return f.Reopen(id)
}

// toReview goes straight back to the review once the wizard was there: the other steps were
// already accepted. The values are checked as the save will check them; a wrong one keeps its
// field, with the error under it.
func (f *Form) toReview() tea.Cmd {
	if ng := f.newGroup(); ng != nil {
		if err := ng.Validate(); err != nil {
			return f.hooks.Failed("group", "", err)
		}
		if err := f.validGroupName(ng.Name); err != nil {
			return f.hooks.Failed("group", "", &model.ValidationError{Field: model.FieldName, Msg: err.Error()})
		}
	}
	in, err := f.keyInput()
	if err == nil {
		err = in.Validate()
	}
	if err == nil {
		if e := f.validKeyName(in.Name); e != nil {
			err = &model.ValidationError{Field: model.FieldName, Msg: e.Error()}
		}
	}
	if err != nil {
		return f.hooks.Failed("key", "", err)
	}
	f.review = true
	return nil
}

// wizardHelp is the footer while the wizard's fields have the focus.
func (f *Form) wizardHelp() []key.Binding {
	next := key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "next"))
	if f.reviewed && !f.edit {
		next = key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "review"))
		return append([]key.Binding{next, key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next field")),
			key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "back"))},
			append(f.FieldHelp(), key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")))...)
	}
	return append([]key.Binding{next, key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "back"))},
		append(f.FieldHelp(), key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")))...)
}
