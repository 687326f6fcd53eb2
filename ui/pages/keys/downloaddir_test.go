package keys

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"provkeys/ui"
	"provkeys/ui/internal/uitest"
)

// A directory given as the download path gets the key as DIR/NAME.txt; it is not a file to
// "replace".
func TestDownloadIntoADirectoryWritesNameTxtThere(t *testing.T) {
	t.Parallel()
	st := uitest.ThreeKeys()
	d := newDriver(t, st, uitest.Admin, ui.Options{})
	d.Timeout = 5 * time.Second
	d.Press("w")
	if v := d.View(); strings.Contains(v, "Save key alpha to: ./") {
		t.Fatalf("the prompt offers the current directory:\n%s", v)
	}
	dir := t.TempDir()
	typePath(d, dir)
	d.MustNotSee("Replace it?")
	b, err := os.ReadFile(filepath.Join(dir, "alpha.txt"))
	if err != nil || string(b) != st.Secrets[1]+"\n" {
		t.Fatalf("file %q, %v; status %q", b, err, d.Status())
	}
}
