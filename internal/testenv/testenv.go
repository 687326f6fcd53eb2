// Package testenv is the one rule for tests that need something the machine may lack (a
// program, tmpfs, root): they skip where it is missing, except under PROVKEYS_REQUIRE_E2E=1
// (CI), where a skip would hide a regression and so the test fails instead.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// Required reports whether missing prerequisites fail tests instead of skipping them.
func Required() bool { return os.Getenv("PROVKEYS_REQUIRE_E2E") == "1" }

// Missing skips t because of why, or fails it under PROVKEYS_REQUIRE_E2E=1.
func Missing(t testing.TB, why string) {
	t.Helper()
	if Required() {
		t.Fatalf("%s (PROVKEYS_REQUIRE_E2E=1 requires it)", why)
	}
	t.Skip(why)
}

// LookPath returns the path of program, or skips (fails under PROVKEYS_REQUIRE_E2E=1).
func LookPath(t testing.TB, program string) string {
	t.Helper()
	p, err := exec.LookPath(program)
	if err != nil {
		Missing(t, program+" is not on the PATH")
	}
	return p
}
