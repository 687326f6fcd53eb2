package keys

import (
	"context"
	"fmt"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/components/confirm"
	"provkeys/ui/pages/keys/bulk"
)

// A bulk action acts on every marked key (or the cursor's key when none is marked); package
// bulk runs it. Here: who may, the questions, and what each action does to one key.

// bulkCheck refuses a change for a role that cannot make it, or with nothing to act on.
func (p *keysPage) bulkCheck(a model.Action) (bool, string) {
	if !p.env.Can(a) {
		return false, "Read-only: your role (" + model.Sanitize(string(p.env.Actor.Role)) + ") can't change keys."
	}
	if _, has := p.current(); !has && len(p.marks) == 0 {
		return false, "No key selected."
	}
	return true, ""
}

// bulkEnable enables (or disables) the targets; keys already so are skipped. On marked
// keys it asks once, naming the count, as `keys disable --filter` does: the cursor's one
// key is toggled at once, as t always did.
func (p *keysPage) bulkEnable(enable bool) tea.Cmd {
	word, done, verb := "disabled", "Disabled", "Disable"
	if enable {
		word, done, verb = "enabled", "Enabled", "Enable"
	}
	keys := p.targets()
	run := func() tea.Cmd {
		return bulk.Run(p.env.Store, keys, done, func(ctx context.Context, st ui.Store, k model.Key) (string, error) {
			if k.Enabled == enable {
				return "already " + word, nil
			}
			_, err := st.SetKeyEnabled(ctx, k.ID, k.Version, enable)
			return "", err
		})
	}
	if len(p.marks) == 0 || len(keys) == 0 {
		return run()
	}
	p.ask(confirm.New(fmt.Sprintf("%s %s (%s)?", verb, ui.Plural(len(keys), "marked key"), bulk.KeyNames(keys, 3)), run,
		func() tea.Cmd { return ui.Statusf("Left the %s as they were.", ui.Plural(len(keys), "key")) }))
	return nil
}

// toggleMarked is t with marks: disable them all, or enable them all when every one is
// disabled already, so one key press undoes the other.
func (p *keysPage) toggleMarked() tea.Cmd {
	keys := p.markedKeys()
	enable := !slices.ContainsFunc(keys, func(k model.Key) bool { return k.Enabled })
	return p.bulkEnable(enable)
}

// askBulkDelete asks once, naming the count, before deleting the targets.
func (p *keysPage) askBulkDelete() tea.Cmd {
	keys := p.targets()
	if len(keys) == 0 {
		return nil
	}
	st := p.env.Store
	p.ask(confirm.New(fmt.Sprintf("Delete %s (%s)?", ui.Plural(len(keys), "marked key"), bulk.KeyNames(keys, 3)), func() tea.Cmd {
		return bulk.Run(st, keys, "Deleted", func(ctx context.Context, st ui.Store, k model.Key) (string, error) {
			return "", st.DeleteKey(ctx, k.ID, k.Version)
		})
	}, func() tea.Cmd { return ui.Statusf("Kept the %s.", ui.Plural(len(keys), "key")) }))
	return nil
}

// bulkExtend moves the targets' expiry d later: from the current expiry when it is still
// ahead, else from now; a key that never expires gets one d from now.
func (p *keysPage) bulkExtend(arg string) tea.Cmd {
	d, ok := model.ParseAge(strings.TrimSpace(arg))
	if !ok || d <= 0 {
		return ui.SetStatus(ui.StatusErr, "Say how long to extend by, such as :extend 30d.")
	}
	now := p.env.Now()
	return bulk.Run(p.env.Store, p.targets(), "Extended", func(ctx context.Context, st ui.Store, k model.Key) (string, error) {
		in := k.Input()
		base := now
		if k.ExpiresAt.After(now) {
			base = k.ExpiresAt
		}
		in.ExpiresAt = base.Add(d)
		_, err := st.UpdateKey(ctx, k.ID, k.Version, in)
		return "", err
	})
}

// bulkGroup adds the targets to the machine group name, or removes them from it.
func (p *keysPage) bulkGroup(add bool, name string) tea.Cmd {
	name = strings.TrimSpace(name)
	if name == "" {
		return ui.SetStatus(ui.StatusErr, "Name the machine group, such as :group add kiosks.")
	}
	done := "Removed from " + model.Sanitize(name) + ":"
	if add {
		done = "Added to " + model.Sanitize(name) + ":"
	}
	return bulk.Run(p.env.Store, p.targets(), done, func(ctx context.Context, st ui.Store, k model.Key) (string, error) {
		in := k.Input()
		at := slices.IndexFunc(in.Groups, func(g string) bool { return strings.EqualFold(g, name) })
		switch {
		case add && at >= 0:
			return "already in it", nil
		case add:
			in.Groups = append(in.Groups, name)
		case at < 0:
			return "not in it", nil
		case len(in.Groups) == 1:
			return "its only group", nil
		default:
			in.Groups = slices.Delete(in.Groups, at, at+1)
		}
		_, err := st.UpdateKey(ctx, k.ID, k.Version, in)
		return "", err
	})
}

// askBulkExport asks where to write the targets, one "name<TAB>key" line each.
func (p *keysPage) askBulkExport(path string) tea.Cmd {
	keys := p.targets()
	if len(keys) == 0 {
		return nil
	}
	if path = strings.TrimSpace(path); path != "" {
		return bulk.Export(p.env.Store, keys, path, false)
	}
	st := p.env.Store
	q, cmd := confirm.NewPrompt("Export "+ui.Plural(len(keys), "key")+" to:", "./keys.txt", func(path string) tea.Cmd {
		return bulk.Export(st, keys, path, false)
	}, func() tea.Cmd { return ui.Statusf("Export cancelled.") })
	p.ask(q)
	return cmd
}
