package form

import (
	"errors"
	"strings"

	"charm.land/huh/v2"
)

// ChooseSome makes a multi-select field over opts (label, value): space or x toggles the
// option under the cursor, enter or tab moves on once at least one is chosen. what names the
// choice in its error ("machine group").
func (k *Kit) ChooseSome(id, title, desc, what string, opts []huh.Option[string], val *[]string, group int) *huh.MultiSelect[string] {
	valid := func(v []string) error {
		if len(v) == 0 {
			return errors.New("choose at least one " + what)
		}
		return nil
	}
	m := huh.NewMultiSelect[string]().Key(id).Title(title).Description(desc).Value(val).
		Options(opts...).Height(min(8, len(opts)+2)).Validate(valid)
	k.Fields[id] = FormField{Field: m, Group: group, Desc: desc,
		SetDesc: func(d string) { m.Description(d) }, Value: func() string { return strings.Join(*val, "\x00") },
		check: func() error { return valid(*val) }}
	return m
}

// Live checks field id's value with check on every key and shows what it finds under the
// field while the operator types (a name already taken), not only as they leave it. Call it
// after making the field, before Finish.
func (k *Kit) Live(id string, check func(string) error) {
	fld, ok := k.Fields[id]
	if !ok {
		return
	}
	value := fld.Value
	fld.live = func() error { return check(value()) }
	k.Fields[id] = fld
}
