package keys

import (
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/components/frame"
	"provkeys/ui/internal/uitest"
	"provkeys/ui/theme"
)

// BenchmarkKeysView shows that drawing costs the same however many keys are loaded: only
// the rows on screen are rendered.
func BenchmarkKeysView(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			keys := make([]model.Key, n)
			for i := range keys {
				keys[i] = uitest.TestKey(int64(i+1), fmt.Sprintf("key-%07d", i))
			}
			e := &ui.Env{Store: uitest.NewFake(), Actor: uitest.Admin, Styles: theme.Default(),
				Opts: ui.Options{Now: func() time.Time { return uitest.TestNow }}}
			a := frame.New(e, New(e))
			a.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
			p := a.Page(0).(*keysPage)
			p.loaded = true
			p.setKeys(keys)
			p.moveTo(n / 2)
			p.expandAll = true
			b.ResetTimer()
			for range b.N {
				_ = a.View()
			}
		})
	}
}
