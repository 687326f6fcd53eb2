package certs

import (
	"fmt"
	"time"

	"charm.land/lipgloss/v2"

	"provkeys/ui"
	"provkeys/ui/components/listpage"
	"provkeys/ui/components/table"
	"provkeys/ui/theme"
)

// Columns of the Certificates table.
const (
	ccolName = iota
	ccolSubject
	ccolExpires
	ccolKeys
)

var certColumns = []table.Column{
	ccolName:    {Title: "NAME", Min: 14, Grow: 1},
	ccolSubject: {Title: "SUBJECT", Min: 16, Grow: 2},
	ccolExpires: {Title: "EXPIRES", Min: 20},
	ccolKeys:    {Title: "KEYS", Min: 5, Opt: 1},
}

// certSoon is how close an expiry must be to be flagged.
const certSoon = 30 * 24 * time.Hour

// certCell is one cell of the table.
func certCell(r *certRow, c int, now time.Time) string {
	switch c {
	case ccolName:
		return r.name
	case ccolSubject:
		return ui.OrDash(r.subject)
	case ccolExpires:
		return certExpiry(r.c.NotAfter, now)
	case ccolKeys:
		return fmt.Sprint(r.c.KeyCount)
	}
	return ""
}

// certStyle flags an expiry that is past or close.
func certStyle(r *certRow, c int, now time.Time, sty *theme.Styles) (lipgloss.Style, bool) {
	if c != ccolExpires {
		return lipgloss.Style{}, false
	}
	switch t := r.c.NotAfter; {
	case !now.Before(t):
		return sty.Error, true
	case t.Sub(now) < certSoon:
		return sty.Warn, true
	}
	return lipgloss.Style{}, false
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
		return date + " ⚠ in " + ui.Span(t.Sub(now))
	}
	return date
}

// detailLines draws an expanded certificate.
func (p *certsPage) detailLines(r *certRow, width int) []string {
	now, c := p.Env.Now(), &r.c
	issuer := ui.OrDash(r.issuer)
	if c.Issuer != "" && c.Issuer == c.Subject {
		issuer += "  (self-signed: a root CA)"
	}
	uses := "no keys use it (it can be deleted)"
	if c.KeyCount > 0 {
		uses = fmt.Sprintf("%d key(s) sign with it · K lists them", c.KeyCount)
	}
	signing := "signs machine certificates (its private key is in the store, sealed)"
	if !r.canSign {
		signing = "verify only: imported without its private key, so keys signed by it cannot enroll machines"
	}
	created := ui.Stamp(c.CreatedAt, now)
	if c.CreatedBy != "" {
		created += " by " + r.createdBy
	}
	return listpage.DetailLines([]listpage.Detail{
		{Label: "Subject", Value: ui.OrDash(r.subject), Wrap: true},
		{Label: "Issuer", Value: issuer, Wrap: true},
		{Label: "Signing", Value: signing, Wrap: true},
		{Label: "Not after", Value: ui.ExpiryText(c.NotAfter, now), Half: true},
		{Label: "Keys", Value: uses, Half: true},
		{Label: "Created", Value: created, Half: true},
		{Label: "ID", Value: fmt.Sprint(c.ID), Half: true},
	}, width, &p.Env.Styles)
}
