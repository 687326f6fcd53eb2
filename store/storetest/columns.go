package storetest

import (
	"errors"
	"slices"
	"testing"

	"provkeys/model"
)

// testKeyColumnsPerOperator: each operator keeps their own Keys columns, viewers too; an
// operator who never chose has none (nil); bad names are refused; a choice survives a
// second session and can be emptied.
func testKeyColumnsPerOperator(t *testing.T, open Opener) {
	s := open(t)
	ctx := testCtx(t)
	a, v := s.Session(admin), s.Session(viewer)
	if cols, err := a.KeyColumns(ctx); err != nil || cols != nil {
		t.Fatalf("before any choice: %v %v, want nil", cols, err)
	}
	if err := a.SaveKeyColumns(ctx, []string{"expires", "description"}); err != nil {
		t.Fatal(err)
	}
	if err := v.SaveKeyColumns(ctx, []string{"usage"}); err != nil {
		t.Fatalf("a viewer chooses their own columns: %v", err)
	}
	if err := a.SaveKeyColumns(ctx, []string{"cert", "expires", "description"}); err != nil {
		t.Fatal(err)
	}
	if cols, err := s.Session(admin).KeyColumns(ctx); err != nil || !slices.Equal(cols, []string{"cert", "expires", "description"}) {
		t.Fatalf("admin's columns: %v %v", cols, err)
	}
	if cols, err := v.KeyColumns(ctx); err != nil || !slices.Equal(cols, []string{"usage"}) {
		t.Fatalf("viewer's columns: %v %v", cols, err)
	}
	var ve *model.ValidationError
	for _, bad := range [][]string{{"Expires"}, {"a,b"}, {""}, {"x\x1b[2J"}} {
		if err := a.SaveKeyColumns(ctx, bad); !errors.As(err, &ve) {
			t.Errorf("SaveKeyColumns(%q): %v, want a validation error", bad, err)
		}
	}
	if err := a.SaveKeyColumns(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if cols, err := a.KeyColumns(ctx); err != nil || cols == nil || len(cols) != 0 {
		t.Fatalf("emptied: %#v %v, want an empty, non-nil choice", cols, err)
	}
}
