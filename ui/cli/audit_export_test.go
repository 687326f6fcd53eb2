package cli

import (
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"provkeys/model"
)

func TestAuditExport(t *testing.T) {
	f := newFixture(t)
	f.addKey("web-01")
	f.addKey("calc")
	f.ok("keys", "delete", "web-01", "--yes")
	f.ok("keys", "disable", "calc")

	out := f.ok("audit", "--action", "DELETE", "--format", "csv")
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("--format csv is not CSV: %v\n%s", err, out)
	}
	if len(recs) != 2 || strings.Join(recs[0], ",") != auditCSVHeader {
		t.Fatalf("--action delete --format csv: %q", recs)
	}
	if recs[1][5] != "delete" || recs[1][8] != "web-01" || recs[1][9] != "ok" || !strings.Contains(recs[1][10], `"name":"web-01"`) {
		t.Errorf("the delete row: %q", recs[1])
	}

	out = f.ok("audit", "--action", "disable", "--format", "csv")
	if recs, _ = csv.NewReader(strings.NewReader(out)).ReadAll(); len(recs) != 2 || recs[1][8] != "calc" {
		t.Errorf("--action disable: %q", recs)
	}

	out = f.ok("audit", "--since", "1h", "--format", "jsonl")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	var first model.AuditDoc
	for i, l := range lines {
		var ev model.AuditDoc
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatalf("jsonl line %d is not JSON: %v: %q", i, err, l)
		}
		if i == 0 {
			first = ev
		}
	}
	if len(lines) < 5 || first.Action != "disable" {
		t.Errorf("--since 1h --format jsonl: %d lines, newest %q", len(lines), first.Action)
	}
	if out := f.ok("audit", "--actor", strings.ToUpper(first.Actor), "--format", "jsonl"); strings.Count(out, "\n") != len(lines) {
		t.Errorf("--actor %s: %d lines, want %d", first.Actor, strings.Count(out, "\n"), len(lines))
	}
	if out := f.ok("audit", "--actor", "nobody", "--format", "csv"); out != auditCSVHeader+"\n" {
		t.Errorf("--actor nobody: %q, want the header only", out)
	}
	if out := f.ok("audit", "--since", "2999-01-01"); out != "No audit events.\n" {
		t.Errorf("--since a future date: %q", out)
	}
	if out := f.ok("audit", "--action", "delete", "--limit", "1"); strings.Count(out, "\n") != 2 || !strings.Contains(out, "web-01") {
		t.Errorf("table: %q", out)
	}
	for _, bad := range [][]string{
		{"audit", "--since", "soon"}, {"audit", "--format", "xml"}, {"audit", "--json", "--format", "csv"},
	} {
		f.fail(ExitUsage, bad...)
	}
}

// auditCSVHeader is the header line --format csv promises scripts.
const auditCSVHeader = "id,at,actor,role,remote,action,object_type,object_id,object_name,result,old,new"
