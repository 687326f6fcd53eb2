package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"provkeys/keyformat"
	"provkeys/model"
	"provkeys/store"
)

// The crash harness: a writer process makes changes of every kind and records each one in a
// side log after the store acknowledged it (the call returned nil), fsynced; the test kills it
// with SIGKILL at a random moment, then checks the file. "begin" lines, written before each
// change without fsync, show where the kill landed.

// crashGroups are the machine groups the writer spreads keys over.
var crashGroups = []string{"G1", "G2", "G3"}

// crashActor signs the writer's changes, so its audit rows can be told from the setup's.
var crashActor = model.Actor{Name: "crasher", Role: model.RoleAdmin}

// crashWriter is the helper process: it writes until it is killed.
func crashWriter() {
	seed, _ := strconv.ParseUint(os.Getenv("PROVKEYS_CRASH_SEED"), 10, 64)
	r := rand.New(rand.NewPCG(seed, 7))
	fail := func(what string, err error) {
		fmt.Fprintf(os.Stderr, "crash writer: %s: %v\n", what, err)
		os.Exit(4)
	}
	s, err := openAt(os.Getenv("PROVKEYS_CRASH_DB"))
	if err != nil {
		fail("open", err)
	}
	x := s.as(crashActor)
	ctx := context.Background()
	log, err := os.OpenFile(os.Getenv("PROVKEYS_CRASH_LOG"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		fail("side log", err)
	}
	// note appends one line in one write(2): a kill cannot tear it.
	note := func(line string, sync bool) {
		if _, err := log.WriteString(line + "\n"); err != nil {
			fail("side log", err)
		}
		if sync {
			if err := log.Sync(); err != nil {
				fail("side log", err)
			}
		}
	}
	keys, err := x.ListKeys(ctx)
	if err != nil {
		fail("list", err)
	}
	var live []int64
	for _, k := range keys {
		live = append(live, k.ID)
	}
	groups := func() []string {
		var g []string
		for _, name := range crashGroups {
			if r.IntN(2) == 0 {
				g = append(g, name)
			}
		}
		if len(g) == 0 {
			g = []string{crashGroups[r.IntN(len(crashGroups))]}
		}
		return g
	}
	newInput := func(name string) model.KeyInput {
		return model.KeyInput{Name: name, Groups: groups(), Cert: "Client", Enabled: r.IntN(4) > 0,
			Exportable: r.IntN(4) > 0, Description: "v1"}
	}
	for n := 0; ; n++ {
		op := r.IntN(10)
		if len(live) < 3 {
			op = 0
		}
		name := fmt.Sprintf("s%d-n%d", seed, n)
		switch {
		case op <= 2:
			note("begin create "+name, false)
			k, _, err := x.CreateKey(ctx, newInput(name))
			if err != nil {
				fail("create", err)
			}
			live = append(live, k.ID)
			note(fmt.Sprintf("ack create %d %d", k.ID, k.Version), true)
		case op == 3:
			var in []model.KeyInput
			for i := range 1 + r.IntN(3) {
				ki := newInput(fmt.Sprintf("%s-%d", name, i))
				ki.Secret, _ = keyformat.Generate("")
				in = append(in, ki)
			}
			note("begin import "+name, false)
			ks, err := x.ImportKeys(ctx, in)
			if err != nil {
				fail("import", err)
			}
			var ids []string
			for _, k := range ks {
				live = append(live, k.ID)
				ids = append(ids, strconv.FormatInt(k.ID, 10))
			}
			note("ack import "+strings.Join(ids, ","), true)
		default:
			i := r.IntN(len(live))
			id := live[i]
			k, err := x.Key(ctx, id)
			if err != nil {
				fail("read", err)
			}
			switch {
			case op <= 6:
				in := k.Input()
				// The description names the version the edit creates, so a row whose
				// description and version disagree was half applied.
				in.Description = fmt.Sprintf("v%d", k.Version+1)
				in.Groups = groups()
				if r.IntN(8) == 0 {
					in.Exportable = false
				}
				note(fmt.Sprintf("begin update %d", id), false)
				k2, err := x.UpdateKey(ctx, id, k.Version, in)
				if err != nil {
					fail("update", err)
				}
				note(fmt.Sprintf("ack update %d %d", id, k2.Version), true)
			case op <= 8:
				note(fmt.Sprintf("begin toggle %d", id), false)
				// SetKeyEnabled keeps the description, so it says the version before.
				k2, err := x.SetKeyEnabled(ctx, id, k.Version, !k.Enabled)
				if err != nil {
					fail("toggle", err)
				}
				note(fmt.Sprintf("ack toggle %d %d", id, k2.Version), true)
			default:
				note(fmt.Sprintf("begin delete %d", id), false)
				if err := x.DeleteKey(ctx, id, k.Version); err != nil {
					fail("delete", err)
				}
				live = slices.Delete(live, i, i+1)
				note(fmt.Sprintf("ack delete %d", id), true)
			}
		}
	}
}

// crashAck is one acknowledged change from the side log.
type crashAck struct {
	op      string // create, import, update, toggle, delete
	ids     []int64
	version int64 // update and toggle: the version the change made
}

// readCrashLog parses the side log: the acknowledged changes, and whether the last line is a
// "begin" (the kill landed inside a change).
func readCrashLog(t *testing.T, path string) (acks []crashAck, inFlight bool) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	lines := strings.Split(string(bytes.TrimRight(b, "\n")), "\n")
	for _, line := range lines {
		f := strings.Fields(line)
		if len(f) < 3 || f[0] != "ack" {
			continue
		}
		a := crashAck{op: f[1]}
		for _, s := range strings.Split(f[2], ",") {
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				t.Fatalf("side log line %q: %v", line, err)
			}
			a.ids = append(a.ids, id)
		}
		if len(f) > 3 {
			a.version, _ = strconv.ParseInt(f[3], 10, 64)
		}
		acks = append(acks, a)
	}
	last := lines[len(lines)-1]
	return acks, strings.HasPrefix(last, "begin ")
}

// crashAudit is one audit row about a key.
type crashAudit struct {
	id       int64
	action   string
	objectID int64
	actor    string
	result   string
	new      store.KeyAudit
}

// crashRow is one key as stored, with its groups.
type crashRow struct {
	version     int64
	enabled     bool
	exportable  bool
	description string
	hasMaterial bool
	groups      []string
}

// loadCrashState reads every key, its groups and every key audit row straight from the file.
func loadCrashState(t *testing.T, db *sql.DB) (map[int64]*crashRow, []crashAudit) {
	t.Helper()
	keys := map[int64]*crashRow{}
	rows, err := db.Query("SELECT id, version, enabled, exportable, description, material IS NOT NULL FROM keys")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		r := &crashRow{}
		if err := rows.Scan(&id, &r.version, &r.enabled, &r.exportable, &r.description, &r.hasMaterial); err != nil {
			t.Fatal(err)
		}
		keys[id] = r
	}
	rows.Close()
	rows, err = db.Query("SELECT kg.key_id, g.name FROM key_groups kg JOIN groups g ON g.id = kg.group_id ORDER BY g.name")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			t.Fatal(err)
		}
		if k := keys[id]; k != nil {
			k.groups = append(k.groups, name)
		}
	}
	rows.Close()
	var audit []crashAudit
	rows, err = db.Query("SELECT id, action, object_id, actor, result, new FROM audit WHERE object_type = 'key' ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var a crashAudit
		var newJSON string
		if err := rows.Scan(&a.id, &a.action, &a.objectID, &a.actor, &a.result, &newJSON); err != nil {
			t.Fatal(err)
		}
		if newJSON != "" {
			if err := json.Unmarshal([]byte(newJSON), &a.new); err != nil {
				t.Fatalf("audit row %d: %v", a.id, err)
			}
		}
		audit = append(audit, a)
	}
	rows.Close()
	return keys, audit
}

// checkCrashState proves, after a kill: every acknowledged change and its audit row are
// present, and every change in the file, acknowledged or not, is whole (key row, audit row,
// key_groups rows). It returns how many committed changes had not been acknowledged yet.
func checkCrashState(t *testing.T, db *sql.DB, acks []crashAck) (unacked int) {
	t.Helper()
	keys, audit := loadCrashState(t, db)
	type idv struct{ id, v int64 }
	created := map[int64]int{}         // key id -> create/import audit rows
	deleted := map[int64]bool{}        // key id -> has a delete audit row
	versions := map[idv]bool{}         // (key, version) made by an audited change
	changes := map[int64]int{}         // key id -> update/enable/disable audit rows
	last := map[int64]store.KeyAudit{} // key id -> newest audit row's new value
	crasherRows := 0
	for _, a := range audit {
		if a.result != "ok" {
			t.Fatalf("audit row %d: result %q", a.id, a.result)
		}
		if a.actor == crashActor.Name {
			crasherRows++
		}
		switch model.Action(a.action) {
		case model.ActionCreate, model.ActionImport:
			created[a.objectID]++
		case model.ActionUpdate, model.ActionEnable, model.ActionDisable:
			changes[a.objectID]++
		case model.ActionDelete:
			deleted[a.objectID] = true
			continue
		default:
			continue
		}
		versions[idv{a.objectID, a.new.Version}] = true
		last[a.objectID] = a.new
	}
	// Acknowledged changes are all there.
	ackedRows := 0
	for _, a := range acks {
		ackedRows += len(a.ids)
		for _, id := range a.ids {
			switch a.op {
			case "create", "import":
				if created[id] != 1 {
					t.Fatalf("acknowledged %s of key %d: %d audit rows", a.op, id, created[id])
				}
				if keys[id] == nil && !deleted[id] {
					t.Fatalf("acknowledged %s of key %d: the key is gone and was never deleted", a.op, id)
				}
			case "update", "toggle":
				if !versions[idv{id, a.version}] {
					t.Fatalf("acknowledged %s of key %d to version %d has no audit row", a.op, id, a.version)
				}
				if k := keys[id]; k == nil && !deleted[id] || k != nil && k.version < a.version {
					t.Fatalf("acknowledged %s of key %d to version %d was lost", a.op, id, a.version)
				}
			case "delete":
				if keys[id] != nil || !deleted[id] {
					t.Fatalf("acknowledged delete of key %d: row present %v, audited %v", id, keys[id] != nil, deleted[id])
				}
			}
		}
	}
	// Nothing is half applied: every key row agrees with its audit trail and has groups.
	for id, k := range keys {
		if created[id] != 1 {
			t.Fatalf("key %d exists with %d create audit rows", id, created[id])
		}
		if deleted[id] {
			t.Fatalf("key %d exists but its delete was audited", id)
		}
		if int64(changes[id]) != k.version-1 {
			t.Fatalf("key %d is at version %d with %d audited changes", id, k.version, changes[id])
		}
		want := last[id]
		if want.Version != k.version || want.Enabled != k.enabled || want.Exportable != k.exportable ||
			want.Description != k.description || !slices.Equal(want.Groups, k.groups) {
			t.Fatalf("key %d: row %+v, newest audit row says %+v", id, *k, want)
		}
		// An update writes "v<the version it makes>"; a toggle keeps the description.
		if n, err := strconv.ParseInt(strings.TrimPrefix(k.description, "v"), 10, 64); err != nil || n < 1 || n > k.version {
			t.Fatalf("key %d at version %d has description %q", id, k.version, k.description)
		}
		if len(k.groups) == 0 {
			t.Fatalf("key %d has no machine group", id)
		}
		if k.exportable != k.hasMaterial {
			t.Fatalf("key %d: exportable %v but material stored %v", id, k.exportable, k.hasMaterial)
		}
	}
	for id := range created {
		if keys[id] == nil && !deleted[id] {
			t.Fatalf("key %d: created in the audit trail, absent, never deleted", id)
		}
	}
	for id := range deleted {
		if created[id] != 1 {
			t.Fatalf("key %d: deleted but created %d times", id, created[id])
		}
	}
	return crasherRows - ackedRows
}

// TestCrashSafety kills a writing process with SIGKILL at random points and checks the store
// after every kill. 50 kills by default, 10 with -short.
func TestCrashSafety(t *testing.T) {
	kills := 50
	if testing.Short() {
		kills = 10
	}
	if reliabilityFull() {
		kills = 200
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "crash.db")
	logPath := filepath.Join(dir, "acks.log")
	s, err := openAt(path)
	if err != nil {
		t.Fatal(err)
	}
	x := s.as(admin)
	for _, g := range crashGroups {
		mustGroup(t, x, g)
	}
	s.Close()

	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 1))
	start := time.Now()
	var inFlight, duringOpen, unacked int
	var acks []crashAck
	for trial := range kills {
		before := fileSize(logPath)
		cmd := helperCommand("crash", "PROVKEYS_CRASH_DB="+path, "PROVKEYS_CRASH_LOG="+logPath,
			"PROVKEYS_CRASH_SEED="+strconv.FormatUint(seed+uint64(trial), 10))
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		if r.IntN(10) == 0 {
			// Now and then, kill while the process is still opening (WAL recovery included).
			duringOpen++
			time.Sleep(time.Duration(r.IntN(40)) * time.Millisecond)
		} else {
			// Otherwise wait for the first acknowledged change, then a random while more.
			waitGrow(t, logPath, before, exited, &stderr)
			time.Sleep(time.Duration(r.IntN(60)) * time.Millisecond)
		}
		_ = cmd.Process.Signal(syscall.SIGKILL)
		err := <-exited
		var ee *exec.ExitError
		if !errors.As(err, &ee) || !killedBySignal(ee) {
			t.Fatalf("trial %d: the writer was not killed by SIGKILL: %v\n%s", trial, err, stderr.String())
		}
		var flying bool
		acks, flying = readCrashLog(t, logPath)
		if flying {
			inFlight++
		}
		db := openRaw(t, path)
		if res, err := integrityCheck(db); err != nil || res != "ok" {
			t.Fatalf("trial %d: integrity check: %q, %v", trial, res, err)
		}
		unacked = checkCrashState(t, db, acks)
		db.Close()
	}
	// The store opens, lists, and every key that keeps material still decrypts to a key
	// whose fingerprint matches the stored one.
	s, err = openAt(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	x = s.as(admin)
	keys, err := x.ListKeys(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if !k.Exportable {
			continue
		}
		sec, err := x.RevealKey(testCtx(t), k.ID)
		if err != nil || keyformat.Fingerprint(sec) != k.Fingerprint {
			t.Fatalf("key %s: reveal after crashes: %v", k.Name, err)
		}
	}
	changes := 0
	for _, a := range acks {
		changes += len(a.ids)
	}
	t.Logf("%d SIGKILLs in %v (%d while opening, %d inside a change); %d acknowledged changes, all present; "+
		"%d committed but not yet acknowledged; %d keys at the end; integrity ok every time",
		kills, time.Since(start).Round(time.Millisecond), duringOpen, inFlight, changes, unacked, len(keys))
	if changes == 0 {
		t.Fatal("the writer never acknowledged a change: the harness tested nothing")
	}
}

// waitGrow waits until the file at path is larger than before: the writer acknowledged a
// change. It fails if the writer exits first or nothing happens for 30 s.
func waitGrow(t *testing.T, path string, before int64, exited chan error, stderr *strings.Builder) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for fileSize(path) <= before {
		select {
		case err := <-exited:
			t.Fatalf("the writer exited by itself: %v\n%s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the writer acknowledged nothing in 30 s")
		}
		time.Sleep(time.Millisecond)
	}
}

// killedBySignal reports whether the process ended by SIGKILL.
func killedBySignal(ee *exec.ExitError) bool {
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}
