package storetest

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"provkeys/keyformat"
	"provkeys/model"
	"provkeys/store"
)

// streamOf yields ins one at a time, then io.EOF, counting how far it was read.
func streamOf(ins []model.KeyInput, read *int) store.KeyStream {
	return func() (model.KeyInput, error) {
		if *read == len(ins) {
			return model.KeyInput{}, io.EOF
		}
		*read++
		return ins[*read-1], nil
	}
}

// testImportKeyStream: a stream lands whole, audited per key exactly as the key reads back,
// or not at all; a refused input is named by position, a duplicate with the key and the
// earlier input it clashes with; the stream's own error comes back as it is.
func testImportKeyStream(t *testing.T, open Opener) {
	s, x, ctx := openAsAdmin(t, open)
	mustKey(t, x, keyInput("existing"))
	mustGroup(t, x, "Backups")
	auditBefore := len(auditEvents(t, s))
	secrets := make([]string, 4)
	for i := range secrets {
		secrets[i], _ = keyformat.Generate("")
	}
	in := func(name string, secret string) model.KeyInput {
		k := keyInput(name)
		k.Secret, k.Groups = secret, []string{"servers", "Backups"} // as typed, resolved by name
		return k
	}
	failed := func(what string, ins []model.KeyInput, check func(*store.InputError) bool) {
		t.Helper()
		read := 0
		_, err := x.ImportKeyStream(ctx, streamOf(ins, &read))
		var ie *store.InputError
		if !errors.As(err, &ie) || !check(ie) {
			t.Fatalf("%s: %v (%+v)", what, err, ie)
		}
		if keys, _ := x.ListKeys(ctx); len(keys) != 1 || len(auditEvents(t, s)) != auditBefore {
			t.Fatalf("%s: a failed import stored something", what)
		}
	}
	failed("a bad name", []model.KeyInput{in("s-1", secrets[0]), in("s-2", secrets[1]), in("bad/name", secrets[2])},
		func(e *store.InputError) bool {
			var v *model.ValidationError
			return e.Position == 3 && e.Name == "bad/name" && errors.As(e, &v) && v.Field == model.FieldName
		})
	failed("a name twice", []model.KeyInput{in("s-1", secrets[0]), in("s-2", secrets[1]), in("S-1", secrets[2])},
		func(e *store.InputError) bool {
			return e.Position == 3 && errors.Is(e, model.ErrDuplicate) && e.Earlier == 1 && e.Clash == "s-1"
		})
	failed("a key twice", []model.KeyInput{in("s-1", secrets[0]), in("s-2", secrets[1]), in("s-3", secrets[1])},
		func(e *store.InputError) bool {
			return e.Position == 3 && errors.Is(e, model.ErrDuplicate) && e.Earlier == 2 && e.Clash == "s-2"
		})
	failed("a stored name", []model.KeyInput{in("s-1", secrets[0]), in("EXISTING", secrets[1])},
		func(e *store.InputError) bool {
			return e.Position == 2 && errors.Is(e, model.ErrDuplicate) && e.Earlier == 0 && e.Clash == "existing"
		})
	// Far apart: the earlier input is already stored when the later one comes.
	var many []model.KeyInput
	for i := range 300 {
		many = append(many, in(fmt.Sprintf("m-%d", i), ""))
	}
	many = append(many, in("M-5", ""))
	failed("a name twice, far apart", many, func(e *store.InputError) bool {
		return e.Position == 301 && errors.Is(e, model.ErrDuplicate) && e.Earlier == 6 && e.Clash == "m-5"
	})
	// The same secret spelled another way (another host, the same payload), next to its first
	// spelling and far from it; and the same spelling far from the first.
	payloadOf := func(secret string) string { return secret[strings.LastIndexByte(secret, '|')+1:] }
	failed("a payload twice", []model.KeyInput{in("s-1", secrets[0]), in("s-2", "3|other.example.com|"+payloadOf(secrets[0]))},
		func(e *store.InputError) bool {
			return e.Position == 2 && errors.Is(e, model.ErrDuplicate) && e.Earlier == 1 && e.Clash == "s-1"
		})
	var given []model.KeyInput
	for i := range 300 {
		k, _ := keyformat.Generate("")
		given = append(given, in(fmt.Sprintf("g-%d", i), k))
	}
	failed("a payload twice, far apart", append(slices.Clone(given), in("late", "3|other.example.com|"+payloadOf(given[5].Secret))),
		func(e *store.InputError) bool {
			return e.Position == 301 && errors.Is(e, model.ErrDuplicate) && e.Earlier == 6 && e.Clash == "g-5"
		})
	failed("a key twice, far apart", append(slices.Clone(given), in("late", given[7].Secret)),
		func(e *store.InputError) bool {
			return e.Position == 301 && errors.Is(e, model.ErrDuplicate) && e.Earlier == 8 && e.Clash == "g-7"
		})
	// The first refusal is the one reported, whichever check finds it: a stored name on input
	// 2 before a bad name on input 3, or before the stream's own failure.
	failed("a stored name before a bad one", []model.KeyInput{in("s-1", secrets[0]), in("Existing", secrets[1]), in("bad/name", secrets[2])},
		func(e *store.InputError) bool {
			return e.Position == 2 && errors.Is(e, model.ErrDuplicate) && e.Clash == "existing"
		})
	stop := errors.New("the file went away")
	read := 0
	next := streamOf([]model.KeyInput{in("s-1", secrets[0]), in("EXISTING", secrets[1])}, &read)
	_, err := x.ImportKeyStream(ctx, func() (model.KeyInput, error) {
		if read == 2 {
			return model.KeyInput{}, stop
		}
		return next()
	})
	if ie := (*store.InputError)(nil); !errors.As(err, &ie) || ie.Position != 2 {
		t.Fatalf("a stored name before the stream's failure: %v", err)
	}
	read = 0
	next = streamOf([]model.KeyInput{in("s-1", secrets[0])}, &read)
	if _, err := x.ImportKeyStream(ctx, func() (model.KeyInput, error) {
		if read == 1 {
			return model.KeyInput{}, stop
		}
		return next()
	}); err != stop {
		t.Fatalf("the stream's error: %v", err)
	}

	ins := []model.KeyInput{in("s-1", secrets[0]), in("s-2", secrets[1]), in("s-3", "")}
	ins[1].Description, ins[1].MaxUsage, ins[1].AllowReenroll = "rack 4", 7, true
	ins[1].ExpiresAt = time.Now().Add(48 * time.Hour)
	read = 0
	n, err := x.ImportKeyStream(ctx, streamOf(ins, &read))
	if err != nil || n != 3 || read != 3 {
		t.Fatalf("import: %d keys, %d read, %v", n, read, err)
	}
	for i, want := range ins {
		k, err := x.KeyByName(ctx, want.Name)
		if err != nil {
			t.Fatalf("%s: %v", want.Name, err)
		}
		if want.Secret != "" && k.Fingerprint != keyformat.Fingerprint(want.Secret) {
			t.Errorf("%s: material not kept", want.Name)
		}
		if got, err := x.ExportKey(ctx, k.ID); err != nil || (want.Secret != "" && got != want.Secret) {
			t.Errorf("%s: export: %v", want.Name, err)
		}
		doc, _ := store.AuditJSON(store.AuditKey(k))
		rows := 0
		for _, e := range auditEvents(t, s) {
			if e.Action == model.ActionImport && e.ObjectID == k.ID {
				rows++
				if e.New != doc || e.ObjectName != k.Name || e.Old != "" || e.Result != "ok" {
					t.Errorf("key %d: audit row %+v, want new %s", i+1, e, doc)
				}
			}
		}
		if rows != 1 {
			t.Errorf("%s: %d import audit rows", want.Name, rows)
		}
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

// testCreateKeysBulk: a batch lands whole with its history and one audit row, or not at all.
func testCreateKeysBulk(t *testing.T, open Opener) {
	s, x, ctx := openAsAdmin(t, open)
	mustGroup(t, x, "Servers")
	mustGroup(t, x, "Alpha")
	created := now().Add(-48 * time.Hour)
	batch := []store.NewKey{
		{KeyInput: keyInput("bulk-1"), UsageCount: 3, CreatedAt: created, UpdatedAt: created.Add(time.Hour)},
		{KeyInput: keyInput("bulk-2")},
		{KeyInput: keyInput("bulk-3")},
	}
	batch[1].Groups = []string{"alpha", "SERVERS"}
	batch[2].Exportable = false
	before := len(auditEvents(t, s))
	if err := x.CreateKeys(ctx, append(batch, store.NewKey{KeyInput: keyInput("BULK-1")}), "test batch"); !errors.Is(err, model.ErrDuplicate) {
		t.Fatalf("a batch naming a key twice: %v", err)
	}
	if keys, _ := x.ListKeys(ctx); len(keys) != 0 || len(auditEvents(t, s)) != before {
		t.Fatalf("a failed batch stored %d keys", len(keys))
	}
	if err := s.Session(viewer).CreateKeys(ctx, batch, "viewer"); !errors.Is(err, model.ErrForbidden) {
		t.Fatalf("viewer: %v", err)
	}
	if err := x.CreateKeys(ctx, batch, "test batch"); err != nil {
		t.Fatal(err)
	}
	k, err := x.KeyByName(ctx, "bulk-1")
	if err != nil || k.UsageCount != 3 || !k.CreatedAt.Equal(created) || !k.UpdatedAt.Equal(created.Add(time.Hour)) ||
		k.CreatedBy != "alice" || k.Version != 1 {
		t.Fatalf("bulk-1: %+v %v", k, err)
	}
	if sec, err := x.ExportKey(ctx, k.ID); err != nil || sec == "" {
		t.Fatalf("bulk-1 material: %v", err)
	} else if v, err := x.VerifyKey(ctx, sec); err != nil || v.ID != k.ID {
		t.Fatalf("verify bulk-1: %v", err)
	}
	if k2, _ := x.KeyByName(ctx, "bulk-2"); len(k2.Groups) != 2 || k2.CreatedAt.IsZero() {
		t.Fatalf("bulk-2: %+v", k2)
	}
	if k3, _ := x.KeyByName(ctx, "bulk-3"); k3.Exportable {
		t.Fatal("bulk-3 is exportable")
	} else if _, err := x.ExportKey(ctx, k3.ID); !errors.Is(err, model.ErrNotExportable) {
		t.Fatalf("bulk-3 export: %v", err)
	}
	if n := countAudit(t, s, func(e model.AuditEvent) bool {
		return e.ObjectName == "test batch" && e.Action == model.ActionCreate && e.Result == "ok"
	}); n != 1 {
		t.Fatalf("%d audit rows for the batch, want 1", n)
	}
}
