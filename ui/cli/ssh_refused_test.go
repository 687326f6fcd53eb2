package cli

import (
	"context"
	"strings"
	"testing"

	"provkeys/model"
	"provkeys/store/sqlite"
	"provkeys/ui/cli/localconf"
)

// A viewer's attempt at key material over SSH is refused and leaves an audit row saying so,
// not only a line in the server's log.
func TestSSHViewerExportIsAuditedAsRefused(t *testing.T) {
	f := newFixture(t)
	f.addKey("web-01")
	opt, err := localconf.StoreOptions(f.db, "")
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(sqlite.Options{Path: opt.DB, DataKeyPath: opt.DataKeyPath})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	runner := SessionRunner(st.Session)
	viewer := model.Actor{Name: "victor", Role: model.RoleViewer, Remote: "192.0.2.7:4242"}
	for _, args := range [][]string{{"export", "web-01"}, {"keys", "export", "web-01"}} {
		var out, errb strings.Builder
		code := runner(context.Background(), viewer, args, strings.NewReader(""), &out, &errb)
		if code != 1 || out.String() != "" || !strings.Contains(errb.String(), "viewers cannot export keys") {
			t.Fatalf("%v as a viewer: exit %d, stdout %q, stderr %q", args, code, out.String(), errb.String())
		}
	}
	events, err := st.Session(model.Actor{Name: "root", Role: model.RoleAdmin}).ListAudit(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	refused := 0
	for _, ev := range events {
		if ev.Actor == "victor" && ev.Action == model.ActionExport && ev.Result != "ok" &&
			ev.Remote == viewer.Remote && ev.ObjectType == model.ObjectKey && ev.ObjectID == 1 &&
			strings.Contains(ev.Result, "not allowed") {
			refused++
		}
	}
	if refused != 2 {
		t.Fatalf("%d refused export rows for victor, want 2: %+v", refused, events)
	}
}
