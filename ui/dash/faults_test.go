package dash

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/internal/uitest"
)

// storeFaults are the ways a store call fails that the dashboard must report as failures: the
// words are what store.mapErr produces for each.
var storeFaults = []struct {
	name string
	err  error
}{
	{"busy", errors.New("the store is busy (another process held it too long); try again: database is locked (5)")},
	{"io", errors.New("disk I/O error (10)")},
	{"full", errors.New("the disk is full: database or disk is full (13)")},
	{"deadline", fmt.Errorf("%w (interrupted (9))", context.DeadlineExceeded)},
	{"conflict", &model.ConflictError{Object: `key "alpha"`, By: "carol", Version: 7}},
}

// successWords are what the status line says only after a change committed.
var successWords = []string{"Created", "Saved", "Deleted", "Enabled key", "Disabled key", "created", "saved", "deleted"}

// faultOps are the changes, each driven the way an operator would, on the key alpha (the first
// row), with the store's method for it made to fail with err.
var faultOps = []struct {
	name string
	fail func(st *uitest.FakeStore, err error)
	do   func(d *uitest.Driver)
}{
	{"create", func(st *uitest.FakeStore, err error) {
		st.OnCreateKey = func(model.KeyInput) (model.Key, string, error) { return model.Key{}, "", err }
	}, func(d *uitest.Driver) {
		d.Press("n", "enter", "enter")
		d.Typ("web-77")
		for range 8 { // the settings, then the review's save
			d.Press("enter")
		}
	}},
	{"update", func(st *uitest.FakeStore, err error) {
		st.OnUpdateKey = func(int64, int64, model.KeyInput) (model.Key, error) { return model.Key{}, err }
	}, func(d *uitest.Driver) {
		d.Press("e")
		d.Typ("-renamed")
		for range 10 { // every field, then the review's save
			d.Press("enter")
		}
	}},
	{"toggle", func(st *uitest.FakeStore, err error) {
		st.SetEnabled = func(int64, int64, bool) (model.Key, error) { return model.Key{}, err }
	}, func(d *uitest.Driver) {
		d.Press("t")
	}},
	{"delete", func(st *uitest.FakeStore, err error) {
		st.OnDeleteKey = func(int64, int64) error { return err }
	}, func(d *uitest.Driver) {
		d.Press("d", "y")
	}},
}

// TestStoreFaultsNeverReportedAsSaved makes each change fail in each way and checks that the
// dashboard says it failed, never that it was saved, and still shows the data as it is.
func TestStoreFaultsNeverReportedAsSaved(t *testing.T) {
	t.Parallel()
	for _, op := range faultOps {
		for _, f := range storeFaults {
			t.Run(op.name+"/"+f.name, func(t *testing.T) {
				t.Parallel()
				st := uitest.ThreeKeys()
				before := slices.Clone(st.Keys)
				op.fail(st, f.err)
				d := newDriver(t, st, uitest.Admin, ui.Options{})
				d.MustSee("alpha", "bravo", "charlie")
				op.do(d)
				if !st.Called(map[string]string{"create": "CreateKey", "update": "UpdateKey",
					"toggle": "SetKeyEnabled", "delete": "DeleteKey"}[op.name]) {
					t.Fatalf("the flow never reached the store:\n%s", d.View())
				}
				status := d.Status()
				if d.M.StatusKind() == ui.StatusOK {
					t.Fatalf("a failed %s shows a success: %q", op.name, status)
				}
				for _, w := range successWords {
					if strings.Contains(status, w) {
						t.Fatalf("a failed %s says %q: %q", op.name, w, status)
					}
				}
				if !strings.HasPrefix(status, "Couldn't") && !strings.Contains(d.View(), "✗") {
					t.Fatalf("a failed %s is not reported: status %q\n%s", op.name, status, d.View())
				}
				if !reflect.DeepEqual(st.Keys, before) {
					t.Fatalf("the store's data changed although the %s failed", op.name)
				}
				// Whatever form is open, leave it: the table shows the keys as they are.
				for range 3 {
					if !d.M.ActivePage().Capturing() { // back at the table
						break
					}
					d.Press("esc")
				}
				d.Press("ctrl+r")
				d.MustSee("alpha", "bravo", "charlie")
				d.MustNotSee("web-77", "alpha-renamed")
				if secret := "SECRET-"; strings.Contains(d.View(), secret) {
					t.Fatalf("key material on screen after a failed %s", op.name)
				}
				if op.name == "toggle" && !st.Keys[0].Enabled {
					t.Fatal("the toggle changed the key")
				}
			})
		}
	}
}

// TestGroupFaultsNeverReportedAsSaved does the same for the machine-group form.
func TestGroupFaultsNeverReportedAsSaved(t *testing.T) {
	t.Parallel()
	for _, f := range storeFaults {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			st := uitest.NewViewsStore()
			before := slices.Clone(st.Groups)
			st.CreateErr = f.err
			d := openView(t, st, uitest.Admin, 1)
			d.Press("n")
			d.Typ("Kiosks")
			d.Press("enter", "enter", "enter")
			if len(st.Got()) != 1 {
				t.Fatalf("the form never reached the store: %q", st.Got())
			}
			if d.M.StatusKind() == ui.StatusOK || strings.Contains(d.Status(), "Created") {
				t.Fatalf("a failed create shows %q", d.Status())
			}
			if !strings.Contains(d.Status(), "Couldn't") && !strings.Contains(d.View(), "✗") {
				t.Fatalf("the failure is not reported: %q\n%s", d.Status(), d.View())
			}
			if !reflect.DeepEqual(st.Groups, before) {
				t.Fatal("the groups changed although the create failed")
			}
		})
	}
}
