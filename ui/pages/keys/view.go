package keys

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"provkeys/keyformat"
	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/components/table"
	"provkeys/ui/pages/keys/columns"
	"provkeys/ui/pages/keys/reveal"
	"provkeys/ui/theme"
)

// View draws the bar and, below it, the table or the overlays on top of it (overlay.go).
func (p *keysPage) View(width, height int) string {
	if width <= 0 || height <= 0 {
		return ""
	}
	bh := height - 1
	bar, body := p.barLine(width), ""
	for _, o := range p.stack {
		if _, ok := o.(barOverlay); ok {
			bar = o.View(width, 1)
		}
	}
	// The hygiene summary sits under the title, over the table only.
	if summary := p.hygieneLine(width); summary != "" {
		bar = theme.FitLine(summary, width) + "\n" + bar
		bh--
	}
	if !p.hasBody() {
		body = p.tableBody(width, bh)
	}
	for _, o := range p.stack {
		if _, ok := o.(barOverlay); !ok {
			body = o.View(width, bh)
		}
	}
	return bar + "\n" + theme.FitBlock(body, width, bh)
}

// hasBody is true when an overlay draws the body, so the table need not be drawn.
func (p *keysPage) hasBody() bool {
	return slices.ContainsFunc(p.stack, func(o overlay) bool { _, inBar := o.(barOverlay); return !inBar })
}

// tableBody is the table, or a friendly notice when there is nothing to draw.
func (p *keysPage) tableBody(width, height int) string {
	sty := &p.env.Styles
	switch {
	case p.loadErr != nil && !p.loaded:
		return sty.Error.Render("✗ Couldn't load keys: "+model.Sanitize(ui.PlainError(p.loadErr))) +
			"\n" + sty.Faint.Render("Press ctrl+r to try again.")
	case !p.loaded && p.headTotal == 0:
		return sty.Faint.Render("Loading keys…")
	case p.set.Len() == 0:
		msg := "No keys yet. Press n to add one, or run `provkeys demo` to load sample data."
		if !p.env.Can(model.ActionCreate) {
			msg = "No keys yet. An admin can add one, or run `provkeys demo` to load sample data."
		}
		return "\n  " + sty.EmptyNotice.Render(ansi.Wordwrap(msg, max(10, width-4), " "))
	case len(p.view) == 0:
		return "\n  " + sty.EmptyNotice.Render(fmt.Sprintf("No keys match %q. Press / to change the filter, or esc to clear it.",
			model.Sanitize(p.active.Expr)))
	}
	return table.Render(p.tableView(), width, height, sty)
}

// barLine is the filter bar: the filter (or the prompt to type one), a parse error if the
// last keystroke made the filter invalid, and "N of M keys" with the sort on the right.
func (p *keysPage) barLine(width int) string {
	sty := &p.env.Styles
	dir := "▲"
	if p.sortDesc {
		dir = "▼"
	}
	shown, total := len(p.view), p.set.Len()
	if p.headTotal > 0 {
		// Only the first screenful is here: count every key, and say the rest is coming.
		shown, total = p.headTotal, p.headTotal
		if strings.TrimSpace(p.active.Expr) != "" {
			shown = len(p.view)
		}
	}
	right := fmt.Sprintf("%d of %d keys · sort %s %s", shown, total,
		strings.ToLower(columns.Layout[p.sortCol].Title), dir)
	if n := len(p.marks); n > 0 {
		right = fmt.Sprintf("%d marked · ", n) + right
	}
	if width < 70 {
		right = fmt.Sprintf("%d of %d keys", shown, total)
		if n := len(p.marks); n > 0 {
			right = fmt.Sprintf("%d marked · ", n) + right
		}
	}
	if p.headTotal > 0 {
		right = "loading… " + right
	}
	return ui.FilterBar(width, &p.filter, p.filter.Focused(), p.filterErr, right, sty)
}

// detailItem is one labelled value of an expanded row; half items pair up on wide screens.
type detailItem struct {
	label, value string
	half         bool
}

// detailLines draws an expanded key. The number of lines depends only on the width (and
// on a revealed key), never on the data, so scrolling stays cheap and predictable.
func (p *keysPage) detailLines(r *keyRow, width int, now time.Time) []string {
	k := &r.k
	sty := &p.env.Styles
	keyLabel, keyValue := "Key", maskedKey(k.Cloud)
	revealed := p.revealID == k.ID && p.revealSecret != ""
	items := []detailItem{
		{label: "Fingerprint", value: model.Sanitize(k.Fingerprint)},
		{label: "Certificate", value: model.Sanitize(k.CertName), half: true},
		{label: "Re-enrollment", value: ui.YesNo(k.AllowReenroll, "allowed", "not allowed"), half: true},
		{label: "View/Export", value: ui.YesNo(k.Exportable, "on (copy, download, reveal)", "off — erased for good"), half: true},
		{label: "Cloud", value: ui.OrDash(model.Sanitize(k.Cloud)), half: true},
		{label: "Description", value: ui.OrDash(model.Sanitize(k.Description))},
		{label: "Usage", value: usageText(k), half: true},
		{label: "Expires", value: ui.ExpiryText(k.ExpiresAt, now), half: true},
		{label: "Machines", value: p.activity.MachinesText(k, now)},
		{label: "Enrollments", value: p.activity.EnrollmentsText(k)},
		{label: "Created", value: ui.Stamp(k.CreatedAt, now) + " by " + ui.OrDash(model.Sanitize(k.CreatedBy)), half: true},
		{label: "Updated", value: ui.Stamp(k.UpdatedAt, now) + " by " + ui.OrDash(model.Sanitize(k.UpdatedBy)), half: true},
		{label: "ID", value: fmt.Sprintf("%d (version %d)", k.ID, k.Version)},
	}
	inner, labelW, wide := keyDetailShape(width)
	var out []string
	line := func(label, value string, w int) string {
		return sty.Label.Render(theme.Pad(label, labelW)) + sty.Detail.Render(theme.Pad(value, max(1, w-labelW)))
	}
	// The key comes first; a revealed key sits alone on lines of its own (package reveal).
	if revealed {
		out = append(out, reveal.Lines(p.revealSecret, width, keyIndent, sty)...)
	} else {
		out = append(out, keyIndent+line(keyLabel, keyValue, inner))
	}
	half := inner / 2
	for i := 0; i < len(items); i++ {
		it := items[i]
		if wide && it.half && i+1 < len(items) && items[i+1].half {
			nx := items[i+1]
			out = append(out, keyIndent+line(it.label, it.value, half)+line(nx.label, nx.value, inner-half))
			i++
			continue
		}
		out = append(out, keyIndent+line(it.label, it.value, inner))
	}
	return out
}

// Expanded rows are indented under the name; labels take a fixed width.
const (
	keyIndent = "      "
	keyLabelW = 14
	// keyDetailItems is how many items follow the key line, and keyDetailPairs how many pairs
	// of them share a line when the screen is wide.
	keyDetailItems = 13
	keyDetailPairs = 4
)

// keyDetailShape is the width inside the indent, the label width, and whether half items pair.
func keyDetailShape(width int) (inner, labelW int, wide bool) {
	inner = max(10, width-len(keyIndent))
	return inner, keyLabelW, inner >= 96
}

// detailCount is len(detailLines) without drawing them, for scrolling.
func (p *keysPage) detailCount(r *keyRow, width int) int {
	_, _, wide := keyDetailShape(width)
	keyLines := 1
	if p.revealID == r.k.ID && p.revealSecret != "" {
		keyLines = reveal.LineCount(p.revealSecret, width)
	}
	if wide {
		return keyLines + keyDetailItems - keyDetailPairs
	}
	return keyLines + keyDetailItems
}

// maskedKey is the key's visible part, built from its cloud without fetching the secret.
func maskedKey(cloud string) string {
	if cloud == "" {
		return "••••"
	}
	return model.Sanitize(keyformat.Mask(fmt.Sprintf("%d|%s|-", keyformat.CurrentVersion, cloud)))
}

func usageText(k *model.Key) string {
	if k.MaxUsage <= 0 {
		return fmt.Sprintf("%d of ∞ (no limit)", k.UsageCount)
	}
	left := max(0, k.MaxUsage-k.UsageCount)
	return fmt.Sprintf("%d of %d (%d left)", k.UsageCount, k.MaxUsage, left)
}
