package sqlite

// Shared pieces of the reliability tests (issue 6): the re-executed helper process, the
// provkeys binary built from this tree, and raw access to a store file by path.

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"provkeys/internal/testenv"
)

// helperEnv names the environment variable that turns TestReliabilityHelper into a helper
// process; its value picks the helper's job.
const helperEnv = "PROVKEYS_RELIABILITY_HELPER"

// helperJobs are the bodies a re-executed test binary can run, by name.
var helperJobs = map[string]func(){
	"crash": crashWriter,
	"edit":  concurrentEditor,
}

// TestReliabilityHelper is the body of the child processes the crash and concurrency tests
// start (this test binary, re-executed). Run normally, it does nothing.
func TestReliabilityHelper(t *testing.T) {
	job := os.Getenv(helperEnv)
	if job == "" {
		return
	}
	run, ok := helperJobs[job]
	if !ok {
		fmt.Println("ERROR unknown helper job", job)
		os.Exit(2)
	}
	run()
	os.Exit(0)
}

// helperCommand returns a command that runs helper job in a new process of this test
// binary, with env added to the environment.
func helperCommand(job string, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestReliabilityHelper$", "-test.count=1", "-test.v=false")
	cmd.Env = append(append(os.Environ(), helperEnv+"="+job), env...)
	return cmd
}

// TestMain runs the package's tests, then removes the provkeys binary the reliability tests
// built (if any), so repeated runs leave nothing behind in the temporary directory.
func TestMain(m *testing.M) {
	code := m.Run()
	if binFile != "" {
		os.RemoveAll(filepath.Dir(binFile))
	}
	os.Exit(code)
}

var (
	binOnce sync.Once
	binFile string
	binErr  error
)

// provkeysBin builds the provkeys command from this tree once per test process and returns
// its path. The build is cached by the go command, so later runs only link.
func provkeysBin(t testing.TB) string {
	t.Helper()
	testenv.LookPath(t, "go") // to build provkeys
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "provkeys-reliability-")
		if err != nil {
			binErr = err
			return
		}
		binFile = filepath.Join(dir, "provkeys")
		cmd := exec.Command("go", "build", "-o", binFile, "provkeys")
		cmd.Dir = "../.." // the module root
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build provkeys: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binFile
}

// binResult is one run of the provkeys binary.
type binResult struct {
	code           int
	stdout, stderr string
}

// runBin runs provkeys with args through sh with umask 022, the loosest umask a shell
// commonly has, so the modes of the files it makes prove the program's own care. env is added
// to a clean environment (HOME, PATH and USER kept).
func runBin(t testing.TB, env []string, stdin string, args ...string) binResult {
	t.Helper()
	bin := provkeysBin(t)
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	cmd := exec.Command("sh", "-c", "umask 022; exec "+bin+" "+strings.Join(quoted, " "))
	cmd.Env = append([]string{"HOME=" + os.Getenv("HOME"), "PATH=" + os.Getenv("PATH"), "USER=tester"}, env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run provkeys %v: %v", args, err)
	}
	return binResult{code: code, stdout: out.String(), stderr: errb.String()}
}

// mustBin runs provkeys and fails the test unless it succeeds.
func mustBin(t testing.TB, env []string, stdin string, args ...string) string {
	t.Helper()
	r := runBin(t, env, stdin, args...)
	if r.code != 0 {
		t.Fatalf("provkeys %s: exit %d\n%s", strings.Join(args, " "), r.code, r.stderr)
	}
	return r.stdout
}

// openRaw opens the database file at path without the store: for integrity checks, for
// reading what the API never returns, and for tampering the API refuses.
func openRaw(t testing.TB, path string) *sql.DB {
	t.Helper()
	initDriver()
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

// integrityCheck runs PRAGMA integrity_check and foreign_key_check and returns what they
// report; "ok" means both found nothing.
func integrityCheck(db *sql.DB) (string, error) {
	rows, err := db.Query("PRAGMA integrity_check")
	if err != nil {
		return "", err
	}
	var lines []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return "", err
		}
		lines = append(lines, s)
	}
	rows.Close()
	var fk int
	if err := db.QueryRow("SELECT count(*) FROM pragma_foreign_key_check").Scan(&fk); err != nil {
		return "", err
	}
	if fk > 0 {
		lines = append(lines, fmt.Sprintf("%d foreign key violations", fk))
	}
	if len(lines) == 1 && lines[0] == "ok" {
		return "ok", nil
	}
	return strings.Join(lines, "; "), nil
}

// fileHash is the SHA-256 of a file's bytes, or "absent".
func fileHash(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return "absent"
	}
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// reliabilityFull reports whether the full-size (slow) variants were asked for.
func reliabilityFull() bool { return os.Getenv("PROVKEYS_FULL") == "1" }
