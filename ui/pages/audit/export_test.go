package audit

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/internal/uitest"
)

// TestExportWritesTheRowsShown: ":export FILE" on the Audit view writes the events the view
// shows (its filter applied), newest first, with the command line's encoder, CSV for .csv and
// JSON lines otherwise, in a 0600 file; the status says how many went where.
func TestExportWritesTheRowsShown(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	d := openView(t, uitest.NewViewsStore(), uitest.Admin, 3)
	d.Press("/")
	d.Typ("actor:alice")
	d.Press("enter")
	d.MustSee("2 of 3 events", ": commands")
	var shown []model.AuditEvent
	for _, i := range auditOf(d).List.View {
		shown = append(shown, auditOf(d).List.Items[i].ev)
	}

	csvPath := filepath.Join(dir, "alice.csv")
	d.Press(":")
	d.MustSee("export FILE")
	d.Typ("export " + csvPath)
	d.Press("enter")
	if got, want := d.Status(), "Exported 2 audit events to "+csvPath+" (csv, mode 0600)."; got != want {
		t.Fatalf("status %q, want %q", got, want)
	}
	got, err := os.ReadFile(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := model.WriteAuditCSV(&want, shown); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("csv file:\n%s\nwant:\n%s", got, want.Bytes())
	}
	recs, err := csv.NewReader(bytes.NewReader(got)).ReadAll()
	if err != nil || len(recs) != 3 || recs[1][2] != "alice" || recs[2][2] != "alice" || recs[1][0] != "2" {
		t.Fatalf("csv records %v (%v): want the header and alice's two events, newest (id 2) first", recs, err)
	}
	if fi, _ := os.Stat(csvPath); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
	}

	// Any other name is JSON lines.
	jsonlPath := filepath.Join(dir, "alice.log")
	d.Press(":")
	d.Typ("export " + jsonlPath)
	d.Press("enter")
	if !strings.HasPrefix(d.Status(), "Exported 2 audit events to "+jsonlPath+" (jsonl") {
		t.Fatalf("status %q", d.Status())
	}
	got, _ = os.ReadFile(jsonlPath)
	lines := strings.Split(strings.TrimSuffix(string(got), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("jsonl file:\n%s", got)
	}
	for _, l := range lines {
		var doc model.AuditDoc
		if err := json.Unmarshal([]byte(l), &doc); err != nil || doc.Actor != "alice" {
			t.Fatalf("jsonl line %q: %+v %v", l, doc, err)
		}
	}

	// An existing file is replaced only after y.
	d.Press("/", "esc") // all three events now
	d.Press(":")
	d.Typ("export " + csvPath)
	d.Press("enter")
	d.MustSee("alice.csv exists. Replace it? y/n")
	d.Press("n")
	if b, _ := os.ReadFile(csvPath); !bytes.Equal(b, want.Bytes()) {
		t.Fatal("n replaced the file")
	}
	d.Press(":")
	d.Typ("export " + csvPath)
	d.Press("enter", "y")
	if !strings.HasPrefix(d.Status(), "Exported 3 audit events") {
		t.Fatalf("status %q", d.Status())
	}
}

// TestExportRefusals: no file name, and over SSH (the file would land on the server).
func TestExportRefusals(t *testing.T) {
	t.Parallel()
	d := openView(t, uitest.NewViewsStore(), uitest.Admin, 3)
	d.Press(":")
	d.Typ("export")
	d.Press("enter") // it takes a FILE: the name is completed, the palette stays
	d.MustSee(": export")
	d.Press("esc")

	d = newDriver(t, uitest.NewViewsStore(), uitest.Admin, ui.Options{Remote: true})
	d.Press("tab", "tab", "tab", ":")
	d.Typ("export " + filepath.Join(t.TempDir(), "a.csv"))
	d.Press("enter")
	if !strings.Contains(d.Status(), "would land on the server") {
		t.Fatalf("status %q", d.Status())
	}
}
