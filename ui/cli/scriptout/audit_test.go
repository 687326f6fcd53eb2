package scriptout

import (
	"strings"
	"testing"
)

func TestCSVCellDefusesFormulas(t *testing.T) {
	for in, want := range map[string]string{
		"=cmd|calc": "'=cmd|calc", "+1": "'+1", "-1": "'-1", "@SUM(A1)": "'@SUM(A1)", "web-01": "web-01", "": "",
		"a\x1b[2Jb": "a?[2Jb",
	} {
		if got := csvCell(in); got != want && !(in == "a\x1b[2Jb" && !strings.ContainsRune(got, 0x1b)) {
			t.Errorf("csvCell(%q) = %q, want %q", in, got, want)
		}
	}
}
