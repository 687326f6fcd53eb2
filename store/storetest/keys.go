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
	"provkeys/store"
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

// testCreateKeyWithGroup: the add wizard's new group and its key are made together or not at
// all, each with its audit row; a refusal says which of the two was refused.
func testCreateKeyWithGroup(t *testing.T, open Opener) {
	s, x, ctx := openAsAdmin(t, open)
	mustGroup(t, x, "Servers")
	g, k, secret, err := x.CreateKeyWithGroup(ctx, model.GroupInput{Name: "Kiosks", Description: "lobby", Enabled: true},
		keyInput("kiosk-1")) // in.Groups names Servers; Kiosks is added
	if err != nil || g.Name != "Kiosks" || g.Description != "lobby" || k.Name != "kiosk-1" || secret == "" {
		t.Fatalf("create: %+v %+v %v", g, k, err)
	}
	if names := k.GroupNames(); len(names) != 2 || names[0] != "Kiosks" || names[1] != "Servers" {
		t.Fatalf("the key's groups are %q, want Kiosks and Servers", names)
	}
	if auditRows(t, s, model.ObjectGroup, model.ActionCreate, g.ID) != 1 || auditRows(t, s, model.ObjectKey, model.ActionCreate, k.ID) != 1 {
		t.Fatal("the group and the key are not audited once each")
	}
	groupAudited := func(name string) int {
		return countAudit(t, s, func(e model.AuditEvent) bool { return e.ObjectType == model.ObjectGroup && e.ObjectName == name })
	}

	// The key is refused (its name is taken, in another case): no group is left behind.
	_, _, _, err = x.CreateKeyWithGroup(ctx, model.GroupInput{Name: "Lobby", Enabled: true}, keyInput("KIOSK-1"))
	var nge *model.NewGroupError
	if !errors.Is(err, model.ErrDuplicate) || errors.As(err, &nge) {
		t.Fatalf("a clashing key name: %v, want ErrDuplicate about the key", err)
	}
	if _, err := x.GroupByName(ctx, "Lobby"); !errors.Is(err, model.ErrNotFound) || groupAudited("Lobby") != 0 {
		t.Fatalf("the refused key left its group behind: %v, %d audit rows", err, groupAudited("Lobby"))
	}
	// So is a key whose input is wrong.
	bad := keyInput("kiosk-2")
	bad.Cert = "No Such CA"
	if _, _, _, err = x.CreateKeyWithGroup(ctx, model.GroupInput{Name: "Lobby", Enabled: true}, bad); err == nil {
		t.Fatal("an unknown certificate was accepted")
	}
	if _, err := x.GroupByName(ctx, "Lobby"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("the refused key left its group behind: %v", err)
	}

	// The group is refused (its name is taken, case-insensitively, or wrong): no key is made,
	// and the error says it is about the group.
	for _, gi := range []model.GroupInput{{Name: "kiosks", Enabled: true}, {Name: " Lobby", Enabled: true}} {
		_, _, _, err = x.CreateKeyWithGroup(ctx, gi, keyInput("kiosk-3"))
		if !errors.As(err, &nge) {
			t.Fatalf("group %q: %v, want a *model.NewGroupError", gi.Name, err)
		}
		if _, err := x.KeyByName(ctx, "kiosk-3"); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("group %q was refused but its key exists: %v", gi.Name, err)
		}
	}
	if !errors.Is(nge, model.ErrDuplicate) && !errors.As(nge, new(*model.ValidationError)) {
		t.Fatalf("the group's refusal %v wraps neither ErrDuplicate nor a validation error", nge)
	}

	// A viewer may not, and no group appears.
	if _, _, _, err := s.Session(viewer).CreateKeyWithGroup(ctx, model.GroupInput{Name: "Lobby", Enabled: true}, keyInput("kiosk-4")); !errors.Is(err, model.ErrForbidden) {
		t.Fatalf("viewer: %v", err)
	}
	if _, err := x.GroupByName(ctx, "Lobby"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("a viewer's refused attempt made a group: %v", err)
	}
}

// testOneSecretOneKey: a secret is its decoded payload, whatever its spelling. A version
// written "03", a host in capitals or another host with the same payload is the same secret:
// it is refused under a second name, the refusal names the key that holds it (not the name
// asked for), and VerifyKey finds that key, disabled or with its material erased.
func testOneSecretOneKey(t *testing.T, open Opener) {
	_, x, ctx := openAsAdmin(t, open)
	secret, _ := keyformat.Generate(keyformat.DefaultHost)
	payload := secret[strings.LastIndexByte(secret, '|')+1:]
	in := keyInput("orig")
	in.Secret = secret
	orig, _ := mustKey(t, x, in)

	variants := []string{
		"3|API.PRIVATE.ZSCALER.COM|" + payload,
		"03|api.private.zscaler.com|" + payload,
		"3|other.example.com|" + payload,
		secret,
	}
	for i, v := range variants {
		in := keyInput("variant" + string(rune('a'+i)))
		in.Secret = v
		_, _, err := x.CreateKey(ctx, in)
		if !errors.Is(err, model.ErrDuplicate) || !strings.Contains(err.Error(), `"orig"`) || strings.Contains(err.Error(), in.Name) {
			t.Errorf("CreateKey %s holding orig's payload: %v; want ErrDuplicate naming orig", in.Name, err)
		}
	}
	// The same secret twice in one import: the second names the first.
	fresh, _ := keyformat.Generate(keyformat.DefaultHost)
	a, b := keyInput("first"), keyInput("second")
	a.Secret, b.Secret = fresh, "03"+fresh[1:]
	if _, err := x.ImportKeys(ctx, []model.KeyInput{a, b}); !errors.Is(err, model.ErrDuplicate) || !strings.Contains(err.Error(), `as key "first"`) {
		t.Errorf("import of one secret twice: %v; want ErrDuplicate naming first", err)
	}
	bulk := store.NewKey{KeyInput: keyInput("bulk")}
	bulk.Secret = variants[0]
	if err := x.CreateKeys(ctx, []store.NewKey{bulk}, "test"); !errors.Is(err, model.ErrDuplicate) {
		t.Errorf("CreateKeys of orig's payload: %v; want ErrDuplicate", err)
	}
	if keys, err := x.ListKeys(ctx); err != nil || len(keys) != 1 {
		t.Fatalf("ListKeys = %d keys, %v; want orig alone", len(keys), err)
	}

	// verify: every spelling finds orig, and sees it disabled.
	orig, err := x.SetKeyEnabled(ctx, orig.ID, orig.Version, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range variants {
		k, err := x.VerifyKey(ctx, v)
		if err != nil || k.ID != orig.ID || k.Enabled {
			t.Errorf("VerifyKey(variant) = %q enabled=%v, %v; want the disabled orig", k.Name, k.Enabled, err)
		}
	}

	// Erased material keeps the payload known.
	edit := keyInput("orig")
	edit.Exportable, edit.Enabled = false, false
	if _, err := x.UpdateKey(ctx, orig.ID, orig.Version, edit); err != nil {
		t.Fatal(err)
	}
	in = keyInput("after-erase")
	in.Secret = variants[1]
	if _, _, err := x.CreateKey(ctx, in); !errors.Is(err, model.ErrDuplicate) || !strings.Contains(err.Error(), `"orig"`) {
		t.Errorf("CreateKey after orig's material was erased: %v; want ErrDuplicate naming orig", err)
	}
	if k, err := x.VerifyKey(ctx, variants[2]); err != nil || k.ID != orig.ID {
		t.Errorf("VerifyKey after erasure = %q, %v; want orig", k.Name, err)
	}
}

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
