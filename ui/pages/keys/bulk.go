package keys

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/components/confirm"
	"provkeys/ui/keyfile"
)

// A bulk action acts on every marked key (or the cursor's key when none is marked): each key
// is its own store call and so its own audited change; a failure names its key and leaves
// the others done, and one status line sums up ("Disabled 12 keys; 1 skipped: …").

// bulkStep is what a bulk action does to one key: change it, leave it with a reason (skip),
// or fail.
type bulkStep func(ctx context.Context, st ui.Store, k model.Key) (skip string, err error)

// bulkDoneMsg is a bulk action's summary.
type bulkDoneMsg struct {
	done    string // "Disabled"
	changed int
	skipped []string // "name (why)"
	failed  []string // "name: why"
}

// bulkTimeout bounds one key's store call; the whole run has no overall bound but each
// step has this one.
const bulkTimeout = 5 * time.Second

// runBulk does step to every key in a command, one store call per key.
func runBulk(st ui.Store, keys []model.Key, done string, step bulkStep) tea.Cmd {
	return func() tea.Msg {
		msg := bulkDoneMsg{done: done}
		for _, k := range keys {
			ctx, cancel := context.WithTimeout(context.Background(), bulkTimeout)
			skip, err := step(ctx, st, k)
			cancel()
			name := model.Sanitize(k.Name)
			switch {
			case err != nil:
				msg.failed = append(msg.failed, name+": "+ui.PlainError(err))
			case skip != "":
				msg.skipped = append(msg.skipped, name+" ("+skip+")")
			default:
				msg.changed++
			}
		}
		return msg
	}
}

// bulkDone words the summary and reloads: the marks stay, so the next action can follow.
func (p *keysPage) bulkDone(msg bulkDoneMsg) tea.Cmd {
	line := msg.done + " " + plural(msg.changed, "key")
	if len(msg.skipped) > 0 {
		line += fmt.Sprintf("; %d skipped: %s", len(msg.skipped), listSome(msg.skipped, 3))
	}
	kind := ui.StatusOK
	if len(msg.failed) > 0 {
		line += fmt.Sprintf("; %d failed: %s", len(msg.failed), listSome(msg.failed, 3))
		kind = ui.StatusErr
	}
	return tea.Batch(ui.SetStatus(kind, line+"."), ui.StoreChanged)
}

// listSome joins up to n items: "a, b, c and 4 more".
func listSome(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:n], ", ") + fmt.Sprintf(" and %d more", len(items)-n)
}

// keyNames names up to n keys for a question.
func keyNames(keys []model.Key, n int) string {
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = model.Sanitize(k.Name)
	}
	return listSome(names, n)
}

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
		return runBulk(p.env.Store, keys, done, func(ctx context.Context, st ui.Store, k model.Key) (string, error) {
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
	p.ask(confirm.New(fmt.Sprintf("%s %s (%s)?", verb, plural(len(keys), "marked key"), keyNames(keys, 3)), run,
		func() tea.Cmd { return ui.Statusf("Left the %s as they were.", plural(len(keys), "key")) }))
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
	p.ask(confirm.New(fmt.Sprintf("Delete %s (%s)?", plural(len(keys), "marked key"), keyNames(keys, 3)), func() tea.Cmd {
		return runBulk(st, keys, "Deleted", func(ctx context.Context, st ui.Store, k model.Key) (string, error) {
			return "", st.DeleteKey(ctx, k.ID, k.Version)
		})
	}, func() tea.Cmd { return ui.Statusf("Kept the %s.", plural(len(keys), "key")) }))
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
	return runBulk(p.env.Store, p.targets(), "Extended", func(ctx context.Context, st ui.Store, k model.Key) (string, error) {
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
	return runBulk(p.env.Store, p.targets(), done, func(ctx context.Context, st ui.Store, k model.Key) (string, error) {
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

// bulkExportMsg is the result of exporting several keys to one file.
type bulkExportMsg struct {
	path    string
	written int
	skipped []string
	exists  bool
	err     error
}

// askBulkExport asks where to write the targets, one "name<TAB>key" line each.
func (p *keysPage) askBulkExport(path string) tea.Cmd {
	keys := p.targets()
	if len(keys) == 0 {
		return nil
	}
	if path = strings.TrimSpace(path); path != "" {
		return exportKeysCmd(p.env.Store, keys, path, false)
	}
	st := p.env.Store
	q, cmd := confirm.NewPrompt("Export "+plural(len(keys), "key")+" to:", "./keys.txt", func(path string) tea.Cmd {
		return exportKeysCmd(st, keys, path, false)
	}, func() tea.Cmd { return ui.Statusf("Export cancelled.") })
	p.ask(q)
	return cmd
}

// exportKeysCmd writes keys to one new 0600 file as "name<TAB>key" lines, the format
// `provkeys keys import` reads. Each key is exported (and audited) on its own; a key that
// is not exportable is skipped and named.
func exportKeysCmd(st ui.Store, keys []model.Key, path string, replace bool) tea.Cmd {
	return func() tea.Msg {
		path, err := ui.ExpandPath(path)
		if err != nil {
			return bulkExportMsg{path: path, err: err}
		}
		f, err := keyfile.Create(path, replace)
		if errors.Is(err, fs.ErrExist) {
			return bulkExportMsg{path: path, exists: true}
		}
		if err != nil {
			return bulkExportMsg{path: path, err: err}
		}
		msg := bulkExportMsg{path: path}
		lines := make([]string, 0, len(keys))
		for _, k := range keys {
			if !k.Exportable {
				msg.skipped = append(msg.skipped, model.Sanitize(k.Name)+" (not exportable)")
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), bulkTimeout)
			secret, err := st.ExportKey(ctx, k.ID)
			cancel()
			if err != nil {
				msg.skipped = append(msg.skipped, model.Sanitize(k.Name)+" ("+ui.PlainError(err)+")")
				continue
			}
			lines = append(lines, k.Name+"\t"+secret)
		}
		if len(lines) == 0 {
			f.Abort()
			msg.err = errors.New("no key could be exported")
			return msg
		}
		msg.written = len(lines)
		msg.err = f.Commit(strings.Join(lines, "\n"))
		return msg
	}
}

// exported reports a bulk export.
func (p *keysPage) exported(msg bulkExportMsg) tea.Cmd {
	where := model.Sanitize(msg.path)
	switch {
	case msg.exists:
		return ui.SetStatus(ui.StatusErr, "Didn't export: "+where+" exists; name a new file.")
	case msg.err != nil:
		line := "Couldn't export keys to " + where + ": " + ui.PlainError(msg.err)
		if len(msg.skipped) > 0 {
			line += "; skipped: " + listSome(msg.skipped, 3)
		}
		return ui.SetStatus(ui.StatusErr, line+".")
	}
	line := fmt.Sprintf("Exported %s to %s (mode 0600, name<TAB>key lines)", plural(msg.written, "key"), where)
	if len(msg.skipped) > 0 {
		return ui.SetStatus(ui.StatusErr, line+fmt.Sprintf("; %d skipped: %s.", len(msg.skipped), listSome(msg.skipped, 3)))
	}
	return ui.Okf("%s.", line)
}
