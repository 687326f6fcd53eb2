package cli

import (
	"strings"
	"testing"
)

func TestKeysListColumns(t *testing.T) {
	f := newFixture(t)
	f.addKey("web-01", "--description", "rack 4", "--expires", "2999-01-02")
	out := f.ok("keys", "list", "--columns", "description,expires")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 2 || strings.Join(strings.Fields(lines[0]), " ") != "NAME DESCRIPTION EXPIRES" {
		t.Fatalf("--columns description,expires: %q", out)
	}
	if f := strings.Fields(lines[1]); len(f) < 4 || f[0] != "web-01" || f[1] != "rack" || f[3] != "2999-01-02" {
		t.Errorf("row: %q", lines[1])
	}
	out = f.ok("keys", "list", "--columns", "ID,name,id, usage")
	if h := strings.Fields(strings.SplitN(out, "\n", 2)[0]); strings.Join(h, " ") != "NAME ID USAGE" {
		t.Errorf("name first, each column once: %q", h)
	}
	if def := f.ok("keys", "list"); !strings.HasPrefix(def, "NAME") || !strings.Contains(def, "FINGERPRINT") || strings.Contains(def, "DESCRIPTION") {
		t.Errorf("default columns: %q", def)
	}
	if msg := f.fail(ExitUsage, "keys", "list", "--columns", "name,colour"); !strings.Contains(msg, `unknown column "colour" (use name, groups, status`) {
		t.Errorf("unknown column: %q", msg)
	}
}
