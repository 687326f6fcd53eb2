package testenv

import (
	"fmt"
	"runtime"
	"testing"
)

// recorder is a testing.TB that notes whether the test was skipped or failed.
type recorder struct {
	testing.TB
	skipped, failed bool
}

func (r *recorder) Helper() {}
func (r *recorder) Skip(...any) {
	r.skipped = true
	runtime.Goexit()
}
func (r *recorder) Fatalf(string, ...any) {
	r.failed = true
	runtime.Goexit()
}

func run(f func(t testing.TB)) *recorder {
	r := &recorder{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r
}

// TestMissingFailsWhenRequired: a missing prerequisite skips, except under
// PROVKEYS_REQUIRE_E2E=1, where it must fail so CI cannot hide a regression behind a skip.
func TestMissingFailsWhenRequired(t *testing.T) {
	for _, tt := range []struct {
		env                  string
		wantSkip, wantFailed bool
	}{{"", true, false}, {"0", true, false}, {"1", false, true}} {
		t.Run(fmt.Sprintf("PROVKEYS_REQUIRE_E2E=%q", tt.env), func(t *testing.T) {
			t.Setenv("PROVKEYS_REQUIRE_E2E", tt.env)
			r := run(func(t testing.TB) { LookPath(t, "no-such-program-provkeys") })
			if r.skipped != tt.wantSkip || r.failed != tt.wantFailed {
				t.Fatalf("skipped %v failed %v, want %v %v", r.skipped, r.failed, tt.wantSkip, tt.wantFailed)
			}
			if r := run(func(t testing.TB) { LookPath(t, "sh") }); r.skipped || r.failed {
				t.Fatal("a program on the PATH was reported missing")
			}
		})
	}
}
