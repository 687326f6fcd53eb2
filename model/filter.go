package model

import (
	"strings"
	"time"
)

// Filter is a parsed filter expression: free text and field terms, ANDed.
type Filter struct {
	Expr string
	text []string
}

// ParseFilter parses the filter language of DESIGN §3.
func ParseFilter(expr string) (Filter, error) {
	return Filter{Expr: expr, text: strings.Fields(strings.ToLower(expr))}, nil
}

// Match reports whether k satisfies every term of f at time now.
func (f Filter) Match(k Key, now time.Time) bool {
	for _, t := range f.text {
		if !strings.Contains(strings.ToLower(k.Name), t) {
			return false
		}
	}
	return true
}
