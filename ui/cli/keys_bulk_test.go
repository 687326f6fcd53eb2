package cli

import (
	"bufio"
	"context"
	"strings"
	"testing"

	"provkeys/model"
	"provkeys/store"
)

// auditActions lists the actions of the audit rows about key name, newest first.
func (f *fixture) auditActions(name string) []string {
	f.t.Helper()
	var events []model.AuditDoc
	f.jsonOut(&events, "audit", "--limit", "0")
	var acts []string
	for _, ev := range events {
		if ev.ObjectType == "key" && ev.ObjectName == name {
			acts = append(acts, ev.Action)
		}
	}
	return acts
}

func enabledOf(f *fixture) map[string]bool {
	m := map[string]bool{}
	for _, k := range f.keys() {
		m[k["name"].(string)] = k["enabled"].(bool)
	}
	return m
}

func TestKeysBulkByFilter(t *testing.T) {
	f := newFixture(t)
	f.addKey("web-01")
	f.addKey("web-02")
	f.addKey("db-01")

	if msg := f.fail(ExitUsage, "keys", "disable", "--filter", "name:web"); !strings.Contains(msg, "keys disable asks for confirmation but standard input is not a terminal; use --yes") {
		t.Errorf("without --yes on a pipe: %q", msg)
	}
	if msg := f.fail(ExitUsage, "keys", "disable", "web-01", "--filter", "name:web"); !strings.Contains(msg, "not both") {
		t.Errorf("NAME and --filter: %q", msg)
	}
	if msg := f.fail(ExitUsage, "keys", "disable"); !strings.Contains(msg, "give a key NAME or --filter EXPR") {
		t.Errorf("neither: %q", msg)
	}
	if msg := f.fail(ExitUsage, "keys", "delete", "--filter", " ", "--yes"); !strings.Contains(msg, "matches every key") {
		t.Errorf("an empty filter: %q", msg)
	}
	if msg := f.fail(ExitUsage, "keys", "disable", "--filter", "expires:soon", "--yes"); !strings.Contains(msg, "expires:soon: want") {
		t.Errorf("a bad filter: %q", msg)
	}

	if out := f.ok("keys", "disable", "--filter", "name:web", "--yes"); out != "Disabled 2 keys.\n" {
		t.Errorf("disable --filter name:web: %q", out)
	}
	if got := enabledOf(f); got["web-01"] || got["web-02"] || !got["db-01"] {
		t.Errorf("after disabling name:web: %v", got)
	}
	out := f.ok("keys", "disable", "--filter", "name:web|db", "--yes")
	if want := "Disabled 1 key; 2 skipped: web-01 (already disabled), web-02 (already disabled).\n"; out != want {
		t.Errorf("disable again: %q, want %q", out, want)
	}
	if got := f.auditActions("web-01"); len(got) < 2 || got[0] != "disable" || got[1] != "create" {
		t.Errorf("web-01's audit rows: %v, want one disable after the create", got)
	}
	if out := f.ok("keys", "enable", "--filter", "-name:db-01", "--yes"); out != "Enabled 2 keys.\n" {
		t.Errorf("enable --filter -name:db-01: %q", out)
	}
	if out := f.ok("keys", "enable", "--filter", "name:nothing", "--yes"); !strings.Contains(out, "No keys match") {
		t.Errorf("no match: %q", out)
	}
	if out := f.ok("keys", "delete", "--filter", "status:disabled", "--yes"); out != "Deleted 1 key.\n" {
		t.Errorf("delete --filter status:disabled: %q", out)
	}
	if got := enabledOf(f); len(got) != 2 || !got["web-01"] || !got["web-02"] {
		t.Errorf("after the bulk delete: %v", got)
	}
	if got := f.auditActions("db-01"); len(got) == 0 || got[0] != "delete" {
		t.Errorf("db-01's audit rows: %v, want a delete", got)
	}
}

// TestKeysBulkFailureNamesTheKey: a key that fails is named, and the others are done.
func TestKeysBulkFailureNamesTheKey(t *testing.T) {
	f := newFixture(t)
	f.addKey("a-1")
	f.addKey("a-2")
	f.addKey("a-3")
	var out, errb strings.Builder
	w := bufio.NewWriter(&out)
	e := &env{ctx: context.Background(), io: IO{In: strings.NewReader(""), Out: &out, Err: &errb}, out: w, dbPath: f.db}
	defer e.close()
	fail := func(ctx context.Context, s store.Session, k model.Key) (string, error) {
		if k.Name == "a-2" {
			return "", model.ErrNotFound
		}
		return setEnabledAction(false, "disabled")(ctx, s, k)
	}
	err := bulk{cmd: "keys disable", verb: "Disable", done: "Disabled"}.run(e, "name:a", true, fail)
	w.Flush()
	if err == nil || !strings.Contains(err.Error(), "1 of 3 keys failed: a-2: ") {
		t.Fatalf("error = %v, want one naming a-2", err)
	}
	if out.String() != "Disabled 2 keys.\n" {
		t.Errorf("summary = %q", out.String())
	}
	e.close()
	if got := enabledOf(f); got["a-1"] || !got["a-2"] || got["a-3"] {
		t.Errorf("after a failure on a-2: %v, want a-1 and a-3 disabled", got)
	}
}
