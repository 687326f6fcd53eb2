package keyform

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/components/confirm"
	"provkeys/ui/pages/keys/reveal"
)

// Created is a key just created (or rotated), shown once with its material. The page forgets
// the material as soon as the screen closes.
type Created struct {
	env    *ui.Env
	h      CreatedHooks
	key    model.Key
	name   string // sanitized
	secret string
	// kept is set once the material was copied or downloaded from this screen.
	kept bool
}

// CreatedHooks are what the screen asks of the page.
type CreatedHooks struct {
	// Copy copies the material to the clipboard (and records the copy).
	Copy func() tea.Cmd
	// Download asks where to write the material, then writes it (MarkKept follows).
	Download func() tea.Cmd
	// Ask puts a question on top of the screen.
	Ask func(q *confirm.Question)
	// Close closes the screen (after the question that Ask showed).
	Close func()
	// Keys are the page's bindings the screen shares.
	Keys CreatedKeyMap
}

// CreatedKeyMap is the screen's bindings: c/y copy, w download, enter or esc close.
type CreatedKeyMap struct {
	Copy, Download, Done, Cancel key.Binding
}

// NewCreated shows key k with its material secret, once.
func NewCreated(e *ui.Env, h CreatedHooks, k model.Key, secret string) *Created {
	return &Created{env: e, h: h, key: k, name: model.Sanitize(k.Name), secret: secret}
}

// Key is the key shown.
func (c *Created) Key() model.Key { return c.key }

// Name is the key's name, sanitized.
func (c *Created) Name() string { return c.name }

// MarkKept records that the material went somewhere (a file), so closing asks nothing.
func (c *Created) MarkKept() { c.kept = true }

// Update handles the shown-once screen: c/y copy, w download, enter/esc close.
func (c *Created) Update(m tea.Msg) (bool, tea.Cmd) {
	msg, isKey := m.(tea.KeyPressMsg)
	if !isKey {
		return false, nil
	}
	km := &c.h.Keys
	switch {
	case key.Matches(msg, km.Copy):
		c.kept = true
		return false, c.h.Copy()
	case key.Matches(msg, km.Download):
		if c.env.Remote() {
			return false, ui.SetStatus(ui.StatusErr, "Downloads would land on the server: copy the key instead (c).")
		}
		return false, c.h.Download()
	case key.Matches(msg, km.Done), key.Matches(msg, km.Cancel):
		if !c.key.Exportable && !c.kept {
			// Closing is final for a sealed key that went nowhere yet: ask first.
			c.h.Ask(confirm.New("Close? "+c.name+" was neither copied nor downloaded and can never be shown again", func() tea.Cmd {
				c.h.Close()
				return ui.Statusf("The new key is no longer shown.")
			}, nil))
			return false, nil
		}
		return true, ui.Statusf("The new key is no longer shown.")
	}
	return false, nil
}

func (c *Created) Help() []key.Binding {
	km := &c.h.Keys
	h := []key.Binding{ui.WithHelp(km.Copy, "c", "copy")}
	if !c.env.Remote() {
		h = append(h, ui.WithHelp(km.Download, "w", "download"))
	}
	return append(h, ui.WithHelp(km.Done, "enter/esc", "done"))
}

// View shows the key once, wrapped to the width so it can be selected with the mouse too.
func (c *Created) View(width, _ int) string {
	sty := &c.env.Styles
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
	for _, l := range reveal.KeyLines(c.secret, width) {
		lines = append(lines, sty.Secret.Render(l))
	}
	lines = append(lines, "", sty.Label.Render("Fingerprint ")+sty.Detail.Render(model.Sanitize(c.key.Fingerprint)))
	return strings.Join(lines, "\n")
}
