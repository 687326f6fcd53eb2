package ui

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"provkeys/model"
)

// Sentence is the one wording of store errors: named for the command line and SSH, about
// "it" for the dashboard, and errors.Is still finds the sentinel through a wrap.
func TestSentence(t *testing.T) {
	t.Parallel()
	wrapped := fmt.Errorf("store: %w", model.ErrNotFound)
	for _, c := range []struct {
		name, object string
		err          error
		want         string
	}{
		{"nil", `key "a"`, nil, ""},
		{"not found named", `key "web-02"`, wrapped, `key "web-02" not found`},
		{"not found unnamed", "", wrapped, "it no longer exists (someone may have deleted it)"},
		{"duplicate named", `key "a"`, model.ErrDuplicate, `key "a" already exists`},
		{"duplicate unnamed", "", model.ErrDuplicate, "that name is already taken"},
		{"forbidden", "", model.ErrForbidden, "your role is read-only"},
		{"not exportable", `key "a"`, model.ErrNotExportable, `key "a" is not exportable: View/Export was turned off, so its key material is gone`},
		{"validation unnamed", "", &model.ValidationError{Field: "name", Msg: "too long"}, "too long"},
		{"validation named", `key "a"`, &model.ValidationError{Field: "name", Msg: "too long"}, "name: too long"},
		{"canceled", "", context.Canceled, "interrupted"},
		{"other", "", errors.New(" disk full \n"), "disk full"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Sentence(c.err, c.object); got != c.want {
				t.Fatalf("Sentence(%v, %q) = %q, want %q", c.err, c.object, got, c.want)
			}
		})
	}
}
