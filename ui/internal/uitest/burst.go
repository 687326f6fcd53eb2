package uitest

import tea "charm.land/bubbletea/v2"

// Burst delivers msgs as keys that arrive together (over SSH they come in bursts): every
// message is handled before any command they produced runs, as Bubble Tea does when input is
// already waiting. Whatever needs a command's round trip happens only after the whole burst.
func (d *Driver) Burst(msgs ...tea.Msg) {
	d.T.Helper()
	cmds := make([]tea.Cmd, 0, len(msgs))
	for _, msg := range msgs {
		_, cmd := d.M.Update(msg)
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		d.run(cmd)
	}
	d.failSlow()
}

// Keys are the key presses of named keys ("shift+tab", "enter") and of every character of
// text arguments that are not key names, for Burst.
func Keys(keys ...string) []tea.Msg {
	var out []tea.Msg
	for _, k := range keys {
		if len([]rune(k)) == 1 || isKeyName(k) {
			out = append(out, keyMsg(k))
			continue
		}
		for _, r := range k {
			out = append(out, tea.KeyPressMsg{Code: r, Text: string(r)})
		}
	}
	return out
}

// isKeyName reports whether s names a key rather than text to type.
func isKeyName(s string) bool {
	switch s {
	case "enter", "esc", "tab", "shift+tab", "up", "down", "left", "right", "home", "end",
		"pgup", "pgdown", "backspace", "space":
		return true
	}
	return len(s) > 5 && s[:5] == "ctrl+"
}
