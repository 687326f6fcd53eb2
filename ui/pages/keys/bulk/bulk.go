// Package bulk runs the Keys page's actions on several keys at once: each key is its own
// store call and so its own audited change; a failure names its key and leaves the others
// done, and one status line sums up ("Disabled 12 keys; 1 skipped: …").
package bulk

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/keyfile"
)

// Step is what a bulk action does to one key: change it, leave it with a reason (skip),
// or fail.
type Step func(ctx context.Context, st ui.Store, k model.Key) (skip string, err error)

// DoneMsg is a bulk action's summary.
type DoneMsg struct {
	done    string // "Disabled"
	changed int
	skipped []string // "name (why)"
	failed  []string // "name: why"
}

// timeout bounds one key's store call; the whole run has no overall bound but each
// step has this one.
const timeout = 5 * time.Second

// Run does step to every key in a command, one store call per key.
func Run(st ui.Store, keys []model.Key, done string, step Step) tea.Cmd {
	return func() tea.Msg {
		msg := DoneMsg{done: done}
		for _, k := range keys {
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
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

// Report words the summary and reloads: the page's marks stay, so the next action can follow.
func (msg DoneMsg) Report() tea.Cmd {
	line := msg.done + " " + ui.Plural(msg.changed, "key")
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

// KeyNames names up to n keys for a question.
func KeyNames(keys []model.Key, n int) string {
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = model.Sanitize(k.Name)
	}
	return listSome(names, n)
}

// ExportMsg is the result of exporting several keys to one file.
type ExportMsg struct {
	path    string
	written int
	skipped []string
	exists  bool
	err     error
}

// Export writes keys to one new 0600 file as "name<TAB>key" lines, the format
// `provkeys keys import` reads. Each key is exported (and audited) on its own; a key that
// is not exportable is skipped and named.
func Export(st ui.Store, keys []model.Key, path string, replace bool) tea.Cmd {
	return func() tea.Msg {
		path, err := ui.ExpandPath(path)
		if err != nil {
			return ExportMsg{path: path, err: err}
		}
		f, err := keyfile.Create(path, replace)
		if errors.Is(err, fs.ErrExist) {
			return ExportMsg{path: path, exists: true}
		}
		if err != nil {
			return ExportMsg{path: path, err: err}
		}
		msg := ExportMsg{path: path}
		lines := make([]string, 0, len(keys))
		for _, k := range keys {
			if !k.Exportable {
				msg.skipped = append(msg.skipped, model.Sanitize(k.Name)+" (not exportable)")
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
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

// Report says where the keys went, and which were skipped.
func (msg ExportMsg) Report() tea.Cmd {
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
	line := fmt.Sprintf("Exported %s to %s (mode 0600, name<TAB>key lines)", ui.Plural(msg.written, "key"), where)
	if len(msg.skipped) > 0 {
		return ui.SetStatus(ui.StatusErr, line+fmt.Sprintf("; %d skipped: %s.", len(msg.skipped), listSome(msg.skipped, 3)))
	}
	return ui.Okf("%s.", line)
}
