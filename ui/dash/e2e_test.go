package dash_test

// End-to-end tests of the real binary in a real terminal: tmux runs provkeys, send-keys types
// as a person would, capture-pane reads the screen, and the command line checks the store
// after each step. They skip where tmux is missing unless PROVKEYS_REQUIRE_E2E is set (CI).

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// TestMain removes the binary the end-to-end tests built.
func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		_ = os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// requireTool skips (or fails under CI) when a program the test needs is missing.
func requireTool(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			if os.Getenv("PROVKEYS_REQUIRE_E2E") != "" {
				t.Fatalf("%s is required (PROVKEYS_REQUIRE_E2E is set) but missing: %v", n, err)
			}
			t.Skipf("%s not installed", n)
		}
	}
}

// provkeysBinary builds the binary once per test run.
func provkeysBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "provkeys-e2e-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "provkeys")
		out, err := exec.Command("go", "build", "-o", binPath, "../..").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// cli runs the binary's command line against db and returns stdout; it fails the test on a
// non-zero exit.
func cli(t *testing.T, db string, args ...string) string {
	t.Helper()
	cmd := exec.Command(provkeysBinary(t), append([]string{"--db", db}, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("provkeys %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// cliKey is the part of `keys list --json` the end-to-end tests read.
type cliKey struct {
	Name    string   `json:"name"`
	Groups  []string `json:"groups"`
	Status  string   `json:"status"`
	Enabled bool     `json:"enabled"`
	Key     string   `json:"key"`
}

func listKeys(t *testing.T, db string) map[string]cliKey {
	t.Helper()
	var keys []cliKey
	if err := json.Unmarshal([]byte(cli(t, db, "keys", "list", "--json")), &keys); err != nil {
		t.Fatalf("keys list --json: %v", err)
	}
	m := make(map[string]cliKey, len(keys))
	for _, k := range keys {
		m[k.Name] = k
	}
	return m
}

// term is one program running in a private tmux server.
type term struct {
	t    *testing.T
	sock string
}

// startTerm starts cmd in a w×h tmux window on a private socket, with OSC 52 passed into
// tmux's paste buffer (set-clipboard on), and kills the server when the test ends.
func startTerm(t *testing.T, w, h int, env []string, cmd string) *term {
	t.Helper()
	requireTool(t, "tmux")
	tm := &term{t: t, sock: fmt.Sprintf("pk%d-%d", os.Getpid(), time.Now().UnixNano()%1e9)}
	conf := filepath.Join(t.TempDir(), "tmux.conf")
	if err := os.WriteFile(conf, []byte("set -g set-clipboard on\nset -g status off\nset -g escape-time 0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"-L", tm.sock, "-f", conf, "new-session", "-d", "-x", fmt.Sprint(w), "-y", fmt.Sprint(h)}
	for _, e := range env {
		args = append(args, "-e", e)
	}
	args = append(args, cmd)
	if out, err := exec.Command("tmux", args...).CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", tm.sock, "kill-server").Run() })
	return tm
}

func (tm *term) tmux(args ...string) string {
	tm.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", tm.sock}, args...)...).CombinedOutput()
	if err != nil {
		tm.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// keys types tmux key names ("j", "Enter", "Escape", "C-c") or literal text via -l.
func (tm *term) keys(keys ...string) {
	tm.t.Helper()
	tm.tmux(append([]string{"send-keys", "-t", "0"}, keys...)...)
}

// text types s literally.
func (tm *term) text(s string) {
	tm.t.Helper()
	tm.tmux("send-keys", "-t", "0", "-l", s)
}

func (tm *term) screen() string {
	tm.t.Helper()
	return tm.tmux("capture-pane", "-p", "-t", "0")
}

// waitFor polls the screen until it contains want, failing with the last screen after 10 s.
func (tm *term) waitFor(want string) string {
	tm.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s := tm.screen()
		if strings.Contains(s, want) {
			return s
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("screen never showed %q; last screen:\n%s", want, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitGone polls until the screen no longer contains s.
func (tm *term) waitGone(s string) string {
	tm.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		sc := tm.screen()
		if !strings.Contains(sc, s) {
			return sc
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("screen still shows %q:\n%s", s, sc)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// buffer is tmux's newest paste buffer: where OSC 52 lands with set-clipboard on.
func (tm *term) buffer() string {
	tm.t.Helper()
	out, err := exec.Command("tmux", "-L", tm.sock, "show-buffer").CombinedOutput()
	if err != nil {
		return ""
	}
	return string(out)
}

// waitUntil polls cond for up to 10 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// revealed is a key's material as the command line reveals it.
func revealed(t *testing.T, db, name string) string {
	t.Helper()
	var k cliKey
	if err := json.Unmarshal([]byte(cli(t, db, "keys", "show", name, "--reveal", "--json")), &k); err != nil {
		t.Fatalf("keys show --json: %v", err)
	}
	if k.Key == "" {
		t.Fatalf("keys show %s --reveal gave no key", name)
	}
	return k.Key
}

// TestE2EDashboardKeyLifecycle is the operator's day in one run: with a store made by the
// command line, add a key through the wizard, filter, expand, copy (OSC 52 into tmux's buffer),
// toggle and delete, checking the store with the command line after each step.
func TestE2EDashboardKeyLifecycle(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	db := filepath.Join(t.TempDir(), "e2e.db")
	cli(t, db, "groups", "add", "--name", "Web Frontends")
	cli(t, db, "keys", "add", "--name", "existing-01", "--group", "Web Frontends")

	tm := startTerm(t, 120, 32, nil, provkeysBinary(t)+" --db "+db)
	tm.waitFor("1 of 1 keys")

	// Add: accept every default, type only a name.
	tm.keys("n")
	tm.waitFor("step 1 of 4")
	tm.keys("Enter")
	tm.waitFor("step 2 of 4")
	tm.keys("Enter")
	tm.waitFor("step 3 of 4")
	tm.text("lobby-kiosk-01")
	for i := 0; i < 12 && !strings.Contains(tm.screen(), "step 4 of 4"); i++ {
		tm.keys("Enter")
		time.Sleep(100 * time.Millisecond)
	}
	tm.waitFor("step 4 of 4")
	tm.keys("Enter")
	tm.waitFor("Created key lobby-kiosk-01")
	k, ok := listKeys(t, db)["lobby-kiosk-01"]
	if !ok || !k.Enabled || len(k.Groups) != 1 || k.Groups[0] != "Web Frontends" {
		t.Fatalf("after the wizard the store has %+v (found %v), want an enabled key in Web Frontends", k, ok)
	}
	secret := revealed(t, db, "lobby-kiosk-01")
	tm.keys("Escape")
	tm.waitGone("Created key")
	tm.waitFor("2 of 2 keys")

	// Filter live, keep it with enter.
	tm.keys("/")
	tm.text("lobby")
	tm.waitFor("1 of 2 keys")
	tm.keys("Enter")

	// Expand: the key is masked, the fingerprint shown.
	tm.keys("Enter")
	sc := tm.waitFor("3|api.private.zscaler.com|••••")
	if strings.Contains(sc, secret[len(secret)-40:]) {
		t.Fatalf("the expanded row shows key material:\n%s", sc)
	}

	// Copy: OSC 52 must land in tmux's paste buffer as exactly the key.
	tm.keys("c")
	tm.waitFor("Copied lobby-kiosk-01")
	waitUntil(t, "the copied key in tmux's buffer", func() bool { return tm.buffer() == secret })

	// Toggle.
	tm.keys("t")
	waitUntil(t, "the key disabled in the store", func() bool { return !listKeys(t, db)["lobby-kiosk-01"].Enabled })
	tm.waitFor("Disabled")

	// Delete needs y.
	tm.keys("d")
	tm.waitFor("Delete")
	tm.keys("n")
	tm.waitGone("Delete key lobby-kiosk-01?") // the screen's answer to n: the question is gone
	if _, ok := listKeys(t, db)["lobby-kiosk-01"]; !ok {
		t.Fatal("n at the delete confirmation deleted the key")
	}
	tm.keys("d")
	tm.waitFor("Delete")
	tm.keys("y")
	waitUntil(t, "the key deleted in the store", func() bool {
		_, ok := listKeys(t, db)["lobby-kiosk-01"]
		return !ok
	})
	tm.waitFor("0 of 1 keys")
	if _, ok := listKeys(t, db)["existing-01"]; !ok {
		t.Fatal("deleting one key removed another")
	}

	tm.keys("q")
	waitUntil(t, "the dashboard to quit", func() bool {
		out, _ := exec.Command("tmux", "-L", tm.sock, "list-panes", "-a").CombinedOutput()
		return !strings.Contains(string(out), "%")
	})
}

// TestE2ENativeClipboardUnderXvfb builds the binary with the native clipboard, runs it with an
// X display, and reads the key back with xclip while the dashboard still owns the selection.
func TestE2ENativeClipboardUnderXvfb(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	requireTool(t, "tmux", "Xvfb", "xclip")
	if _, err := os.Stat("/usr/include/X11/Xlib.h"); err != nil {
		if os.Getenv("PROVKEYS_REQUIRE_E2E") != "" {
			t.Fatal("libx11-dev is required (PROVKEYS_REQUIRE_E2E is set) but missing")
		}
		t.Skip("libx11-dev not installed")
	}
	bin := filepath.Join(t.TempDir(), "provkeys-x11")
	build := exec.Command("go", "build", "-tags", "nativeclipboard", "-o", bin, "../..")
	build.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build -tags nativeclipboard: %v\n%s", err, out)
	}

	n := 90 + os.Getpid()%100
	display := fmt.Sprintf(":%d", n)
	xvfb := exec.Command("Xvfb", display, "-screen", "0", "640x480x24", "-nolisten", "tcp")
	if err := xvfb.Start(); err != nil {
		t.Fatalf("Xvfb: %v", err)
	}
	t.Cleanup(func() { _ = xvfb.Process.Kill(); _ = xvfb.Wait() })
	// The dashboard looks for the display once, at start: started before Xvfb listens, it
	// has no system clipboard (one CI run in several lost that race).
	waitUntil(t, "Xvfb to listen on "+display, func() bool {
		_, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n))
		return err == nil
	})

	db := filepath.Join(t.TempDir(), "x11.db")
	cli(t, db, "groups", "add", "--name", "Kiosks")
	cli(t, db, "keys", "add", "--name", "kiosk-01", "--group", "Kiosks")
	secret := revealed(t, db, "kiosk-01")

	tm := startTerm(t, 120, 30, []string{"DISPLAY=" + display}, bin+" --db "+db)
	tm.waitFor("1 of 1 keys")
	tm.keys("c")
	tm.waitFor("system clipboard")
	waitUntil(t, "xclip to read the key", func() bool {
		cmd := exec.Command("xclip", "-o", "-selection", "clipboard")
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		out, err := cmd.Output()
		return err == nil && string(out) == secret
	})
}
