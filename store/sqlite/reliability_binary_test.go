package sqlite

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"provkeys/internal/testenv"
)

// Tests of the provkeys binary, built from this tree and run through sh with umask 022: what
// an operator sees when the store is damaged, the data key is wrong or the disk is full, and
// the modes of every file it makes.

// oneSentence fails unless stderr is one line of the form "provkeys: ..." with no trace of a
// panic, and returns that line.
func oneSentence(t *testing.T, r binResult, want string) string {
	t.Helper()
	line := strings.TrimSuffix(r.stderr, "\n")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1; stderr:\n%s", r.code, r.stderr)
	}
	if strings.Contains(line, "\n") || !strings.HasPrefix(line, "provkeys: ") {
		t.Fatalf("stderr is not one line from provkeys:\n%s", r.stderr)
	}
	for _, bad := range []string{"panic", "goroutine ", ".go:", "runtime."} {
		if strings.Contains(line, bad) {
			t.Fatalf("stderr shows %q:\n%s", bad, r.stderr)
		}
	}
	if !strings.Contains(line, want) {
		t.Fatalf("stderr does not say %q:\n%s", want, line)
	}
	return line
}

// baseStore makes a store with the binary: a machine group G1 and demo keys. It returns the
// database path.
func baseStore(t *testing.T, dir string, keys int) string {
	t.Helper()
	db := filepath.Join(dir, "base.db")
	mustBin(t, nil, "", "--db", db, "groups", "add", "--name", "G1")
	mustBin(t, nil, "", "--db", db, "demo", "--keys", fmt.Sprint(keys))
	return db
}

// cloneStore copies a closed store and its data key to name in dir.
func cloneStore(t *testing.T, from, dir, name string) string {
	t.Helper()
	to := filepath.Join(dir, name)
	copyFile(t, from, to)
	copyFile(t, from+".key", to+".key")
	return to
}

// TestBinaryFaults damages a real store in each way the issue lists and runs a read and a
// write command against it: each says what is wrong in one line, exits 1, and leaves the
// store's bytes and its data key as they were.
func TestBinaryFaults(t *testing.T) {
	dir := t.TempDir()
	base := baseStore(t, dir, 150)
	other := filepath.Join(dir, "other.db")
	mustBin(t, nil, "", "--db", other, "groups", "add", "--name", "G")

	cases := []struct {
		name  string
		setup func(t *testing.T, db string) // damages a fresh copy
		want  string
	}{
		{"corrupt", func(t *testing.T, db string) {
			b := fileBytes(t, db)
			r := mrand.New(mrand.NewPCG(6, 6))
			for i := len(b) / 4; i < 3*len(b)/4; i++ {
				b[i] = byte(r.IntN(256))
			}
			writeFile(t, db, b)
		}, "the store file is damaged"},
		{"truncated", func(t *testing.T, db string) {
			b := fileBytes(t, db)
			writeFile(t, db, b[:len(b)/2])
		}, "the store file is damaged"},
		{"not-sqlite", func(t *testing.T, db string) {
			writeFile(t, db, []byte(strings.Repeat("these are my notes, not a database\n", 300)))
		}, "not an SQLite database"},
		{"newer-schema", func(t *testing.T, db string) {
			setUserVersion(t, db, 999)
		}, "made by a newer provkeys"},
		{"missing-data-key", func(t *testing.T, db string) {
			if err := os.Remove(db + ".key"); err != nil {
				t.Fatal(err)
			}
		}, "is missing"},
		{"wrong-data-key", func(t *testing.T, db string) {
			copyOver(t, other+".key", db+".key")
		}, "is not the one this store's key material was sealed with"},
		{"junk-data-key", func(t *testing.T, db string) {
			writeFile(t, db+".key", []byte("hunter2\n"))
		}, "is not a provkeys data key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := cloneStore(t, base, t.TempDir(), "p.db")
			c.setup(t, db)
			before, keyBefore := fileHash(t, db), fileHash(t, db+".key")
			for _, args := range [][]string{
				{"keys", "list"},
				{"keys", "add", "--name", "new-1", "--group", "G1"},
				{"audit", "--limit", "3"},
			} {
				r := runBin(t, nil, "", append([]string{"--db", db}, args...)...)
				line := oneSentence(t, r, c.want)
				if strings.Contains(line, "hunter2") {
					t.Fatalf("the error repeats the data key file's contents: %s", line)
				}
				if r.stdout != "" {
					t.Fatalf("%v printed output although it failed:\n%s", args, r.stdout)
				}
			}
			if fileHash(t, db) != before || fileHash(t, db+".key") != keyBefore {
				t.Fatal("refusing the store changed its file or its data key")
			}
			t.Logf("%s: %s", c.name, strings.TrimSpace(runBin(t, nil, "", "--db", db, "keys", "list").stderr))
		})
	}
}

// TestBinaryTamperedCiphertext moves one key's ciphertext to another row and flips a byte of a
// third, then asks the binary for each key: a clear error naming the key, exit 1, nothing
// audited as released; the listing, which never decrypts, still works.
func TestBinaryTamperedCiphertext(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	mustBin(t, nil, "", "--db", db, "groups", "add", "--name", "G1")
	for _, n := range []string{"alpha", "bravo", "charlie", "delta"} {
		mustBin(t, nil, "", "--db", db, "keys", "add", "--name", n, "--group", "G1")
	}
	raw := openRaw(t, db)
	material := func(name string) []byte {
		var m []byte
		if err := raw.QueryRow("SELECT m.material FROM key_material m JOIN keys k ON k.id = m.key_id WHERE k.name = ?", name).Scan(&m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	set := func(name string, m []byte) {
		if _, err := raw.Exec("UPDATE key_material SET material = ? WHERE key_id = (SELECT id FROM keys WHERE name = ?)", m, name); err != nil {
			t.Fatal(err)
		}
	}
	ma, mb, mc := material("alpha"), material("bravo"), material("charlie")
	set("alpha", mb)
	set("bravo", ma)
	mc[len(mc)/2] ^= 0x01
	set("charlie", mc)
	audits := count(t, raw, "SELECT count(*) FROM audit")
	raw.Close()

	for _, c := range [][]string{
		{"alpha", "keys", "export", "alpha"},
		{"bravo", "keys", "show", "bravo", "--reveal"},
		{"charlie", "keys", "export", "charlie", "-o", filepath.Join(dir, "charlie.txt")},
	} {
		r := runBin(t, nil, "", append([]string{"--db", db}, c[1:]...)...)
		line := oneSentence(t, r, fmt.Sprintf("key %q", c[0]))
		if !strings.Contains(line, "cannot be decrypted") {
			t.Fatalf("%s: %s", c[0], line)
		}
		if strings.Contains(r.stdout, "|") {
			t.Fatalf("%s: printed something key-like:\n%s", c[0], r.stdout)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "charlie.txt")); !os.IsNotExist(err) {
		t.Fatalf("a failed export left its file: %v", err)
	}
	if out := mustBin(t, nil, "", "--db", db, "keys", "export", "delta"); !strings.HasPrefix(out, "3|") {
		t.Fatalf("the untouched key does not export: %q", out)
	}
	if out := mustBin(t, nil, "", "--db", db, "keys", "list"); !strings.Contains(out, "charlie") {
		t.Fatalf("listing failed:\n%s", out)
	}
	if n := count(t, openRaw(t, db), "SELECT count(*) FROM audit"); n != audits+1 {
		t.Fatalf("%d audit rows after three failed releases and one export, want %d", n, audits+1)
	}
}

// TestBinaryFullDisk puts a store on a 1 MiB tmpfs (root only; skipped where mount fails,
// failed there under PROVKEYS_REQUIRE_E2E=1) and
// fills the disk: a write that needs room, and then even a read (WAL mode needs room for a
// -shm file), fail in one sentence that says the disk is full, and the store is intact after.
func TestBinaryFullDisk(t *testing.T) {
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", mnt).CombinedOutput(); err != nil {
		testenv.Missing(t, fmt.Sprintf("cannot mount a tmpfs here (%v: %s)", err, bytes.TrimSpace(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", mnt).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", mnt, err, out)
		}
	})
	db := filepath.Join(mnt, "p.db")
	mustBin(t, nil, "", "--db", db, "groups", "add", "--name", "G1")
	mustBin(t, nil, "", "--db", db, "demo", "--keys", "100")
	filler := filepath.Join(mnt, "filler")
	fill := func(leave int64) {
		t.Helper()
		var st syscall.Statfs_t
		if err := syscall.Statfs(mnt, &st); err != nil {
			t.Fatal(err)
		}
		avail := int64(st.Bavail)*st.Bsize - leave
		f, err := os.OpenFile(filler, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if avail > 0 {
			_, _ = f.Write(make([]byte, avail)) // may stop short at ENOSPC: that is the point
		}
	}
	fill(64 << 10) // room for the -shm file, not for a thousand keys
	before := fileHash(t, db)
	r := runBin(t, nil, "", "--db", db, "demo", "--keys", "1000", "--yes")
	t.Logf("write on a full disk: %s", oneSentence(t, r, "disk is full"))
	if fileHash(t, db) != before {
		t.Fatal("the failed write changed the store file")
	}
	fill(0)
	r = runBin(t, nil, "", "--db", db, "keys", "list")
	t.Logf("read on a full disk: %s", oneSentence(t, r, "disk is full"))
	if fileHash(t, db) != before {
		t.Fatal("the failed read changed the store file")
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	var keys []json.RawMessage
	if err := json.Unmarshal([]byte(mustBin(t, nil, "", "--db", db, "keys", "list", "--json")), &keys); err != nil || len(keys) != 100 {
		t.Fatalf("after freeing space: %d keys, %v", len(keys), err)
	}
	if res, err := integrityCheck(openRaw(t, db)); err != nil || res != "ok" {
		t.Fatalf("integrity check after the full disk: %q %v", res, err)
	}
}

// TestBinaryFileModes runs the binary under umask 022 and checks the mode of everything it
// makes: the store's directory, the store, its -wal and -shm while it is open (the server
// keeps it open), the data key, the SSH host key and exported files; exports refuse to
// replace a file silently or to write through a symbolic link; and a store directory others
// can write to gets a warning.
func TestBinaryFileModes(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	db := filepath.Join(data, "p.db")
	mustBin(t, nil, "", "--db", db, "groups", "add", "--name", "G1")
	mustBin(t, nil, "", "--db", db, "keys", "add", "--name", "web-01", "--group", "G1")
	wantMode(t, data, 0o700)
	wantMode(t, db, 0o600)
	wantMode(t, db+".key", 0o600)

	// A data key kept elsewhere, named by PROVKEYS_DATA_KEY.
	elsewhere := filepath.Join(dir, "keys", "provkeys.key")
	mustBin(t, []string{"PROVKEYS_DATA_KEY=" + elsewhere}, "", "--db", filepath.Join(dir, "second.db"), "groups", "add", "--name", "G")
	wantMode(t, elsewhere, 0o600)
	wantMode(t, filepath.Join(dir, "keys"), 0o700)

	// While the server runs the store is open: -wal and -shm exist; the host key is new.
	t.Run("serve", func(t *testing.T) {
		hostKey := filepath.Join(dir, "hostkey", "ssh_host_ed25519")
		ops := filepath.Join(dir, "operators")
		writeFile(t, ops, []byte("role=admin "+authorizedLine(t)+" alice\n"))
		srv := startBin(t, "--db", db, "serve", "--listen", "127.0.0.1:0", "--enroll-listen", "127.0.0.1:0", "--host-key", hostKey, "--operators", ops)
		srv.waitFor(t, "serving over SSH")
		for _, p := range []string{db, db + "-wal", db + "-shm", db + ".key", hostKey} {
			wantMode(t, p, 0o600)
		}
		srv.stop(t)
	})

	out := filepath.Join(dir, "out")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	secret := strings.TrimSpace(mustBin(t, nil, "", "--db", db, "keys", "export", "web-01"))
	export := func(path string, force bool) binResult {
		args := []string{"--db", db, "keys", "export", "web-01", "-o", path}
		if force {
			args = append(args, "--force")
		}
		return runBin(t, nil, "", args...)
	}
	// A new file: 0600 and exactly the key.
	fresh := filepath.Join(out, "web-01.txt")
	if r := export(fresh, false); r.code != 0 {
		t.Fatalf("export: %s", r.stderr)
	}
	wantMode(t, fresh, 0o600)
	if got := string(fileBytes(t, fresh)); got != secret+"\n" {
		t.Fatalf("exported file holds %q", got)
	}
	// An existing file is never replaced silently.
	old := filepath.Join(out, "old.txt")
	writeFile(t, old, []byte("keep me\n"))
	os.Chmod(old, 0o644)
	oneSentence(t, export(old, false), "exists")
	if string(fileBytes(t, old)) != "keep me\n" {
		t.Fatal("export replaced an existing file without --force")
	}
	// With --force it is replaced, and the result is 0600 whatever the old mode was.
	if r := export(old, true); r.code != 0 {
		t.Fatalf("export --force: %s", r.stderr)
	}
	wantMode(t, old, 0o600)
	// A planted symbolic link is refused, with or without --force; its target is untouched.
	target := filepath.Join(dir, "target.txt")
	writeFile(t, target, []byte("target\n"))
	link := filepath.Join(out, "link.txt")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	oneSentence(t, export(link, false), "exists")
	oneSentence(t, export(link, true), "symbolic link")
	if string(fileBytes(t, target)) != "target\n" {
		t.Fatal("export wrote through a symbolic link")
	}
	dangling := filepath.Join(out, "dangling.txt")
	if err := os.Symlink(filepath.Join(dir, "nowhere.txt"), dangling); err != nil {
		t.Fatal(err)
	}
	oneSentence(t, export(dangling, false), "exists")
	oneSentence(t, export(dangling, true), "symbolic link")
	if _, err := os.Stat(filepath.Join(dir, "nowhere.txt")); !os.IsNotExist(err) {
		t.Fatal("export created the target of a dangling symbolic link")
	}
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Fatalf("an export left a temporary file: %s", e.Name())
		}
	}

	// A directory others can write to: refused, since anyone could have planted a data key.
	shared := filepath.Join(dir, "shared")
	if err := os.Mkdir(shared, 0o777); err != nil {
		t.Fatal(err)
	}
	os.Chmod(shared, 0o777)
	r := runBin(t, nil, "", "--db", filepath.Join(shared, "p.db"), "groups", "add", "--name", "G")
	if r.code != 1 || !strings.Contains(r.stderr, "writable by others") {
		t.Fatalf("a store in a world-writable directory was used: exit %d\n%s", r.code, r.stderr)
	}
	if r := runBin(t, nil, "", "--db", db, "groups", "list"); strings.Contains(r.stderr, "warning") {
		t.Fatalf("a warning for a private directory:\n%s", r.stderr)
	}
}

func wantMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s: mode %#o, want %#o", filepath.Base(path), got, want)
	}
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// copyOver replaces to's contents with from's.
func copyOver(t *testing.T, from, to string) {
	t.Helper()
	writeFile(t, to, fileBytes(t, from))
}

// setUserVersion sets PRAGMA user_version with the sqlite3 command line, as the issue asks,
// or through the driver where sqlite3 is not installed.
func setUserVersion(t *testing.T, db string, v int) {
	t.Helper()
	q := fmt.Sprintf("PRAGMA user_version = %d", v)
	if _, err := exec.LookPath("sqlite3"); err == nil {
		if out, err := exec.Command("sqlite3", db, q).CombinedOutput(); err != nil {
			t.Fatalf("sqlite3: %v %s", err, out)
		}
		return
	}
	raw := openRaw(t, db)
	if _, err := raw.Exec(q); err != nil {
		t.Fatal(err)
	}
	raw.Close()
}

// authorizedLine is an authorized_keys line for a fresh ed25519 key.
func authorizedLine(t *testing.T) string {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	for _, part := range [][]byte{[]byte("ssh-ed25519"), pub} {
		binary.Write(&b, binary.BigEndian, uint32(len(part)))
		b.Write(part)
	}
	return "ssh-ed25519 " + base64.StdEncoding.EncodeToString(b.Bytes())
}

// runningBin is a provkeys process that keeps running (the server).
type runningBin struct {
	cmd    *exec.Cmd
	mu     sync.Mutex
	stderr bytes.Buffer
	done   chan error
}

func (r *runningBin) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stderr.Write(p)
}

func (r *runningBin) output() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stderr.String()
}

// startBin starts provkeys with args under umask 022 and stops it when the test ends.
func startBin(t *testing.T, args ...string) *runningBin {
	t.Helper()
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	r := &runningBin{done: make(chan error, 1)}
	r.cmd = exec.Command("sh", "-c", "umask 022; exec "+provkeysBin(t)+" "+strings.Join(quoted, " "))
	r.cmd.Env = []string{"HOME=" + os.Getenv("HOME"), "PATH=" + os.Getenv("PATH"), "USER=tester"}
	r.cmd.Stdout, r.cmd.Stderr = r, r
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.done <- r.cmd.Wait() }()
	t.Cleanup(func() { r.cmd.Process.Kill() })
	return r
}

// waitFor waits until the process's output contains s (30 s at most).
func (r *runningBin) waitFor(t *testing.T, s string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for !strings.Contains(r.output(), s) {
		select {
		case err := <-r.done:
			t.Fatalf("provkeys exited (%v) before saying %q:\n%s", err, s, r.output())
		case <-ctx.Done():
			t.Fatalf("provkeys never said %q:\n%s", s, r.output())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// stop ends the process with SIGTERM and waits for it.
func (r *runningBin) stop(t *testing.T) {
	t.Helper()
	r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.done:
	case <-time.After(15 * time.Second):
		t.Errorf("provkeys did not stop on SIGTERM:\n%s", r.output())
	}
}
