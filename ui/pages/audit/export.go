package audit

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/components/confirm"
	"provkeys/ui/components/listpage"
	"provkeys/ui/components/palette"
	"provkeys/ui/keyfile"
)

// The Audit view's palette (":"): export the events shown, and the other views by name.

// commands are the Audit view's palette commands.
func (p *auditPage) commands() []listpage.Command {
	cmds := []listpage.Command{{
		Entry: palette.Entry{Name: "export", Args: "FILE",
			About: "write the events shown (the filter applied) to FILE: CSV for .csv, else JSON lines"},
		Run: p.export,
	}}
	for _, v := range []struct{ command, page string }{
		{"keys", "Keys"}, {"groups", "Machine Groups"}, {"certs", "Certificates"}, {"machines", "Machines"},
	} {
		cmds = append(cmds, listpage.Command{
			Entry: palette.Entry{Name: v.command, About: "open the " + v.page + " view"},
			Run:   func(string) tea.Cmd { return ui.Open(v.page, "") },
		})
	}
	return cmds
}

// auditExportMsg is an export's result: rows written to path, or exists (ask to replace).
type auditExportMsg struct {
	path, format string
	rows         int
	exists       bool
	events       []model.AuditEvent // kept for the replace question
	err          error
}

// export writes the events the view shows, in its order, to the file arg names.
func (p *auditPage) export(arg string) tea.Cmd {
	path := strings.TrimSpace(arg)
	switch {
	case path == "":
		return ui.SetStatus(ui.StatusErr, "Name the file, such as :export audit.csv (CSV) or :export audit.jsonl.")
	case p.Env.Remote():
		return ui.SetStatus(ui.StatusErr, "An export file would land on the server: run `ssh -p PORT HOST audit --format csv > audit.csv` on your own machine.")
	}
	evs := make([]model.AuditEvent, 0, len(p.List.View))
	for _, i := range p.List.View {
		evs = append(evs, p.List.Items[i].ev)
	}
	if len(evs) == 0 {
		return ui.SetStatus(ui.StatusErr, "No events shown: nothing to export.")
	}
	return exportCmd(path, evs, false)
}

// exportCmd encodes evs by path's extension and writes them with the one safe file writer
// (0600, never through a symbolic link), in a command: file I/O never runs in Update.
// Without replace, an existing file comes back as a question.
func exportCmd(path string, evs []model.AuditEvent, replace bool) tea.Cmd {
	return func() tea.Msg {
		path, err := ui.ExpandPath(path)
		if err != nil {
			return auditExportMsg{path: path, err: err}
		}
		if fi, serr := os.Stat(path); serr == nil && fi.IsDir() {
			path = filepath.Join(path, "audit.jsonl") // a directory gets DIR/audit.jsonl
		}
		format := model.AuditFormat(path)
		msg := auditExportMsg{path: path, format: format, rows: len(evs), events: evs}
		var buf bytes.Buffer
		if msg.err = model.WriteAudit(&buf, format, evs); msg.err != nil {
			return msg
		}
		f, err := keyfile.Create(path, replace)
		if errors.Is(err, fs.ErrExist) {
			msg.exists = true
			return msg
		}
		if err != nil {
			msg.err = err
			return msg
		}
		msg.err = f.CommitData(buf.Bytes())
		return msg
	}
}

// exported says how many rows were written where, or asks before replacing a file.
func (p *auditPage) exported(msg auditExportMsg) tea.Cmd {
	shown := model.Sanitize(msg.path)
	switch {
	case msg.exists:
		evs, path := msg.events, msg.path
		p.Ask = confirm.New(fmt.Sprintf("%s exists. Replace it?", shown),
			func() tea.Cmd { return exportCmd(path, evs, true) },
			func() tea.Cmd { return ui.Statusf("Kept %s; nothing was exported.", shown) })
		return nil
	case msg.err != nil:
		return ui.SetStatus(ui.StatusErr, fmt.Sprintf("Could not export the audit events: %s", ui.PlainError(msg.err)))
	}
	what := "events"
	if msg.rows == 1 {
		what = "event"
	}
	return ui.Okf("Exported %d audit %s to %s (%s, mode 0600).", msg.rows, what, shown, msg.format)
}

// Update takes the export's result, and hands everything else to the list page.
func (p *auditPage) Update(msg tea.Msg) tea.Cmd {
	if m, ok := msg.(auditExportMsg); ok {
		cmd := p.exported(m)
		p.Sync()
		return cmd
	}
	return p.Page.Update(msg)
}
