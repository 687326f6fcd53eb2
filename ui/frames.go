package ui

import tea "charm.land/bubbletea/v2"

// FrameRate is the frames per second every dashboard program is built with
// (tea.WithFPS(FrameRate)), locally and over SSH. Bubble Tea v2.1.1 writes a frame only on its
// renderer's ticker, so a key press waited for the next tick, half a tick on average; the copy
// in third_party/bubbletea (go.mod's replace) also writes a frame at once unless two went out
// within the last tick, so a key is drawn right after its Update, and the ticker only paces
// bursts. 120 is the library's ceiling (it clamps anything higher): a burst is drawn at
// most about every 8 ms. The renderer skips a frame that did not change, so an idle dashboard
// still writes nothing.
const FrameRate = 120

// ProgramOptions are the options every dashboard program starts with, before its own
// input, output and context.
func ProgramOptions() []tea.ProgramOption {
	return []tea.ProgramOption{tea.WithFPS(FrameRate)}
}
