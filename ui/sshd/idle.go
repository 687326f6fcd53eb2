package sshd

import (
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
)

// QuitWhenIdle wraps m so that the program quits after the given time without a key press.
// Quitting from inside the program restores the operator's terminal (main screen, cursor);
// an SSH-level idle timeout cutting the connection instead would leave it in the alternate
// screen with the cursor hidden, so that one is only the backstop. A zero duration returns m.
func QuitWhenIdle(m tea.Model, after time.Duration) tea.Model {
	return newIdleQuit(m, after, nil)
}

// sshIdleCheckMsg asks the idle wrapper whether the time is up. It is the wrapper's own
// message and never reaches the wrapped model.
type sshIdleCheckMsg struct{}

// idleQuit is the wrapper behind QuitWhenIdle.
type idleQuit struct {
	inner tea.Model
	after time.Duration
	last  time.Time        // last key press (or start)
	now   func() time.Time // time.Now; tests substitute a clock
	// tick is tea.Tick; tests substitute a recorder to check what is scheduled, and when.
	tick  func(time.Duration, func(time.Time) tea.Msg) tea.Cmd
	idled *atomic.Bool // set when the wrapper quits, so the server can say why; may be nil
}

func newIdleQuit(m tea.Model, after time.Duration, idled *atomic.Bool) tea.Model {
	if after <= 0 || m == nil {
		return m
	}
	return idleQuit{inner: m, after: after, last: time.Now(), now: time.Now, tick: tea.Tick, idled: idled}
}

// Init starts the wrapped model and the one check timer the wrapper keeps running.
func (m idleQuit) Init() tea.Cmd {
	return tea.Batch(m.inner.Init(), m.check(m.after))
}

// Update notes key presses, answers its own timer and hands everything else on.
func (m idleQuit) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg.(type) {
	case sshIdleCheckMsg:
		left := m.after - m.now().Sub(m.last)
		if left <= 0 {
			if m.idled != nil {
				m.idled.Store(true)
			}
			return m, tea.Quit
		}
		// Sleep exactly until the earliest possible expiry: one timer per session, no polling.
		return m, m.check(left)
	case tea.KeyPressMsg, tea.PasteMsg:
		m.last = m.now()
	}
	inner, cmd := m.inner.Update(msg)
	m.inner = inner
	return m, cmd
}

// View is the wrapped model's view.
func (m idleQuit) View() tea.View { return m.inner.View() }

// check asks for one idle check after d.
func (m idleQuit) check(d time.Duration) tea.Cmd {
	return m.tick(d, func(time.Time) tea.Msg { return sshIdleCheckMsg{} })
}
