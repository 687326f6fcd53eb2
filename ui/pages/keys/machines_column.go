package keys

import (
	"context"
	"strconv"

	tea "charm.land/bubbletea/v2"

	"provkeys/ui"
	"provkeys/ui/pages/keys/columns"
)

// The machines column counts each key's unrevoked machines (Store.ActiveMachineCounts). The
// counts are asked for only while the column shows, with every load of the keys, so they
// follow enrollments and revocations as the rest of the row does.

// machineCountsMsg is the counts, or why they could not be read.
type machineCountsMsg struct {
	seq    int
	counts map[int64]int
	err    error
}

// askMachineCounts loads the counts when the machines column shows.
func (p *keysPage) askMachineCounts() tea.Cmd {
	if p.cols.Index(columns.Machines) < 0 {
		return nil
	}
	p.machinesSeq++
	st, seq := p.env.Store, p.machinesSeq
	return ui.WithStore(func(ctx context.Context) tea.Msg {
		counts, err := st.ActiveMachineCounts(ctx)
		return machineCountsMsg{seq: seq, counts: counts, err: err}
	})
}

func (p *keysPage) machineCountsLoaded(msg machineCountsMsg) tea.Cmd {
	if msg.seq != p.machinesSeq {
		return nil
	}
	if msg.err != nil {
		return ui.Failed("count the keys' machines", msg.err)
	}
	p.machines = msg.counts
	if p.machines == nil {
		p.machines = map[int64]int{}
	}
	return nil
}

// machinesCell is key id's count, "…" until the counts arrive.
func (p *keysPage) machinesCell(id int64) string {
	if p.machines == nil {
		return "…"
	}
	return strconv.Itoa(p.machines[id])
}
