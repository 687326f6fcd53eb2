package storetest

import (
	"errors"
	"testing"

	"provkeys/model"
)

// testAuditEvent: a session records an event of its own (the SSH server ending it) as a row
// that carries its actor; text the trail cannot hold is refused, and a session with no role
// gets only a refusal row.
func testAuditEvent(t *testing.T, open Opener) {
	s, x, ctx := openAs(t, open, viewer)
	if err := x.AuditEvent(ctx, model.ActionSession, model.ObjectSession, viewer.Name, "session ended: your key was removed"); err != nil {
		t.Fatal(err)
	}
	ev, err := x.ListAudit(ctx, 1)
	if err != nil || len(ev) != 1 {
		t.Fatalf("audit: %v %v", ev, err)
	}
	e := ev[0]
	if e.Action != model.ActionSession || e.ObjectType != model.ObjectSession || e.ObjectName != viewer.Name ||
		e.Actor != viewer.Name || e.Role != viewer.Role || e.Remote != viewer.Remote ||
		e.Result != "session ended: your key was removed" || e.At.IsZero() {
		t.Fatalf("event: %+v", e)
	}
	var ve *model.ValidationError
	if err := x.AuditEvent(ctx, model.ActionSession, model.ObjectSession, "x", "bad\x1b]52;c;AAAA\x07"); !errors.As(err, &ve) {
		t.Fatalf("control characters: %v, want a validation error", err)
	}
	if err := x.AuditEvent(ctx, "", model.ObjectSession, "x", "ok"); !errors.As(err, &ve) {
		t.Fatalf("no action: %v, want a validation error", err)
	}
	if all, _ := x.ListAudit(ctx, 0); len(all) != 1 {
		t.Fatalf("invalid events left rows: %d", len(all))
	}
	// Like every refusal, one by role is audited as refused, never as the event asked for.
	nobody := model.Actor{Name: "mallory"}
	if err := s.Session(nobody).AuditEvent(ctx, model.ActionSession, model.ObjectSession, "x", "ok"); !errors.Is(err, model.ErrForbidden) {
		t.Fatalf("no role: %v, want ErrForbidden", err)
	}
	if ev, _ := x.ListAudit(ctx, 1); len(ev) != 1 || ev[0].Actor != "mallory" || ev[0].Result == "ok" {
		t.Fatalf("the refusal's row: %+v", ev)
	}
}
