package cli

import (
	"fmt"
	"strings"
	"testing"
)

func TestKeysRotateAndClone(t *testing.T) {
	f := newFixture(t)
	old := f.addKey("kiosk-1", "--description", "lobby", "--max-usage", "5", "--reenroll")
	before := f.keys()[0]

	if msg := f.fail(ExitUsage, "keys", "rotate", "kiosk-1"); !strings.Contains(msg, "use --yes") {
		t.Errorf("rotate without --yes on a pipe: %q", msg)
	}
	var doc map[string]any
	f.jsonOut(&doc, "keys", "rotate", "kiosk-1", "--yes")
	secret, _ := doc["key"].(string)
	if secret == "" || secret == old || doc["fingerprint"] == before["fingerprint"] {
		t.Fatalf("rotate gave %v", doc)
	}
	for _, field := range []string{"name", "description", "max_usage", "allow_reenrollment", "groups",
		"signing_certificate", "exportable", "enabled", "cloud", "created_at"} {
		if before[field] == nil || fmt.Sprint(doc[field]) != fmt.Sprint(before[field]) {
			t.Errorf("rotate changed %s: %v -> %v", field, before[field], doc[field])
		}
	}
	if out := f.ok("verify", secret); !strings.Contains(out, "kiosk-1") {
		t.Errorf("the new secret does not verify: %q", out)
	}
	if r := f.run("verify", old); r.code == 0 {
		t.Errorf("the old secret still verifies: %q", r.stdout)
	}
	if got := f.auditActions("kiosk-1"); len(got) == 0 || got[0] != "rotate" {
		t.Errorf("audit after rotate: %v", got)
	}
	out := f.ok("keys", "rotate", "kiosk-1", "--yes")
	if !strings.HasPrefix(out, "Rotated key kiosk-1 (SHA256:") || strings.Count(out, "\n") != 2 {
		t.Errorf("rotate, as text: %q", out)
	}

	if msg := f.fail(ExitUsage, "keys", "clone", "kiosk-1"); !strings.Contains(msg, "--name NEW") {
		t.Errorf("clone without --name: %q", msg)
	}
	var clone map[string]any
	f.jsonOut(&clone, "keys", "clone", "kiosk-1", "--name", "kiosk-2")
	if clone["name"] != "kiosk-2" || clone["description"] != "lobby" || fmt.Sprint(clone["max_usage"]) != "5" || clone["allow_reenrollment"] != true ||
		clone["key"] == secret || clone["fingerprint"] == doc["fingerprint"] {
		t.Errorf("clone: %v", clone)
	}
	if msg := f.fail(ExitFail, "keys", "clone", "kiosk-1", "--name", "KIOSK-2"); !strings.Contains(msg, "already") {
		t.Errorf("clone onto a taken name: %q", msg)
	}
	if msg := f.fail(ExitFail, "keys", "rotate", "nope", "--yes"); !strings.Contains(msg, "nope") {
		t.Errorf("rotate an unknown key: %q", msg)
	}
}
