package keys

import (
	"context"

	tea "charm.land/bubbletea/v2"
)

// deliver runs cmd and hands its messages to p, opening batches: what the program would do
// for a command whose messages do not lead to further commands the test cares about.
func deliver(p *keysPage, cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	switch msg := cmd().(type) {
	case tea.BatchMsg:
		for _, c := range msg {
			deliver(p, c)
		}
	case nil:
	default:
		p.Update(msg)
	}
}

// The counting stores of the performance tests have no columns saved.
func (s *countingStore) KeyColumns(context.Context) ([]string, error)   { return nil, nil }
func (s *countingStore) SaveKeyColumns(context.Context, []string) error { return nil }
func (s *countingStore) ActiveMachineCounts(context.Context) (map[int64]int, error) {
	return nil, nil
}
