package model

import (
	"strings"
	"testing"
)

func TestAuditCSVCellDefusesFormulas(t *testing.T) {
	for in, want := range map[string]string{
		"=cmd|calc": "'=cmd|calc", "+1": "'+1", "-1": "'-1", "@SUM(A1)": "'@SUM(A1)", "web-01": "web-01", "": "",
	} {
		if got := AuditCSVCell(in); got != want {
			t.Errorf("AuditCSVCell(%q) = %q, want %q", in, got, want)
		}
	}
	if got := AuditCSVCell("a\x1b[2Jb"); strings.ContainsRune(got, 0x1b) {
		t.Errorf("AuditCSVCell kept an escape: %q", got)
	}
}
