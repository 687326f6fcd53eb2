package store

import (
	"context"
	"strings"

	"provkeys/model"
)

// ColumnStore is each operator's choice of Keys columns (the dashboard's column chooser): a
// preference of the acting operator, not shared data, so viewers keep their own too and no
// audit row is written.
type ColumnStore interface {
	// KeyColumns returns the acting operator's chosen columns in order, or nil when they
	// never chose. Errors: ErrForbidden.
	KeyColumns(ctx context.Context) ([]string, error)
	// SaveKeyColumns keeps the acting operator's columns (an empty list: only the fixed
	// ones). Errors: ErrForbidden, *model.ValidationError (ValidateColumns).
	SaveKeyColumns(ctx context.Context, columns []string) error
}

// maxColumns bounds a saved choice: there are a dozen columns.
const maxColumns = 32

// ValidateColumns accepts column names of lower-case ASCII letters, digits and '-', at most
// 32 of up to 32 characters each. Which names a page knows is the page's business; an
// unknown one is ignored when drawn.
func ValidateColumns(cols []string) error {
	if len(cols) > maxColumns {
		return &model.ValidationError{Field: "columns", Msg: "too many columns"}
	}
	for _, c := range cols {
		if c == "" || len(c) > 32 || strings.Trim(c, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
			return &model.ValidationError{Field: "columns", Msg: "a column name is lower-case letters, digits and '-'"}
		}
	}
	return nil
}

// JoinColumns and SplitColumns are how both engines keep a choice in one text column.
func JoinColumns(cols []string) string { return strings.Join(cols, ",") }

// SplitColumns reads what JoinColumns wrote; "" is the empty (not nil) choice.
func SplitColumns(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}
