package storetest

import (
	"errors"
	"testing"
	"time"

	"provkeys/model"
	"provkeys/store"
)

// testListKeysHeadAndTableAgree: the first screenful and the compact table say what ListKeys
// says, in the same order.
func testListKeysHeadAndTableAgree(t *testing.T, open Opener) {
	s, x, ctx := openAsAdmin(t, open)
	mustGroup(t, x, "Alpha")
	for i, n := range []string{"zeta", "Beta", "alpha-2", "ALPHA-1", "gamma", "delta", "Eta"} {
		in := keyInput(n)
		in.Description = "key " + n
		in.Exportable = i%2 == 0
		if i%3 == 0 {
			in.Groups = []string{"Servers", "Alpha"}
		}
		mustKey(t, x, in)
	}
	all, err := x.ListKeys(ctx)
	if err != nil || len(all) != 7 {
		t.Fatalf("ListKeys: %d keys, %v", len(all), err)
	}
	for _, limit := range []int{0, 3, 7, 100} {
		head, total, err := s.Session(viewer).ListKeysHead(ctx, limit)
		if err != nil || total != 7 || len(head) != min(limit, 7) {
			t.Fatalf("ListKeysHead(%d): %d keys of %d, %v", limit, len(head), total, err)
		}
		for i := range head {
			if !KeysEqual(head[i], all[i]) {
				t.Fatalf("ListKeysHead(%d)[%d]:\n got %+v\nwant %+v", limit, i, head[i], all[i])
			}
		}
	}
	table, err := s.Session(viewer).ListKeyTable(ctx)
	if err != nil || table.Len() != len(all) {
		t.Fatalf("ListKeyTable: %v", err)
	}
	for i, k := range all {
		if got := table.Key(i); !KeysEqual(got, k) {
			t.Fatalf("ListKeyTable row %d:\n got %+v\nwant %+v", i, got, k)
		}
	}
	nobody := s.Session(model.Actor{Name: "x"})
	if _, _, err := nobody.ListKeysHead(ctx, 5); !errors.Is(err, model.ErrForbidden) {
		t.Fatalf("ListKeysHead with no role: %v", err)
	}
	if _, err := nobody.ListKeyTable(ctx); !errors.Is(err, model.ErrForbidden) {
		t.Fatalf("ListKeyTable with no role: %v", err)
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
