package dash_test

// The hostile corpus against the real binary: every command-line entry point refuses each
// string in one safe line, and the same strings written straight into the database with the
// sqlite3 command line (past all validation) show up in the dashboard, in tmux, as inert text.

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"provkeys/internal/testcert"
	"provkeys/keyformat"
	"provkeys/ui/internal/uitest"
	"provkeys/ui/sshd"
)

// maxArg is what a test passes as one command-line argument at most: Linux refuses a single
// argument over 128 KiB (MAX_ARG_STRLEN), so the 10 MB paste reaches flags cut to this.
const maxArg = 100 << 10

// runCLI runs provkeys with args and stdin and returns its exit status, stdout and stderr.
func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(provkeysBinary(t), args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), out.String(), errb.String()
	}
	if err != nil {
		t.Fatalf("provkeys %v: %v", args, err)
	}
	return 0, out.String(), errb.String()
}

// strictHazard is uitest.ScreenHazard without the SGR allowance: command-line output has no
// styles, so any ESC came from data.
func strictHazard(s string) string {
	if i := strings.IndexByte(s, 0x1b); i >= 0 {
		return fmt.Sprintf("ESC at byte %d", i)
	}
	return uitest.ScreenHazard(s)
}

// testCA is a PEM CA certificate the store accepts for import.
func testCA(t *testing.T) string {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "Hostile Test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, _ := testcert.SelfSign(t, tmpl)
	return testcert.PEM("CERTIFICATE", der)
}

// TestHostileInputRefusedByCommandLine passes every hostile string to every command-line
// entry point that takes text, and to the operators file parser: each refuses it with exit 1
// or 2, in one line that is itself inert, and nothing is stored.
func TestHostileInputRefusedByCommandLine(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	cli(t, db, "groups", "add", "--name", "G1")
	pemFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(pemFile, []byte(testCA(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	goodKey, _ := keyformat.Generate("")
	edPub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ssh.NewPublicKey(edPub)
	if err != nil {
		t.Fatal(err)
	}
	authorized := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub)))
	state := func() string {
		return cli(t, db, "keys", "list") + cli(t, db, "groups", "list") + cli(t, db, "certs", "list")
	}
	before := state()

	for _, e := range uitest.HostileCorpus(t) {
		t.Run(e.Label, func(t *testing.T) {
			v := e.Value
			arg := v
			if len(arg) > maxArg {
				arg = arg[:maxArg]
			}
			type attempt struct {
				what  string
				stdin string
				args  []string
			}
			var attempts []attempt
			if !strings.Contains(v, "\x00") { // the kernel cannot pass a NUL in an argument
				attempts = append(attempts,
					attempt{"keys add --name", "", []string{"keys", "add", "--name", arg, "--group", "G1"}},
					attempt{"keys add --description", "", []string{"keys", "add", "--name", "ok-1", "--group", "G1", "--description", arg}},
					attempt{"keys add --key", "", []string{"keys", "add", "--name", "ok-2", "--group", "G1", "--key", arg}},
					attempt{"keys add --group", "", []string{"keys", "add", "--name", "ok-3", "--group", arg}},
					attempt{"groups add --name", "", []string{"groups", "add", "--name", arg}},
					attempt{"groups add --description", "", []string{"groups", "add", "--name", "ok-g", "--description", arg}},
					attempt{"certs import NAME", "", []string{"certs", "import", arg, pemFile}},
					attempt{"decode KEY", "", []string{"decode", arg}},
				)
			}
			attempts = append(attempts,
				attempt{"decode -", v, []string{"decode", "-"}},
				attempt{"keys import (name)", v + "\t" + goodKey + "\n", []string{"keys", "import", "-", "--group", "G1"}},
				attempt{"keys import (key)", "ok-4\t" + v + "\n", []string{"keys", "import", "-", "--group", "G1"}},
				attempt{"keys import (line)", v + "\n", []string{"keys", "import", "-", "--group", "G1"}},
			)
			for _, a := range attempts {
				code, out, stderr := runCLI(t, a.stdin, append([]string{"--db", db}, a.args...)...)
				line := strings.TrimSuffix(stderr, "\n")
				switch {
				case code != 1 && code != 2:
					t.Errorf("%s: exit %d, want a refusal; stdout %q", a.what, code, trim(out))
				case !strings.HasPrefix(line, "provkeys: ") || strings.Contains(line, "\n"):
					t.Errorf("%s: not one line: %q", a.what, trim(stderr))
				case strictHazard(stderr) != "":
					t.Errorf("%s: the refusal carries %s: %q", a.what, strictHazard(stderr), trim(stderr))
				case len(line) > 400:
					t.Errorf("%s: the refusal is %d bytes long", a.what, len(line))
				case strings.Contains(line, goodKey[10:40]):
					t.Errorf("%s: the refusal repeats key material", a.what)
				}
			}
			// The operators file: the string as the operator's name, and as a whole line.
			for _, text := range []string{"role=admin " + authorized + " " + v + "\n", v + "\n", "role=admin " + v + "\n"} {
				_, err := sshd.ParseOperators("operators", strings.NewReader(text))
				if err == nil {
					t.Errorf("operators file %q accepted", trim(text))
				} else if h := strictHazard(err.Error()); h != "" {
					t.Errorf("operators refusal carries %s: %q", h, trim(err.Error()))
				}
			}
		})
	}
	if after := state(); after != before {
		t.Fatalf("a refused input changed the store:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

func trim(s string) string {
	if len(s) > 100 {
		return s[:100] + "…"
	}
	return s
}

// sqlText is a SQL expression for the exact bytes of s as TEXT, so nothing is lost to quoting.
func sqlText(s string) string {
	if s == "" {
		return "''"
	}
	return "CAST(X'" + hex.EncodeToString([]byte(s)) + "' AS TEXT)"
}

// injectHostile writes every corpus string straight into db with the sqlite3 command line:
// key names and descriptions, group names and descriptions, the certificates' names and
// subjects, and audit rows (which can only be appended).
func injectHostile(t *testing.T, db string, corpus []uitest.HostileEntry) {
	t.Helper()
	var sql strings.Builder
	sql.WriteString("BEGIN;\n")
	for i, e := range corpus {
		v, full := sqlText(e.Value), sqlText(e.Value)
		if len(e.Value) > 1<<20 {
			// Ten megabytes in one key's description; 100 KiB everywhere else.
			full = "replace(hex(zeroblob(5242880)), '0', 'A')"
			v = sqlText(e.Value[:100<<10])
		}
		fmt.Fprintf(&sql, "UPDATE keys SET name = 'k%02d ' || %s, description = %s WHERE name = 'key-%02d';\n", i, v, full, i)
		fmt.Fprintf(&sql, "UPDATE groups SET name = 'g%02d ' || %s, description = %s WHERE name = 'group-%02d';\n", i, v, v, i)
		fmt.Fprintf(&sql, `INSERT INTO audit (at, actor, role, remote, action, object_type, object_id, object_name, old, new, result)
			VALUES (%d, %s, 'admin', %s, 'update', 'key', 1, %s, %s, %s, %s);`+"\n",
			time.Now().UnixMicro(), v, v, v, v, v, v)
	}
	fmt.Fprintf(&sql, "UPDATE certs SET name = 'Root ' || %s, subject = %s WHERE name = 'Root';\n", sqlText(corpus[0].Value), sqlText(corpus[1].Value))
	fmt.Fprintf(&sql, "UPDATE certs SET subject = %s WHERE name = 'Client';\n", sqlText(corpus[4].Value))
	sql.WriteString("COMMIT;\n")
	cmd := exec.Command("sqlite3", db)
	cmd.Stdin = strings.NewReader(sql.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sqlite3: %v\n%s", err, out)
	}
}

// TestHostileDataInTheDashboard writes the corpus into a real store with sqlite3, then runs
// the dashboard in tmux with the clipboard and titles passed through to tmux, expands every
// row and visits every view: tmux's paste buffer stays empty (no OSC 52 got through), the
// pane title stays what it was (no OSC 0/2), and the screen keeps its title line and table
// (no clear). The command line's human output of the same rows carries nothing either.
func TestHostileDataInTheDashboard(t *testing.T) {
	requireTool(t, "tmux", "sqlite3")
	corpus := uitest.HostileCorpus(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	cli(t, db, "groups", "add", "--name", "G1")
	var batch strings.Builder
	for i := range corpus {
		cli(t, db, "groups", "add", "--name", fmt.Sprintf("group-%02d", i))
		k, _ := keyformat.Generate("")
		fmt.Fprintf(&batch, "key-%02d\t%s\n", i, k)
	}
	cmd := exec.Command(provkeysBinary(t), "--db", db, "keys", "import", "-", "--group", "G1")
	cmd.Stdin = strings.NewReader(batch.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	injectHostile(t, db, corpus)

	// The command line's human output shows the rows, inertly.
	for _, args := range [][]string{{"keys", "list"}, {"groups", "list"}, {"certs", "list"}, {"audit", "--limit", "100"}} {
		code, out, stderr := runCLI(t, "", append([]string{"--db", db}, args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		if h := strictHazard(out + stderr); h != "" {
			t.Errorf("provkeys %s prints %s", strings.Join(args, " "), h)
		}
	}
	var listed []struct{ Name string }
	if err := json.Unmarshal([]byte(cli(t, db, "keys", "list", "--json")), &listed); err != nil || len(listed) != len(corpus) {
		t.Fatalf("keys list --json: %d keys, %v", len(listed), err)
	}
	for _, k := range listed[:3] {
		code, out, stderr := runCLI(t, "", "--db", db, "keys", "show", k.Name)
		if h := strictHazard(out + stderr); h != "" {
			t.Errorf("keys show prints %s (exit %d)", h, code)
		}
	}

	// The dashboard, in tmux.
	tm := startTerm(t, 160, 45, nil, "printf '\\033]2;before-title\\033\\\\'; sleep 0.2; exec "+provkeysBinary(t)+" --db "+db)
	tm.tmux("set", "-g", "set-titles", "on")
	tm.waitFor("k00")
	title := func() string { return strings.TrimSpace(tm.tmux("display", "-p", "-t", "0", "#{pane_title}")) }
	check := func(step string) {
		t.Helper()
		time.Sleep(150 * time.Millisecond) // let the frame land; the checks below are not timed
		if got := title(); got != "before-title" {
			t.Fatalf("%s: the pane title changed to %q", step, got)
		}
		if b := tm.buffer(); b != "" {
			t.Fatalf("%s: something reached the clipboard: %q", step, trim(b))
		}
		s := tm.screen()
		lines := strings.Split(s, "\n")
		if !strings.Contains(lines[0], "provkeys") || !strings.Contains(lines[0], "Keys") {
			t.Fatalf("%s: the title line is gone (screen cleared or overwritten):\n%s", step, s)
		}
		if strings.Contains(s, "pwned") || strings.Contains(s, "QUJD") {
			t.Fatalf("%s: the screen shows an escape sequence's payload:\n%s", step, s)
		}
	}
	check("start")
	tm.keys("E")
	check("expand all")
	for range len(corpus) {
		tm.keys("j")
	}
	check("scrolled through every row")
	tm.keys("G", "g", "Enter")
	check("expanded the first row")
	for _, view := range []string{"Machine Groups", "Certificates", "Audit"} {
		tm.keys("Tab")
		tm.waitFor("[" + view + "]")
		tm.keys("E")
		check(view)
		for range 10 {
			tm.keys("j")
		}
		check(view + " scrolled")
	}
	tm.keys("BTab", "BTab", "BTab")
	tm.waitFor("[Keys]")
	check("back to Keys")
	// Two hostile names hold random base64, which contains "k0" now and then: the command
	// line's count under the same filter is the expected one, not a fixed 10.
	var filtered []json.RawMessage
	if err := json.Unmarshal([]byte(cli(t, db, "keys", "list", "--filter", "k0", "--json")), &filtered); err != nil || len(filtered) < 10 {
		t.Fatalf("keys list --filter k0: %d keys, %v", len(filtered), err)
	}
	tm.keys("/")
	tm.text("k0")
	tm.keys("Enter")
	tm.waitFor(fmt.Sprintf("%d of", len(filtered)))
	check("filtered")
	tm.keys("q")
}
