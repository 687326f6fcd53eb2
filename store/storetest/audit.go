package storetest

import (
	"errors"
	"strings"
	"testing"

	"provkeys/model"
	"provkeys/store"
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

// testReleaseAuditedAsItsPurpose: key material leaves the store as a reveal, a copy, a
// download or an export, each audited as itself (a copy is not an "export"); the copy or
// download of material the caller already holds (the key shown once after creation) is
// audited without releasing anything, and a download that failed after the release says so.
func testReleaseAuditedAsItsPurpose(t *testing.T, open Opener) {
	s, x, ctx := openAsAdmin(t, open)
	k, secret := mustKey(t, x, keyInput("web-01"))
	last := func() model.AuditEvent {
		t.Helper()
		all, err := x.ListAudit(ctx, 1)
		if err != nil || len(all) != 1 {
			t.Fatalf("ListAudit: %v", err)
		}
		return all[0]
	}
	for _, purpose := range store.ReleaseActions {
		got, err := x.ReleaseKey(ctx, k.ID, purpose)
		if err != nil || got != secret {
			t.Fatalf("ReleaseKey %s: %v (same secret: %v)", purpose, err, got == secret)
		}
		if e := last(); e.Action != purpose || e.ObjectID != k.ID || e.Result != "ok" || !strings.Contains(e.New, k.Fingerprint) {
			t.Errorf("ReleaseKey %s audited as %+v", purpose, e)
		}
	}
	var ve *model.ValidationError
	if _, err := x.ReleaseKey(ctx, k.ID, model.ActionUpdate); !errors.As(err, &ve) {
		t.Errorf("ReleaseKey for update: %v; want a ValidationError", err)
	}
	if err := x.AuditKeyUse(ctx, k.ID, model.ActionCopy, nil); err != nil {
		t.Fatal(err)
	}
	if e := last(); e.Action != model.ActionCopy || e.ObjectName != "web-01" || e.Result != "ok" {
		t.Errorf("AuditKeyUse copy audited as %+v", e)
	}
	failed := errors.New("open /nowhere/web-01.txt: no such file or directory")
	if err := x.AuditKeyUse(ctx, k.ID, model.ActionDownload, failed); err != nil {
		t.Fatal(err)
	}
	if e := last(); e.Action != model.ActionDownload || e.Result != failed.Error() || strings.Contains(e.New+e.Old+e.Result, secret) {
		t.Errorf("AuditKeyUse failed download audited as %+v", e)
	}
	if err := x.AuditKeyUse(ctx, k.ID+1000, model.ActionCopy, nil); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("AuditKeyUse of an unknown key: %v", err)
	}
	v := s.Session(viewer)
	if _, err := v.ReleaseKey(ctx, k.ID, model.ActionCopy); !errors.Is(err, model.ErrForbidden) {
		t.Errorf("viewer ReleaseKey copy: %v", err)
	}
	if err := v.AuditKeyUse(ctx, k.ID, model.ActionDownload, nil); !errors.Is(err, model.ErrForbidden) {
		t.Errorf("viewer AuditKeyUse: %v", err)
	}
	if e := last(); e.Action != model.ActionDownload || e.Actor != viewer.Name || e.Result == "ok" {
		t.Errorf("viewer's refused download audited as %+v", e)
	}
}

func testListAudit(t *testing.T, open Opener) {
	s, x, ctx := openAsAdmin(t, open)
	k, _ := mustKey(t, x, keyInput("web-01"))
	if _, err := x.RevealKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	all, err := s.Session(viewer).ListAudit(ctx, 0)
	if err != nil || len(all) != 3 {
		t.Fatalf("all: %d %v", len(all), err)
	}
	e := all[0]
	if e.Action != model.ActionReveal || e.ObjectType != model.ObjectKey || e.ObjectID != k.ID ||
		e.ObjectName != "web-01" || e.Actor != "alice" || e.Role != model.RoleAdmin ||
		e.Remote != admin.Remote || e.Result != "ok" || e.At.IsZero() || !strings.Contains(e.New, k.Fingerprint) {
		t.Fatalf("reveal event: %+v", e)
	}
	if all[1].ID >= e.ID {
		t.Fatal("not newest first")
	}
	if two, _ := x.ListAudit(ctx, 2); len(two) != 2 || two[0].ID != e.ID {
		t.Fatalf("limit 2: %+v", two)
	}
}

// testAuditAppendOnly: what the trail says is never rewritten by later changes, and newer
// events come first with larger ids.
func testAuditAppendOnly(t *testing.T, open Opener) {
	s, x, ctx := openAsAdmin(t, open)
	k, _ := mustKey(t, x, keyInput("web-01"))
	early := auditEvents(t, s)
	in := k.Input()
	in.Name = "web-02"
	if _, err := x.UpdateKey(ctx, k.ID, k.Version, in); err != nil {
		t.Fatal(err)
	}
	if err := x.DeleteKey(ctx, k.ID, k.Version+1); err != nil {
		t.Fatal(err)
	}
	late := auditEvents(t, s)
	if len(late) != len(early)+2 {
		t.Fatalf("%d events after two changes, had %d", len(late), len(early))
	}
	for i, e := range early {
		if late[i+2] != e {
			t.Fatalf("event %d changed:\n was %+v\n now %+v", e.ID, e, late[i+2])
		}
	}
	if late[0].ID <= late[1].ID || late[1].ID <= early[0].ID {
		t.Fatal("newer events do not have larger ids")
	}
}
