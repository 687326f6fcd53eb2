package model

import (
	"errors"
	"fmt"
	"go/build"
	"reflect"
	"strings"
	"testing"
	"time"
)

var allActions = []Action{
	ActionRead, ActionCreate, ActionUpdate, ActionOverwrite, ActionDelete, ActionEnable,
	ActionDisable, ActionExport, ActionReveal, ActionImport,
}

func TestRoleCan(t *testing.T) {
	tests := []struct {
		role    Role
		allowed []Action
	}{
		{RoleAdmin, allActions},
		{RoleViewer, []Action{ActionRead}},
		{Role(""), nil},
		{Role("root"), nil},
		{Role("Admin"), nil}, // roles are exact: the operators file is checked on the way in
	}
	for _, tt := range tests {
		t.Run(string(tt.role), func(t *testing.T) {
			for _, a := range allActions {
				want := false
				for _, ok := range tt.allowed {
					want = want || ok == a
				}
				if got := tt.role.Can(a); got != want {
					t.Errorf("Role(%q).Can(%q) = %v, want %v", tt.role, a, got, want)
				}
			}
			// An action added later must not be open to viewers by accident.
			if tt.role != RoleAdmin && tt.role.Can(Action("rotate")) {
				t.Errorf("Role(%q) may take an unknown action", tt.role)
			}
		})
	}
}

func TestKeyState(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		key  Key
		want KeyState
	}{
		{"enabled", Key{Enabled: true}, StateEnabled},
		{"disabled", Key{}, StateDisabled},
		{"expires later", Key{Enabled: true, ExpiresAt: now.Add(time.Nanosecond)}, StateEnabled},
		{"expires exactly now", Key{Enabled: true, ExpiresAt: now}, StateExpired},
		{"expired", Key{Enabled: true, ExpiresAt: now.Add(-time.Hour)}, StateExpired},
		{"expiry in another zone", Key{Enabled: true, ExpiresAt: now.In(time.FixedZone("X", 5*3600))}, StateExpired},
		{"unlimited usage", Key{Enabled: true, UsageCount: 1 << 40}, StateEnabled},
		{"one use left", Key{Enabled: true, MaxUsage: 5, UsageCount: 4}, StateEnabled},
		{"used up exactly", Key{Enabled: true, MaxUsage: 5, UsageCount: 5}, StateExhausted},
		{"used beyond", Key{Enabled: true, MaxUsage: 5, UsageCount: 9}, StateExhausted},
		{"disabled beats expired", Key{ExpiresAt: now.Add(-time.Hour)}, StateDisabled},
		{"disabled beats exhausted", Key{MaxUsage: 1, UsageCount: 1}, StateDisabled},
		{"expired beats exhausted", Key{Enabled: true, ExpiresAt: now, MaxUsage: 1, UsageCount: 1}, StateExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.key.State(now); got != tt.want {
				t.Errorf("State = %v, want %v", got, tt.want)
			}
			// The filter's copy-free twin must agree everywhere.
			if got := state(&tt.key, now); got != tt.want {
				t.Errorf("state (filter) = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestKeyStateString(t *testing.T) {
	want := map[KeyState]string{
		StateEnabled: "Enabled", StateDisabled: "Disabled", StateExpired: "Expired", StateExhausted: "Exhausted",
	}
	for s, w := range want {
		if s.String() != w {
			t.Errorf("%d.String() = %q, want %q", s, s.String(), w)
		}
	}
	if (Key{Enabled: true}).Status() != "Enabled" || (Key{}).Status() != "Disabled" {
		t.Error("Status must be the reference page's Enabled / Disabled")
	}
}

func TestKeyInput(t *testing.T) {
	exp := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	k := Key{
		ID: 7, Name: "web-01", Groups: groups("DMZ", "Servers"), CertName: "Client", Enabled: true,
		AllowReenroll: true, Exportable: true, Cloud: "api.private.zscaler.com", Description: "d",
		MaxUsage: 3, UsageCount: 2, ExpiresAt: exp, Version: 4,
	}
	want := KeyInput{
		Name: "web-01", Groups: []string{"DMZ", "Servers"}, Cert: "Client", Enabled: true,
		AllowReenroll: true, Exportable: true, Cloud: "api.private.zscaler.com", Description: "d",
		MaxUsage: 3, ExpiresAt: exp,
	}
	if got := k.Input(); !reflect.DeepEqual(got, want) {
		t.Errorf("Input() = %+v, want %+v", got, want)
	}
	if err := k.Input().Validate(); err != nil {
		t.Errorf("the input of a valid key does not validate: %v", err)
	}
}

func TestErrors(t *testing.T) {
	at := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	conflict := &ConflictError{Object: `key "web-01"`, By: "alice", At: at, Version: 5}
	inUse := &InUseError{Object: `machine group "Servers"`, Users: []string{"a", "b", "c", "d", "e", "f", "g"}}
	validation := &ValidationError{Field: "name", Msg: "must not be empty"}
	tests := []struct {
		name    string
		err     error
		is      []error
		isNot   []error
		wantMsg string
	}{
		{"conflict", conflict, []error{ErrConflict}, []error{ErrNotFound, ErrInUse, ErrDuplicate}, `key "web-01" was changed by alice at `},
		{"wrapped conflict", fmt.Errorf("save: %w", conflict), []error{ErrConflict}, []error{ErrForbidden}, "save: "},
		{"conflict without author", &ConflictError{Object: "key"}, []error{ErrConflict}, nil, "key was changed by someone else; reload and try again"},
		{"in use", inUse, []error{ErrInUse}, []error{ErrConflict}, `machine group "Servers" is used by 7 key(s): ["a" "b" "c" "d" "e"] and 2 more`},
		{"wrapped in use", fmt.Errorf("delete: %w", inUse), []error{ErrInUse}, nil, "delete: "},
		{"in use by few", &InUseError{Object: "x", Users: []string{"k"}}, []error{ErrInUse}, nil, `x is used by 1 key(s): ["k"]`},
		{"validation", validation, nil, []error{ErrConflict, ErrInUse, ErrNotFound}, "name: must not be empty"},
		{"sentinel wrapped", fmt.Errorf("key %q: %w", "x", ErrNotFound), []error{ErrNotFound}, []error{ErrDuplicate}, "not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, target := range tt.is {
				if !errors.Is(tt.err, target) {
					t.Errorf("errors.Is(%v, %v) = false", tt.err, target)
				}
			}
			for _, target := range tt.isNot {
				if errors.Is(tt.err, target) {
					t.Errorf("errors.Is(%v, %v) = true", tt.err, target)
				}
			}
			if !strings.Contains(tt.err.Error(), tt.wantMsg) {
				t.Errorf("message %q does not hold %q", tt.err.Error(), tt.wantMsg)
			}
		})
	}
	var ce *ConflictError
	if !errors.As(fmt.Errorf("x: %w", conflict), &ce) || ce.By != "alice" || ce.Version != 5 {
		t.Error("errors.As must recover the ConflictError with who changed it")
	}
	var ve *ValidationError
	if !errors.As(fmt.Errorf("x: %w", validation), &ve) || ve.Field != "name" {
		t.Error("errors.As must recover the ValidationError's field")
	}
}

// TestImports holds DESIGN §8: model depends on keyformat and the standard library only; its
// own internal packages (below it) count as model and are held to the same rule.
func TestImports(t *testing.T) {
	dirs := []string{"."}
	for len(dirs) > 0 {
		pkg, err := build.ImportDir(dirs[0], 0)
		if err != nil {
			t.Fatal(err)
		}
		dirs = dirs[1:]
		for _, imp := range pkg.Imports {
			if imp == "provkeys/keyformat" {
				continue
			}
			if rest, ok := strings.CutPrefix(imp, "provkeys/model/internal/"); ok {
				dirs = append(dirs, "internal/"+rest)
				continue
			}
			p, err := build.Import(imp, "", build.FindOnly)
			if err != nil || !p.Goroot {
				t.Errorf("%s imports %q; only provkeys/keyformat, model's internal packages and the standard library are allowed", pkg.ImportPath, imp)
			}
		}
	}
}
