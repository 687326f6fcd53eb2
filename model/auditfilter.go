package model

import (
	"fmt"
	"strings"
)

// AuditFilter is a parsed Audit view filter: the Keys filter's syntax (Filter) over an audit
// event's words. Every term must match:
//
//   - Free text matches the actor, the action, the object (its type and name) or the result.
//   - actor:, action: and object: match that one of them.
//   - result:ok matches successful events, result:refused every other one (refusals and
//     failures); any other result: value matches the result's text.
//   - A leading - negates a term, | separates alternatives, double quotes keep white space.
//
// Matching ignores case. The zero AuditFilter matches every event.
type AuditFilter struct {
	terms []auditClause
}

type auditClause struct {
	neg   bool
	field string   // "actor", "action", "object", "result" or "" for free text
	alts  []string // lower-case needles
}

// auditFieldList names the fields in the order help shows them.
const auditFieldList = "actor:, action:, object:, result:"

// auditExamples is what an empty value of each field is told to look like.
var auditExamples = map[string]string{
	"actor": "actor:alice", "action": "action:export", "object": `object:"key web-01"`, "result": "result:refused",
}

// ParseAuditFilter parses an Audit view filter. A bad expression gives a *ValidationError for
// "filter" that names the offending term: an unknown field, a field without a value, or a
// quote that is never closed.
func ParseAuditFilter(expr string) (AuditFilter, error) {
	var f AuditFilter
	err := eachTerm(expr, func(neg bool, field string, values []string, raw string) error {
		lf := strings.ToLower(field)
		if _, ok := auditExamples[lf]; field != "" && !ok {
			return filterError(fmt.Sprintf("unknown field %q (use %s)", field+":", auditFieldList))
		}
		c := auditClause{neg: neg, field: lf}
		for _, v := range values {
			if v != "" {
				c.alts = append(c.alts, strings.ToLower(v))
			}
		}
		switch {
		case len(c.alts) > 0:
			f.terms = append(f.terms, c)
		case field != "":
			return filterError(fmt.Sprintf("%s needs a value, such as %s", Sanitize(raw), auditExamples[lf]))
		}
		return nil
	})
	if err != nil {
		return AuditFilter{}, err
	}
	return f, nil
}

// AuditWords are an event's words as the Audit view shows them, lower-cased once by the
// caller: the filter runs over every loaded event on every keystroke.
type AuditWords struct {
	Actor, Action, Object, Result string
}

// Match reports whether every term matches w.
func (f AuditFilter) Match(w *AuditWords) bool {
	for i := range f.terms {
		if f.terms[i].match(w) == f.terms[i].neg {
			return false
		}
	}
	return true
}

func (c *auditClause) match(w *AuditWords) bool {
	for _, v := range c.alts {
		switch c.field {
		case "actor":
			if strings.Contains(w.Actor, v) {
				return true
			}
		case "action":
			if strings.Contains(w.Action, v) {
				return true
			}
		case "object":
			if strings.Contains(w.Object, v) {
				return true
			}
		case "result":
			if v == "ok" && w.Result == "ok" || v == "refused" && w.Result != "ok" ||
				v != "ok" && v != "refused" && strings.Contains(w.Result, v) {
				return true
			}
		default:
			if strings.Contains(w.Actor, v) || strings.Contains(w.Action, v) ||
				strings.Contains(w.Object, v) || strings.Contains(w.Result, v) {
				return true
			}
		}
	}
	return false
}
