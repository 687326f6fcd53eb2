package audit

import (
	"strings"
	"testing"

	"provkeys/ui/internal/uitest"
)

// The Audit filter takes field terms as the Keys filter does: actor:, action:, object:,
// result:, free text, - and |.
func TestAuditFilterFieldTerms(t *testing.T) {
	t.Parallel()
	d := openView(t, uitest.NewViewsStore(), uitest.Admin, 3)
	for _, c := range []struct {
		expr string
		n    int
		see  string
	}{
		{"action:export", 1, "key web-01"},
		{"ACTION:Update", 1, "group Laptops"},
		{"actor:alice", 2, "group Laptops"},
		{"object:key", 1, "bob"},
		{`object:"group laptops" -action:update`, 1, "create"},
		{"result:refused", 1, "not allowed for your role"},
		{"result:ok", 2, "alice"},
		{"action:create|export", 2, "web-01"},
		{"actor:bob action:update", 0, "No events match"},
		{"laptops actor:alice", 2, "update"}, // free text beside a field term
	} {
		d.Press("/")
		d.Typ(c.expr)
		d.Press("enter")
		if got := len(auditOf(d).List.View); got != c.n {
			t.Fatalf("filter %q: %d events, want %d", c.expr, got, c.n)
		}
		d.MustSee(c.see)
		d.Press("/", "esc")
		d.MustSee("3 of 3 events")
	}
}

// A term that does not parse is named in the bar, as the Keys filter does, and the last good
// result stays on screen.
func TestAuditFilterErrorsNameTheTerm(t *testing.T) {
	t.Parallel()
	d := openView(t, uitest.NewViewsStore(), uitest.Admin, 3)
	d.Press("/")
	d.Typ("actr:bob")
	d.MustSee(`✗ unknown field "actr:" (use actor:, action:, object:, result:)`)
	d.Press("esc", "/")
	d.Typ("action:")
	d.MustSee("✗ action: needs a value, such as action:export")
	d.Press("esc", "/")
	d.Typ(`object:"web`)
	d.MustSee("✗ unterminated quote at character 8")
	d.Press("esc")
	if strings.Contains(d.View(), "✗ unterminated") {
		t.Fatal("the error outlived the filter")
	}
}

// ? on the Audit page lists the filter's field terms.
func TestAuditHelpListsTheFilterTerms(t *testing.T) {
	t.Parallel()
	d := openView(t, uitest.NewViewsStore(), uitest.Admin, 3)
	d.Press("?")
	d.MustSee("actor:NAME", "action:export", "object:key", "result:ok|refused", "-term", "a|b")
}
