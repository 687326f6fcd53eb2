package listpage

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"provkeys/ui/theme"
)

// objDetail is one labelled, sanitized value of an expanded row in the Machine Groups,
// Certificates and Audit views. Half items pair up on wide screens; a wrap item takes as
// many lines as its text needs; lines, when set, are drawn under the label as they are.
type Detail struct {
	Label, Value string
	Half, Wrap   bool
	Lines        []string
}

// detailIndent lines expanded values up under the table's first column.
const (
	DetailIndent = "      "
	detailLabelW = 14
	maxWrapLines = 8 // a wrapped value shows no more than this, ending in "…"
)

// objDetailLines lays out items under an expanded row.
func DetailLines(items []Detail, width int, sty *theme.Styles) []string {
	inner := max(10, width-len(DetailIndent))
	line := func(label, value string, w int) string {
		return sty.Label.Render(theme.Pad(label, detailLabelW)) + sty.Detail.Render(theme.Pad(value, max(1, w-detailLabelW)))
	}
	var out []string
	wide := inner >= 96
	for i := 0; i < len(items); i++ {
		it := items[i]
		switch {
		case it.Lines != nil:
			for j, l := range it.Lines {
				label := it.Label
				if j > 0 {
					label = ""
				}
				out = append(out, DetailIndent+sty.Label.Render(theme.Pad(label, detailLabelW))+l)
			}
		case it.Wrap:
			ww := max(1, inner-detailLabelW)
			wrapped := strings.Split(ansi.Wrap(it.Value, ww, " "), "\n")
			if len(wrapped) > maxWrapLines {
				wrapped = wrapped[:maxWrapLines]
				wrapped[maxWrapLines-1] = ansi.Truncate(wrapped[maxWrapLines-1], ww-1, "") + "…"
			}
			for j, l := range wrapped {
				label := it.Label
				if j > 0 {
					label = ""
				}
				out = append(out, DetailIndent+line(label, l, inner))
			}
		case wide && it.Half && i+1 < len(items) && items[i+1].Half:
			nx, half := items[i+1], inner/2
			out = append(out, DetailIndent+line(it.Label, it.Value, half)+line(nx.Label, nx.Value, inner-half))
			i++
		default:
			out = append(out, DetailIndent+line(it.Label, it.Value, inner))
		}
	}
	return out
}
