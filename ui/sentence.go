package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"provkeys/model"
)

// Sentence words a store error for a person: the one mapping from model's sentinels to
// sentences, shared by the dashboard's status line, the SSH server and the command line.
// object names what the error is about (`key "web-01"`); "" means the reader already knows
// (the dashboard says "Couldn't delete key web-01: …" first), and the sentence says "it".
// Errors that carry their own words (validation, conflict, in use) keep them.
func Sentence(err error, object string) string {
	var (
		ve *model.ValidationError
		ce *model.ConflictError
		iu *model.InUseError
	)
	named := func(withObject, without string) string {
		if object == "" {
			return without
		}
		return fmt.Sprintf(withObject, object)
	}
	switch {
	case err == nil:
		return ""
	case errors.As(err, &ce):
		return ce.Error()
	case errors.As(err, &iu):
		return iu.Error()
	case errors.As(err, &ve) && object == "":
		return ve.Msg // shown under, or after, what names the field
	case errors.As(err, &ve):
		return ve.Error()
	case errors.Is(err, context.Canceled):
		return "interrupted"
	case errors.Is(err, context.DeadlineExceeded) && object == "":
		// The dashboard gives every store call 5 seconds (withStore).
		return "the store did not answer within 5 seconds (is another process holding it?)"
	case errors.Is(err, context.DeadlineExceeded):
		return "the store did not answer in time (is another process holding it?)"
	case errors.Is(err, model.ErrConflict):
		return named("%s was changed by someone else; reload and try again",
			"it was changed by someone else; reload (ctrl+r) and try again")
	case errors.Is(err, model.ErrDuplicate):
		return named("%s already exists", "that name is already taken")
	case errors.Is(err, model.ErrForbidden):
		return named("your role does not allow this change to %s", "your role is read-only")
	case errors.Is(err, model.ErrNotFound):
		return named("%s not found", "it no longer exists (someone may have deleted it)")
	case errors.Is(err, model.ErrNotExportable):
		return named("%s is not exportable: View/Export was turned off, so its key material is gone",
			"View/Export was turned off for this key")
	case errors.Is(err, model.ErrInUse):
		return named("%s is still in use", "it is still in use")
	}
	return strings.TrimSpace(err.Error())
}

// Explain is Sentence as an error, for callers that return errors (the command line): the
// sentinel still matches errors.Is, the text is the sentence. Errors that already carry
// their own words (validation, conflict, in use) pass through unchanged.
func Explain(err error, object string) error {
	var (
		ve *model.ValidationError
		ce *model.ConflictError
		ie *model.InUseError
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ve), errors.As(err, &ce), errors.As(err, &ie):
		return err
	}
	return explained{sentence: Sentence(err, object), err: err}
}

// explained is a store error worded for a person; errors.Is still sees the sentinel.
type explained struct {
	sentence string
	err      error
}

func (e explained) Error() string { return e.sentence }
func (e explained) Unwrap() error { return e.err }

// plainError is Sentence about an object the reader already knows.
func PlainError(err error) string { return Sentence(err, "") }

// ReadOnly is the status line for a viewer who pressed a key that changes something.
func ReadOnly(e *Env, what string) tea.Cmd {
	return SetStatus(StatusErr, "Read-only: your role ("+model.Sanitize(string(e.Actor.Role))+") can't change "+what+".")
}

// InUseBeforeText is the refusal, before any question, to delete what the list shows n keys
// use; the page shows it bound to its row (RowStatus). The store's own refusal (InUseRefusal)
// still stands behind it for a list older than the store.
func InUseBeforeText(what string, n int) string {
	keys := "1 key uses"
	if n != 1 {
		keys = fmt.Sprintf("%d keys use", n)
	}
	return "Can't delete " + what + ": " + keys + " it."
}

// InUseRefusal words a delete the store refused because keys still use the object, naming
// the first few keys; ok is false for any other error.
func InUseRefusal(what string, err error) (tea.Cmd, bool) {
	var iu *model.InUseError
	if !errors.As(err, &iu) {
		return nil, false
	}
	const show = 3
	names := make([]string, 0, show)
	for _, u := range iu.Users[:min(show, len(iu.Users))] {
		names = append(names, OrDash(model.Sanitize(u)))
	}
	list := strings.Join(names, ", ")
	switch n := max(iu.Count, len(iu.Users)); {
	case n == 0:
		list = "keys"
	case n > show:
		list += fmt.Sprintf(" and %d more keys", n-show)
	case n == 1:
		list = "key " + list
	default:
		list = "keys " + list
	}
	return SetStatus(StatusErr, "Can't delete "+what+": it is used by "+list+"."), true
}
