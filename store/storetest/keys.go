package storetest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"provkeys/keyformat"
	"provkeys/model"
)

func testCreateAndReadKey(t *testing.T, open Opener) {
	s, x, ctx := openAsAdmin(t, open)
	mustGroup(t, x, "Servers")
	mustGroup(t, x, "Build Agents")
	exp := now().Add(48 * time.Hour)
	in := model.KeyInput{Name: "Web-01", Groups: []string{"servers", "BUILD agents"}, Cert: "client",
		Enabled: true, AllowReenroll: true, Exportable: true, Description: "rack 4", MaxUsage: 10, ExpiresAt: exp}
	k, secret, err := x.CreateKey(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	p, err := keyformat.Parse(secret)
	if err != nil || len(p.Warnings) > 0 || p.Host != keyformat.DefaultHost {
		t.Fatalf("secret does not parse cleanly: %v %v", err, p.Warnings)
	}
	want := model.Key{ID: k.ID, Name: "Web-01", Groups: []model.GroupRef{{ID: 2, Name: "Build Agents"}, {ID: 1, Name: "Servers"}},
		CertID: k.CertID, CertName: "Client", Enabled: true, AllowReenroll: true, Exportable: true,
		Cloud: keyformat.DefaultHost, Fingerprint: keyformat.Fingerprint(secret), Description: "rack 4",
		MaxUsage: 10, ExpiresAt: exp, CreatedAt: k.CreatedAt, CreatedBy: "alice", UpdatedAt: k.CreatedAt,
		UpdatedBy: "alice", Version: 1}
	if !KeysEqual(k, want) {
		t.Fatalf("created:\n got %+v\nwant %+v", k, want)
	}
	for name, get := range map[string]func() (model.Key, error){
		"Key":       func() (model.Key, error) { return x.Key(ctx, k.ID) },
		"KeyByName": func() (model.Key, error) { return x.KeyByName(ctx, "WEB-01") },
		"VerifyKey": func() (model.Key, error) { return x.VerifyKey(ctx, "  "+secret+"\n") },
		"viewer":    func() (model.Key, error) { return s.Session(viewer).Key(ctx, k.ID) },
	} {
		got, err := get()
		if err != nil || !KeysEqual(got, want) {
			t.Errorf("%s:\n got %+v, %v\nwant %+v", name, got, err, want)
		}
	}
	if auditRows(t, s, model.ObjectKey, model.ActionCreate, k.ID) != 1 {
		t.Error("no create audit row")
	}
}

func testListKeysSortedWithGroups(t *testing.T, open Opener) {
	s := open(t)
	x := s.Session(admin)
	mustGroup(t, x, "Alpha")
	for _, n := range []string{"zeta", "Beta", "alpha-2", "ALPHA-1", "gamma"} {
		in := keyInput(n)
		if n == "Beta" {
			in.Groups = []string{"Servers", "Alpha"}
		}
		mustKey(t, x, in)
	}
	keys, err := x.ListKeys(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, k := range keys {
		names = append(names, k.Name)
		if len(k.Groups) == 0 {
			t.Errorf("%s has no groups", k.Name)
		}
	}
	if want := []string{"ALPHA-1", "alpha-2", "Beta", "gamma", "zeta"}; !slices.Equal(names, want) {
		t.Fatalf("order %v, want %v", names, want)
	}
	if got := keys[2].GroupNames(); !slices.Equal(got, []string{"Alpha", "Servers"}) {
		t.Fatalf("Beta's groups %v", got)
	}
	// Appending to one key's groups must not change another's.
	_ = append(keys[0].Groups, model.GroupRef{ID: 99, Name: "x"})
	if keys[1].Groups[0].Name != "Servers" {
		t.Fatal("an append to one key's groups changed the next key")
	}
	empty := open(t)
	if keys, err := empty.Session(viewer).ListKeys(testCtx(t)); err != nil || len(keys) != 0 {
		t.Fatalf("empty store: %v %v", keys, err)
	}
}

func testDuplicateNames(t *testing.T, open Opener) {
	_, x, ctx := openAsAdmin(t, open)
	mustKey(t, x, keyInput("Web"))
	if _, _, err := x.CreateKey(ctx, keyInput("web")); !errors.Is(err, model.ErrDuplicate) || !strings.Contains(err.Error(), `"web"`) {
		t.Fatalf("Web vs web: %v", err)
	}
	k2, _ := mustKey(t, x, keyInput("other"))
	if _, err := x.UpdateKey(ctx, k2.ID, k2.Version, keyInput("WEB")); !errors.Is(err, model.ErrDuplicate) {
		t.Fatalf("rename onto an existing name: %v", err)
	}
	if _, err := x.CreateGroup(ctx, model.GroupInput{Name: "SERVERS"}); !errors.Is(err, model.ErrDuplicate) {
		t.Fatalf("group SERVERS vs Servers: %v", err)
	}
	if _, err := x.ImportCert(ctx, "root", TestCA(t, true)); !errors.Is(err, model.ErrDuplicate) {
		t.Fatalf("cert root vs Root: %v", err)
	}
	// Names are ASCII (model.ValidateName), so "Ä" never reaches the table through the API...
	var ve *model.ValidationError
	if _, _, err := x.CreateKey(ctx, keyInput("Äpfel")); !errors.As(err, &ve) {
		t.Fatalf("Äpfel: %v", err)
	}
}

func testCreateKeyWithSecret(t *testing.T, open Opener) {
	_, x, ctx := openAsAdmin(t, open)
	given, _ := keyformat.Generate("api-f4.prod.zpath.net")
	in := keyInput("given")
	in.Secret = given
	k, secret := mustKey(t, x, in)
	if secret != given || k.Cloud != "api-f4.prod.zpath.net" || k.Fingerprint != keyformat.Fingerprint(given) {
		t.Fatalf("stored %+v", k)
	}
	if got, err := x.ExportKey(ctx, k.ID); err != nil || got != given {
		t.Fatalf("export: %v", err)
	}
	in.Name = "again"
	if _, _, err := x.CreateKey(ctx, in); !errors.Is(err, model.ErrDuplicate) || !strings.Contains(err.Error(), `"given"`) {
		t.Fatalf("same key twice: %v", err)
	}
	in.Secret = "3|api.private.zscaler.com|abc..."
	var ve *model.ValidationError
	if _, _, err := x.CreateKey(ctx, in); !errors.As(err, &ve) {
		t.Fatalf("bad secret: %v", err)
	}
}

func testUnknownGroupOrCert(t *testing.T, open Opener) {
	s := open(t)
	x := s.Session(admin)
	mustGroup(t, x, "Servers")
	for _, tc := range []struct {
		in    model.KeyInput
		field string
		name  string
	}{
		{model.KeyInput{Name: "a", Groups: []string{"Servers", "Nope"}, Cert: "Client"}, model.FieldGroups, "Nope"},
		{model.KeyInput{Name: "a", Groups: []string{"Servers"}, Cert: "Missing"}, model.FieldCert, "Missing"},
	} {
		_, _, err := x.CreateKey(testCtx(t), tc.in)
		var ve *model.ValidationError
		if !errors.As(err, &ve) || ve.Field != tc.field || !strings.Contains(ve.Msg, tc.name) {
			t.Errorf("%+v: %v", tc.in, err)
		}
	}
}

func testUpdateKey(t *testing.T, open Opener) {
	s, x, ctx := openAsAdmin(t, open)
	mustGroup(t, x, "Other")
	k, _ := mustKey(t, x, keyInput("web-01"))
	in := k.Input()
	in.Name, in.Groups, in.Cert, in.Enabled, in.AllowReenroll = "web-02", []string{"other"}, "Root", false, true
	in.Description, in.MaxUsage, in.ExpiresAt = "moved", 5, now().Add(time.Hour)
	bob := s.Session(model.Actor{Name: "bob", Role: model.RoleAdmin})
	u, err := bob.UpdateKey(ctx, k.ID, k.Version, in)
	if err != nil {
		t.Fatal(err)
	}
	if u.Name != "web-02" || u.GroupNames()[0] != "Other" || u.CertName != "Root" || u.Enabled || !u.AllowReenroll ||
		u.Description != "moved" || u.MaxUsage != 5 || !u.ExpiresAt.Equal(in.ExpiresAt) || u.Version != 2 ||
		u.UpdatedBy != "bob" || u.CreatedBy != "alice" || u.Fingerprint != k.Fingerprint {
		t.Fatalf("updated: %+v", u)
	}
	ev, _ := x.ListAudit(ctx, 1)
	if ev[0].Action != model.ActionUpdate || ev[0].Actor != "bob" || !strings.Contains(ev[0].Old, `"web-01"`) ||
		!strings.Contains(ev[0].New, `"web-02"`) || ev[0].Result != "ok" {
		t.Fatalf("audit: %+v", ev[0])
	}
	in.Cloud = "api-f4.prod.zpath.net"
	var ve *model.ValidationError
	if _, err := x.UpdateKey(ctx, k.ID, u.Version, in); !errors.As(err, &ve) || ve.Field != model.FieldCloud {
		t.Fatalf("changing the cloud: %v", err)
	}
	in.Cloud = strings.ToUpper(keyformat.DefaultHost) // the same cloud, spelt differently: fine
	if _, err := x.UpdateKey(ctx, k.ID, u.Version, in); err != nil {
		t.Fatalf("same cloud: %v", err)
	}
}

func testExportOffErasesMaterial(t *testing.T, open Opener) {
	_, x, ctx := openAsAdmin(t, open)
	k, secret := mustKey(t, x, keyInput("web-01"))
	in := k.Input()
	in.Exportable = false
	u, err := x.UpdateKey(ctx, k.ID, k.Version, in)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []func(context.Context, int64) (string, error){x.RevealKey, x.ExportKey} {
		if got, err := f(ctx, k.ID); !errors.Is(err, model.ErrNotExportable) || got != "" {
			t.Fatalf("release of a non-exportable key: %q, %v", got, err)
		}
	}
	if v, err := x.VerifyKey(ctx, secret); err != nil || v.ID != k.ID || v.Fingerprint != k.Fingerprint {
		t.Fatalf("verify after erase: %+v, %v", v, err)
	}
	in.Exportable = true
	var ve *model.ValidationError
	if _, err := x.UpdateKey(ctx, k.ID, u.Version, in); !errors.As(err, &ve) || !strings.Contains(ve.Msg, "cannot be turned back on") {
		t.Fatalf("turning View/Export back on: %v", err)
	}
	in2 := keyInput("never")
	in2.Exportable = false
	k2, secret2 := mustKey(t, x, in2)
	if _, err := x.ExportKey(ctx, k2.ID); secret2 == "" || !errors.Is(err, model.ErrNotExportable) {
		t.Fatalf("a key created without View/Export must keep no material but still be shown once: %v", err)
	}
}

func testSetKeyEnabledAndDelete(t *testing.T, open Opener) {
	s, x, ctx := openAsAdmin(t, open)
	k, _ := mustKey(t, x, keyInput("web-01"))
	d, err := x.SetKeyEnabled(ctx, k.ID, k.Version, false)
	if err != nil || d.Enabled || d.Version != 2 {
		t.Fatalf("disable: %+v %v", d, err)
	}
	e, err := x.SetKeyEnabled(ctx, k.ID, d.Version, true)
	if err != nil || !e.Enabled || e.Version != 3 {
		t.Fatalf("enable: %+v %v", e, err)
	}
	if auditRows(t, s, model.ObjectKey, model.ActionDisable, k.ID) != 1 || auditRows(t, s, model.ObjectKey, model.ActionEnable, k.ID) != 1 {
		t.Fatal("enable/disable not audited")
	}
	if err := x.DeleteKey(ctx, k.ID, e.Version); err != nil {
		t.Fatal(err)
	}
	if _, err := x.Key(ctx, k.ID); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("deleted key: %v", err)
	}
	if g, err := x.GroupByName(ctx, "Servers"); err != nil || g.KeyCount != 0 {
		t.Fatalf("group links outlived the key: %+v %v", g, err)
	}
	if auditRows(t, s, model.ObjectKey, model.ActionDelete, k.ID) != 1 {
		t.Fatal("delete not audited")
	}
}

func testImportKeysAllOrNothing(t *testing.T, open Opener) {
	s, x, ctx := openAsAdmin(t, open)
	mustKey(t, x, keyInput("existing"))
	auditBefore := len(auditEvents(t, s))
	given, _ := keyformat.Generate("")
	batch := []model.KeyInput{keyInput("imp-1"), keyInput("imp-2"), keyInput("EXISTING")}
	batch[0].Secret = given
	if _, err := x.ImportKeys(ctx, batch); !errors.Is(err, model.ErrDuplicate) || !strings.Contains(err.Error(), "key 3") {
		t.Fatalf("import with a duplicate: %v", err)
	}
	if keys, _ := x.ListKeys(ctx); len(keys) != 1 || len(auditEvents(t, s)) != auditBefore {
		t.Fatal("a failed import stored something")
	}
	keys, err := x.ImportKeys(ctx, batch[:2])
	if err != nil || len(keys) != 2 {
		t.Fatalf("import: %v", err)
	}
	if keys[0].Fingerprint != keyformat.Fingerprint(given) {
		t.Fatal("imported key material not kept")
	}
	if n := countAudit(t, s, func(e model.AuditEvent) bool {
		return e.Action == model.ActionImport && e.ObjectType == model.ObjectKey
	}); n != 2 {
		t.Fatalf("%d import audit rows, want 2", n)
	}
}
