package ui

import (
	"fmt"
	"time"

	"charm.land/lipgloss/v2"

	"provkeys/model"
	"provkeys/ui/theme"
)

// Columns of the Certificates table.
const (
	ccolName = iota
	ccolSubject
	ccolExpires
	ccolKeys
)

var certColumns = []column{
	ccolName:    {title: "NAME", min: 14, grow: 1},
	ccolSubject: {title: "SUBJECT", min: 16, grow: 2},
	ccolExpires: {title: "EXPIRES", min: 20},
	ccolKeys:    {title: "KEYS", min: 5, opt: 1},
}

// certSoon is how close an expiry must be to be flagged.
const certSoon = 30 * 24 * time.Hour

// View draws the bar (or the open question) and the table, the import form or a notice.
func (p *certsPage) View(width, height int) string {
	if width <= 0 || height <= 0 {
		return ""
	}
	sty := &p.env.styles
	if p.form != nil {
		return theme.FitBlock(p.form.view(sty), width, height)
	}
	bar := p.list.barLine(width, "certificates", sty)
	if p.ask != nil {
		bar = p.ask.view(width, sty)
	}
	empty := "No signing certificates. Press i to import a CA certificate from a PEM file; every key needs one."
	if !p.env.can(model.ActionImport) {
		empty = "No signing certificates. An admin can import one (a CA certificate in a PEM file)."
	}
	body, ok := p.list.notice(width, "certificates", empty, sty)
	if !ok {
		body = renderTable(p.tableView(), width, height-1, sty)
	}
	return bar + "\n" + theme.FitBlock(body, width, height-1)
}

// tableView describes the visible table; its funcs look only at the rows being drawn.
func (p *certsPage) tableView() tableView {
	sty := &p.env.styles
	now := p.env.now()
	l := &p.list
	return tableView{
		cols: certColumns, n: len(l.view), cursor: l.cursor, top: l.top, sortCol: -1,
		cell: func(i, c int) string {
			r := l.at(i)
			switch c {
			case ccolName:
				return r.name
			case ccolSubject:
				return orDash(r.subject)
			case ccolExpires:
				return certExpiry(r.c.NotAfter, now)
			case ccolKeys:
				return fmt.Sprint(r.c.KeyCount)
			}
			return ""
		},
		style: func(i, c int) (lipgloss.Style, bool) {
			if c != ccolExpires {
				return lipgloss.Style{}, false
			}
			switch t := l.at(i).c.NotAfter; {
			case !now.Before(t):
				return sty.Error, true
			case t.Sub(now) < certSoon:
				return sty.Warn, true
			}
			return lipgloss.Style{}, false
		},
		glyph: func(i int) string { return expandGlyph(l.isExpanded(l.at(i).c.ID)) },
		detail: func(i, width int) []string {
			r := l.at(i)
			if !l.isExpanded(r.c.ID) {
				return nil
			}
			return p.detailLines(r, width)
		},
	}
}

// certExpiry is the Expires cell: the date, with a word when it is past or close.
func certExpiry(t, now time.Time) string {
	if t.IsZero() {
		return "—"
	}
	date := t.In(now.Location()).Format("2006-01-02")
	switch {
	case !now.Before(t):
		return date + " ✕ expired"
	case t.Sub(now) < certSoon:
		return date + " ⚠ in " + span(t.Sub(now))
	}
	return date
}

// detailLines draws an expanded certificate.
func (p *certsPage) detailLines(r *certRow, width int) []string {
	now, c := p.env.now(), &r.c
	issuer := orDash(r.issuer)
	if c.Issuer != "" && c.Issuer == c.Subject {
		issuer += "  (self-signed: a root CA)"
	}
	uses := "no keys use it (it can be deleted)"
	if c.KeyCount > 0 {
		uses = fmt.Sprintf("%d key(s) sign with it", c.KeyCount)
	}
	created := stamp(c.CreatedAt, now)
	if c.CreatedBy != "" {
		created += " by " + r.createdBy
	}
	return objDetailLines([]objDetail{
		{label: "Subject", value: orDash(r.subject), wrap: true},
		{label: "Issuer", value: issuer, wrap: true},
		{label: "Not after", value: expiryText(c.NotAfter, now), half: true},
		{label: "Keys", value: uses, half: true},
		{label: "Created", value: created, half: true},
		{label: "ID", value: fmt.Sprint(c.ID), half: true},
	}, width, &p.env.styles)
}
