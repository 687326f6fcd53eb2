package storetest

import (
	"errors"
	"strings"
	"testing"

	"provkeys/keyformat"
	"provkeys/model"
)

// testRotateKey: a rotated key has a new secret and fingerprint and every setting kept; the old
// secret no longer verifies, the new one does and is what export gives; the audit row holds
// both fingerprints and never a secret; a stale version conflicts; viewers may not.
func testRotateKey(t *testing.T, open Opener) {
	s, x, ctx := openAsAdmin(t, open)
	in := keyInput("kiosk-1")
	in.Description, in.MaxUsage, in.AllowReenroll = "lobby", 5, true
	k, oldSecret := mustKey(t, x, in)

	if _, _, err := s.Session(viewer).RotateKey(ctx, k.ID, k.Version); !errors.Is(err, model.ErrForbidden) {
		t.Fatalf("viewer RotateKey: %v, want ErrForbidden", err)
	}
	r, secret, err := x.RotateKey(ctx, k.ID, k.Version)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := keyformat.Parse(secret); err != nil || secret == oldSecret {
		t.Fatalf("new secret %v (same as the old: %v)", err, secret == oldSecret)
	}
	want := k
	want.Fingerprint, want.Version, want.UpdatedAt = keyformat.Fingerprint(secret), k.Version+1, r.UpdatedAt
	if !KeysEqual(r, want) {
		t.Fatalf("rotated:\n got %+v\nwant %+v", r, want)
	}
	if _, err := x.VerifyKey(ctx, oldSecret); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("the old secret still verifies: %v", err)
	}
	if got, err := x.VerifyKey(ctx, secret); err != nil || got.ID != k.ID {
		t.Errorf("the new secret: %v, %v", got.ID, err)
	}
	if got, err := x.ExportKey(ctx, k.ID); err != nil || got != secret {
		t.Errorf("export after rotate: %v (same as new: %v)", err, got == secret)
	}
	var row model.AuditEvent
	countAudit(t, s, func(e model.AuditEvent) bool {
		if e.Action == model.ActionRotate && e.ObjectID == k.ID && e.Result == "ok" {
			row = e
			return true
		}
		return false
	})
	if !strings.Contains(row.Old, k.Fingerprint) || !strings.Contains(row.New, r.Fingerprint) || row.Result != "ok" {
		t.Errorf("rotate audit row: %+v, want the old fingerprint in old and the new in new", row)
	}
	for _, sec := range []string{oldSecret, secret} {
		p, _ := keyformat.Parse(sec)
		if strings.Contains(row.Old+row.New, p.Payload) {
			t.Error("the audit row holds key material")
		}
	}
	if _, _, err := x.RotateKey(ctx, k.ID, k.Version); !errors.As(err, new(*model.ConflictError)) {
		t.Errorf("stale RotateKey: %v, want a *model.ConflictError", err)
	}

	// A key that is not exportable gets a new secret shown once and keeps none.
	in = keyInput("sealed")
	in.Exportable = false
	k2, _ := mustKey(t, x, in)
	r2, secret2, err := x.RotateKey(ctx, k2.ID, k2.Version)
	if err != nil || r2.Exportable {
		t.Fatalf("rotate a non-exportable key: %+v, %v", r2, err)
	}
	if _, err := x.ExportKey(ctx, k2.ID); !errors.Is(err, model.ErrNotExportable) {
		t.Errorf("export of a rotated non-exportable key: %v", err)
	}
	if got, err := x.VerifyKey(ctx, secret2); err != nil || got.ID != k2.ID {
		t.Errorf("verify the rotated non-exportable key: %v", err)
	}
}
