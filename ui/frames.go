package ui

import tea "charm.land/bubbletea/v2"

// FrameRate is the frames per second every dashboard program is built with
// (tea.WithFPS(FrameRate)), locally and over SSH. Bubble Tea v2 writes a frame only on its
// renderer's ticker, never right after Update, so a key press waits for the next tick: half a
// tick on average. 120 is the library's ceiling (it clamps anything higher); it halves that
// wait against the default 60. The renderer skips a tick whose frame did not change, so an idle
// dashboard still writes nothing.
const FrameRate = 120

// ProgramOptions are the options every dashboard program starts with, before its own
// input, output and context.
func ProgramOptions() []tea.ProgramOption {
	return []tea.ProgramOption{tea.WithFPS(FrameRate)}
}
