package storetest

import (
	"errors"
	"strings"
	"testing"

	"provkeys/keyformat"
	"provkeys/model"
	"provkeys/store"
)

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
