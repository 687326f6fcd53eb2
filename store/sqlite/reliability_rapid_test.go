package sqlite

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"pgregory.net/rapid"

	"provkeys/keyformat"
	"provkeys/model"
)

// The property test: a state machine drives the real store and an in-memory model of it with
// the same random actions (add, add a duplicate, edit from the current or a stale version,
// rename onto another key, turn View/Export off or try to turn it back on, toggle, delete,
// export and reveal, and a viewer trying to change or export). After every step the store's
// ListKeys must equal the model, and the audit trail must hold one row per successful action
// plus one per refusal the store audits (a role refusal; change.go's refuse).

// rapidKey is the model of one key.
type rapidKey struct {
	id          int64
	name        string
	groups      []string
	enabled     bool
	exportable  bool
	description string
	version     int64
	fingerprint string
	secret      string
}

// storeMachine holds the store under test and the model it must match.
type storeMachine struct {
	x, viewer *session
	ctx       context.Context
	keys      []*rapidKey // the model
	auditOK   int         // audit rows with result "ok" the store must hold
	refusals  int         // audit rows of refused attempts
}

var rapidNames = []string{"web-01", "web-02", "db-01", "db 02", "Edge_1", "build.box"}

var rapidGroups = []string{"G1", "G2", "G3"}

// pickName draws a name from a small pool, in random case, so duplicates are frequent.
func pickName(t *rapid.T, label string) string {
	n := rapid.SampledFrom(rapidNames).Draw(t, label)
	switch rapid.IntRange(0, 2).Draw(t, label+" case") {
	case 1:
		return strings.ToUpper(n)
	case 2:
		return strings.ToUpper(n[:1]) + n[1:]
	}
	return n
}

func pickGroups(t *rapid.T) []string {
	g := rapid.SliceOfNDistinct(rapid.SampledFrom(rapidGroups), 1, 3, rapid.ID[string]).Draw(t, "groups")
	slices.Sort(g)
	return g
}

// description draws a valid description, sometimes empty, sometimes with non-ASCII letters.
func description(t *rapid.T) string {
	return rapid.StringMatching(`[a-zA-Z0-9 .éü€-]{0,20}`).Draw(t, "description")
}

func (m *storeMachine) byName(name string) *rapidKey {
	for _, k := range m.keys {
		if strings.EqualFold(k.name, name) {
			return k
		}
	}
	return nil
}

func (m *storeMachine) pick(t *rapid.T) *rapidKey {
	if len(m.keys) == 0 {
		t.Skip("no keys yet")
	}
	return rapid.SampledFrom(m.keys).Draw(t, "key")
}

func (m *storeMachine) input(k *rapidKey) model.KeyInput {
	return model.KeyInput{Name: k.name, Groups: slices.Clone(k.groups), Cert: "Client", Enabled: k.enabled,
		Exportable: k.exportable, Description: k.description}
}

// wantErr fails unless err is target (errors.Is), or a *model.ValidationError when target is nil.
func wantErr(t *rapid.T, what string, err, target error) {
	t.Helper()
	if target == nil {
		var ve *model.ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("%s: %v, want a validation error", what, err)
		}
		return
	}
	if !errors.Is(err, target) {
		t.Fatalf("%s: %v, want %v", what, err, target)
	}
}

func (m *storeMachine) Add(t *rapid.T) {
	in := model.KeyInput{Name: pickName(t, "name"), Groups: pickGroups(t), Cert: "Client",
		Enabled: rapid.Bool().Draw(t, "enabled"), Exportable: rapid.Bool().Draw(t, "exportable"),
		Description: description(t)}
	if rapid.Bool().Draw(t, "own secret") {
		in.Secret, _ = keyformat.Generate("")
	}
	k, secret, err := m.x.CreateKey(m.ctx, in)
	if m.byName(in.Name) != nil {
		wantErr(t, "add a taken name", err, model.ErrDuplicate)
		return
	}
	if err != nil {
		t.Fatalf("add %q: %v", in.Name, err)
	}
	if in.Secret != "" && secret != in.Secret {
		t.Fatalf("add %q: secret not kept", in.Name)
	}
	m.keys = append(m.keys, &rapidKey{id: k.ID, name: in.Name, groups: in.Groups, enabled: in.Enabled,
		exportable: in.Exportable, description: in.Description, version: 1, fingerprint: keyformat.Fingerprint(secret), secret: secret})
	m.auditOK++
}

func (m *storeMachine) AddSameSecret(t *rapid.T) {
	k := m.pick(t)
	name := fmt.Sprintf("copy-%d", rapid.IntRange(0, 1000).Draw(t, "n"))
	if m.byName(name) != nil {
		t.Skip("name taken")
	}
	_, _, err := m.x.CreateKey(m.ctx, model.KeyInput{Name: name, Groups: []string{"G1"}, Cert: "Client",
		Enabled: true, Exportable: true, Secret: k.secret})
	wantErr(t, "add a stored key again", err, model.ErrDuplicate)
}

func (m *storeMachine) Edit(t *rapid.T) {
	k := m.pick(t)
	in := m.input(k)
	in.Description = description(t)
	in.Groups = pickGroups(t)
	in.Enabled = rapid.Bool().Draw(t, "enabled")
	if k.exportable && rapid.IntRange(0, 4).Draw(t, "export off") == 0 {
		in.Exportable = false
	}
	got, err := m.x.UpdateKey(m.ctx, k.id, k.version, in)
	if err != nil {
		t.Fatalf("edit %q at version %d: %v", k.name, k.version, err)
	}
	k.description, k.groups, k.enabled, k.exportable = in.Description, in.Groups, in.Enabled, in.Exportable
	k.version++
	if got.Version != k.version {
		t.Fatalf("edit %q: version %d, want %d", k.name, got.Version, k.version)
	}
	m.auditOK++
}

func (m *storeMachine) EditStale(t *rapid.T) {
	k := m.pick(t)
	stale := k.version - int64(rapid.IntRange(1, 3).Draw(t, "behind"))
	in := m.input(k)
	in.Description = "stale write"
	_, err := m.x.UpdateKey(m.ctx, k.id, stale, in)
	wantErr(t, "edit from a stale version", err, model.ErrConflict)
}

func (m *storeMachine) Rename(t *rapid.T) {
	k := m.pick(t)
	name := pickName(t, "new name")
	in := m.input(k)
	in.Name = name
	_, err := m.x.UpdateKey(m.ctx, k.id, k.version, in)
	if other := m.byName(name); other != nil && other != k {
		wantErr(t, "rename onto another key", err, model.ErrDuplicate)
		return
	}
	if err != nil {
		t.Fatalf("rename %q to %q: %v", k.name, name, err)
	}
	k.name = name
	k.version++
	m.auditOK++
}

func (m *storeMachine) ExportBackOn(t *rapid.T) {
	k := m.pick(t)
	if k.exportable {
		t.Skip("exportable")
	}
	in := m.input(k)
	in.Exportable = true
	_, err := m.x.UpdateKey(m.ctx, k.id, k.version, in)
	wantErr(t, "turn View/Export back on", err, nil)
}

func (m *storeMachine) Toggle(t *rapid.T) {
	k := m.pick(t)
	if rapid.IntRange(0, 3).Draw(t, "stale") == 0 {
		_, err := m.x.SetKeyEnabled(m.ctx, k.id, k.version+1, !k.enabled)
		wantErr(t, "toggle from a wrong version", err, model.ErrConflict)
		return
	}
	got, err := m.x.SetKeyEnabled(m.ctx, k.id, k.version, !k.enabled)
	if err != nil {
		t.Fatalf("toggle %q: %v", k.name, err)
	}
	k.enabled = !k.enabled
	k.version++
	if got.Enabled != k.enabled || got.Version != k.version {
		t.Fatalf("toggle %q: got %v v%d", k.name, got.Enabled, got.Version)
	}
	m.auditOK++
}

func (m *storeMachine) Delete(t *rapid.T) {
	k := m.pick(t)
	if rapid.IntRange(0, 3).Draw(t, "stale") == 0 && k.version > 1 {
		err := m.x.DeleteKey(m.ctx, k.id, k.version-1)
		wantErr(t, "delete from a stale version", err, model.ErrConflict)
		return
	}
	if err := m.x.DeleteKey(m.ctx, k.id, k.version); err != nil {
		t.Fatalf("delete %q: %v", k.name, err)
	}
	m.keys = slices.DeleteFunc(m.keys, func(o *rapidKey) bool { return o == k })
	m.auditOK++
	// A deleted key is gone for every later call.
	if _, err := m.x.ExportKey(m.ctx, k.id); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("export of deleted key %q: %v", k.name, err)
	}
}

func (m *storeMachine) Export(t *rapid.T) {
	k := m.pick(t)
	release := m.x.ExportKey
	if rapid.Bool().Draw(t, "reveal") {
		release = m.x.RevealKey
	}
	sec, err := release(m.ctx, k.id)
	if !k.exportable {
		wantErr(t, "export a non-exportable key", err, model.ErrNotExportable)
		if sec != "" {
			t.Fatal("a refused export returned material")
		}
		return
	}
	if err != nil || sec != k.secret {
		t.Fatalf("export %q: %v (material matches: %v)", k.name, err, sec == k.secret)
	}
	m.auditOK++
}

func (m *storeMachine) ViewerTries(t *rapid.T) {
	k := m.pick(t)
	var err error
	switch rapid.IntRange(0, 3).Draw(t, "what") {
	case 0:
		_, err = m.viewer.ExportKey(m.ctx, k.id)
	case 1:
		_, err = m.viewer.UpdateKey(m.ctx, k.id, k.version, m.input(k))
	case 2:
		err = m.viewer.DeleteKey(m.ctx, k.id, k.version)
	case 3:
		_, _, err = m.viewer.CreateKey(m.ctx, keyInput("viewer-made"))
	}
	wantErr(t, "a viewer's change", err, model.ErrForbidden)
	m.refusals++
}

// rapidSteps counts the comparisons made, for the log.
var rapidSteps atomic.Int64

// Check compares the store with the model after every step.
func (m *storeMachine) Check(t *rapid.T) {
	rapidSteps.Add(1)
	got, err := m.x.ListKeys(m.ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(m.keys)
	slices.SortFunc(want, func(a, b *rapidKey) int { return strings.Compare(strings.ToLower(a.name), strings.ToLower(b.name)) })
	if len(got) != len(want) {
		t.Fatalf("store has %d keys, model %d", len(got), len(want))
	}
	for i, k := range got {
		w := want[i]
		if k.ID != w.id || k.Name != w.name || k.Enabled != w.enabled || k.Exportable != w.exportable ||
			k.Description != w.description || k.Version != w.version || k.Fingerprint != w.fingerprint ||
			!slices.Equal(k.GroupNames(), w.groups) {
			t.Fatalf("key %d: store %+v\nmodel %+v", i, k, *w)
		}
	}
	var ok, refused int
	err = m.x.s.rdb.QueryRowContext(m.ctx, `SELECT count(*) FILTER (WHERE result = 'ok'),
		count(*) FILTER (WHERE result <> 'ok') FROM audit WHERE actor <> 'provkeys' AND object_type = 'key'`).Scan(&ok, &refused)
	if err != nil {
		t.Fatal(err)
	}
	if ok != m.auditOK || refused != m.refusals {
		t.Fatalf("audit trail: %d ok rows and %d refusals, want %d and %d", ok, refused, m.auditOK, m.refusals)
	}
}

// TestStoreMatchesModel is the rapid state machine. Reproduce a failure with the
// -rapid.seed it prints; -rapid.checks=1000 runs it longer.
func TestStoreMatchesModel(t *testing.T) {
	// The race detector makes each step about twenty times slower: run fewer checks under it
	// (CI's run) unless -rapid.checks asks for a number. The default 100 run without -race.
	// PROVKEYS_FULL=1 (CI's run without -race) asks for the full 1,000.
	switch {
	case flagGiven("rapid.checks"):
	case reliabilityFull():
		flag.Set("rapid.checks", "1000")
		t.Cleanup(func() { flag.Set("rapid.checks", "100") })
	case raceEnabled:
		flag.Set("rapid.checks", "10")
		t.Cleanup(func() { flag.Set("rapid.checks", "100") })
	}
	// A template store with the groups, copied for each check: opening a copy skips the
	// migration. The copies live on a RAM disk when there is one, since this test is about
	// the store's logic, not the disk's speed (the crash test covers durability).
	root := t.TempDir()
	if d, err := os.MkdirTemp("/dev/shm", "provkeys-rapid-"); err == nil {
		root = d
		t.Cleanup(func() { os.RemoveAll(d) })
	}
	tmpl := filepath.Join(root, "template.db")
	s, err := openAt(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range rapidGroups {
		mustGroup(t, s.as(admin), g)
	}
	s.Close()
	var n atomic.Int64
	rapid.Check(t, func(rt *rapid.T) {
		path := filepath.Join(root, fmt.Sprintf("check-%d.db", n.Add(1)))
		copyFile(t, tmpl, path)
		copyFile(t, tmpl+".key", path+".key")
		s, err := openAt(path)
		if err != nil {
			rt.Fatal(err)
		}
		defer func() {
			s.Close()
			for _, suffix := range []string{"", ".key", "-wal", "-shm"} {
				os.Remove(path + suffix)
			}
		}()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		m := &storeMachine{x: s.as(admin), viewer: s.as(viewer), ctx: ctx}
		rt.Repeat(rapid.StateMachineActions(m))
	})
	t.Logf("%d comparisons of the store with the model, all equal", rapidSteps.Load())
}

// flagGiven reports whether the named flag was set on the command line.
func flagGiven(name string) bool {
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

func copyFile(t testing.TB, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
