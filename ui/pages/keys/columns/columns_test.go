package columns

import (
	"slices"
	"testing"
)

// Choose keeps the fixed three first, then the chosen names in the operator's order, dropping
// unknown names and repeats; the first chosen joins first as the screen widens.
func TestChooseOrdersAndDrops(t *testing.T) {
	c := Choose([]string{"machines", "nope", "cert", "machines", "name"})
	if got, want := c.Shown(), []int{Name, Groups, Status, Machines, Cert}; !slices.Equal(got, want) {
		t.Fatalf("shown %v, want %v", got, want)
	}
	if got := c.Chosen(); !slices.Equal(got, []string{"machines", "cert"}) {
		t.Fatalf("chosen %v", got)
	}
	if tb := c.Table(); len(tb) != 5 || tb[3].Title != "MACHINES" || tb[3].Opt != 1 || tb[4].Opt != 2 {
		t.Fatalf("table %+v", tb)
	}
	if c.Index(Fingerprint) != -1 || c.Index(Cert) != 4 {
		t.Fatalf("index: fingerprint %d, cert %d", c.Index(Fingerprint), c.Index(Cert))
	}
}

// NextSortable skips columns that do not sort and goes round to name.
func TestNextSortableSkipsAndWraps(t *testing.T) {
	c := Choose([]string{"description", "usage", "cert"})
	if got := c.NextSortable(Status); got != Usage {
		t.Fatalf("after status: %d, want usage (%d)", got, Usage)
	}
	if got := c.NextSortable(Usage); got != Name {
		t.Fatalf("after usage: %d, want name", got)
	}
	if got := Default().Chosen(); !slices.Equal(got, []string{"fingerprint", "usage", "updated"}) {
		t.Fatalf("default %v", got)
	}
}
