package storetest

import (
	"errors"
	"strings"
	"testing"

	"provkeys/model"
	"provkeys/store"
)

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
