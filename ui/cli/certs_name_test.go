package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"provkeys/store/storetest"
)

// TestCertsImportNameRule: certs import names its certificate as groups add and keys add
// do: the first argument or --name (both only when they agree), the PEM file last.
func TestCertsImportNameRule(t *testing.T) {
	f := newFixture(t)
	pemPath := writeFile(t, filepath.Join(f.dir, "ca.pem"), storetest.TestCA(t, true))
	f.ok("certs", "import", "By Argument", pemPath)
	f.ok("certs", "import", "--name", "By Flag", pemPath)
	f.ok("certs", "import", "Both", pemPath, "--name", "Both")
	if stderr := f.fail(2, "certs", "import", "One", pemPath, "--name", "Other"); !strings.Contains(stderr, "given twice") {
		t.Errorf("two different names: %q", stderr)
	}
	if stderr := f.fail(2, "certs", "import", pemPath); !strings.Contains(stderr, "--name") {
		t.Errorf("no name: %q", stderr)
	}
	list := f.ok("certs", "list")
	for _, name := range []string{"By Argument", "By Flag", "Both"} {
		if !strings.Contains(list, name) {
			t.Errorf("certs list lacks %q:\n%s", name, list)
		}
	}
}
