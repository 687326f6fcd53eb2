package keys

import (
	"provkeys/ui"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"provkeys/model"
	"provkeys/ui/components/confirm"
)

// createdKey is a key just created, shown once with its material. The page forgets the
// material as soon as the screen closes.
type createdKey struct {
	p      *keysPage
	key    model.Key
	name   string // sanitized
	secret string
	// kept is set once the material was copied or downloaded from this screen.
	kept bool
}

// Update handles the shown-once screen: c/y copy, w download, enter/esc close.
func (c *createdKey) Update(m tea.Msg) (bool, tea.Cmd) {
	msg, isKey := m.(tea.KeyPressMsg)
	if !isKey {
		return false, nil
	}
	p, km := c.p, defaultKeysKeyMap()
	switch {
	case key.Matches(msg, km.Copy):
		c.kept = true
		return false, tea.Batch(copyCmds(c.secret, c.name, p.env.Opts.NativeClipboard),
			auditUse(p.env.Store, c.key.ID, model.ActionCopy, nil))
	case key.Matches(msg, km.Download):
		if p.env.Remote() {
			return false, ui.SetStatus(ui.StatusErr, "Downloads would land on the server: copy the key instead (c).")
		}
		return false, p.askPath(c.key.ID, c.name, c.secret)
	case key.Matches(msg, km.Accept), key.Matches(msg, km.Cancel):
		if !c.key.Exportable && !c.kept {
			// Closing is final for a sealed key that went nowhere yet: ask first.
			p.ask(confirm.New("Close? "+c.name+" was neither copied nor downloaded and can never be shown again", func() tea.Cmd {
				p.remove(c)
				return ui.Statusf("The new key is no longer shown.")
			}, nil))
			return false, nil
		}
		return true, ui.Statusf("The new key is no longer shown.")
	}
	return false, nil
}

func (c *createdKey) Help() []key.Binding {
	p, km := c.p, defaultKeysKeyMap()
	h := []key.Binding{ui.WithHelp(km.Copy, "c", "copy")}
	if !p.env.Remote() {
		h = append(h, ui.WithHelp(km.Download, "w", "download"))
	}
	return append(h, ui.WithHelp(km.Accept, "enter/esc", "done"))
}

// View shows the key once, wrapped to the width so it can be selected with the mouse too.
func (c *createdKey) View(width, _ int) string {
	sty := &c.p.env.Styles
	w := max(20, width-4)
	lines := []string{
		sty.Success.Render("✓ Created key " + c.name + "."),
		"",
		ansi.Wordwrap("This is the only time the key is shown here. Copy it (c) or download it (w) now.", w, " "),
	}
	if !c.key.Exportable {
		lines = append(lines, sty.Warn.Render(ansi.Wordwrap("⚠ View/Export is off: once you close this screen the key can never be shown, copied or downloaded again.", w, " ")))
	}
	lines = append(lines, "")
	// From column 0, nothing else on its lines, so the mouse selects the key alone.
	for _, l := range revealedKeyLines(c.secret, width) {
		lines = append(lines, sty.Secret.Render(l))
	}
	lines = append(lines, "", sty.Label.Render("Fingerprint ")+sty.Detail.Render(model.Sanitize(c.key.Fingerprint)))
	return strings.Join(lines, "\n")
}
