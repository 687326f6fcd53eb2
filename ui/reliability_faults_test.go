package ui

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"provkeys/model"
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
	fail func(st *fakeStore, err error)
	do   func(d *driver)
}{
	{"create", func(st *fakeStore, err error) {
		st.createKey = func(model.KeyInput) (model.Key, string, error) { return model.Key{}, "", err }
	}, func(d *driver) {
		d.press("n", "enter", "enter")
		d.typ("web-77")
		for range 8 { // the settings, then the review's save
			d.press("enter")
		}
	}},
	{"update", func(st *fakeStore, err error) {
		st.updateKey = func(int64, int64, model.KeyInput) (model.Key, error) { return model.Key{}, err }
	}, func(d *driver) {
		d.press("e")
		d.typ("-renamed")
		for range 10 { // every field, then the review's save
			d.press("enter")
		}
	}},
	{"toggle", func(st *fakeStore, err error) {
		st.setEnabled = func(int64, int64, bool) (model.Key, error) { return model.Key{}, err }
	}, func(d *driver) {
		d.press("t")
	}},
	{"delete", func(st *fakeStore, err error) {
		st.deleteKey = func(int64, int64) error { return err }
	}, func(d *driver) {
		d.press("d", "y")
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
				st := threeKeys()
				before := slices.Clone(st.keys)
				op.fail(st, f.err)
				d := newDriver(t, st, admin, Options{})
				d.mustSee("alpha", "bravo", "charlie")
				op.do(d)
				if !st.called(map[string]string{"create": "CreateKey", "update": "UpdateKey",
					"toggle": "SetKeyEnabled", "delete": "DeleteKey"}[op.name]) {
					t.Fatalf("the flow never reached the store:\n%s", d.view())
				}
				status := d.status()
				if d.m.statusKind == statusOK {
					t.Fatalf("a failed %s shows a success: %q", op.name, status)
				}
				for _, w := range successWords {
					if strings.Contains(status, w) {
						t.Fatalf("a failed %s says %q: %q", op.name, w, status)
					}
				}
				if !strings.HasPrefix(status, "Couldn't") && !strings.Contains(d.view(), "✗") {
					t.Fatalf("a failed %s is not reported: status %q\n%s", op.name, status, d.view())
				}
				if !reflect.DeepEqual(st.keys, before) {
					t.Fatalf("the store's data changed although the %s failed", op.name)
				}
				// Whatever form is open, leave it: the table shows the keys as they are.
				for range 3 {
					if d.keys().mode == modeTable {
						break
					}
					d.press("esc")
				}
				d.press("ctrl+r")
				d.mustSee("alpha", "bravo", "charlie")
				d.mustNotSee("web-77", "alpha-renamed")
				if secret := "SECRET-"; strings.Contains(d.view(), secret) {
					t.Fatalf("key material on screen after a failed %s", op.name)
				}
				if op.name == "toggle" && !st.keys[0].Enabled {
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
			st := newViewsStore()
			before := slices.Clone(st.groups)
			st.createErr = f.err
			d := openView(t, st, admin, 1)
			d.press("n")
			d.typ("Kiosks")
			d.press("enter", "enter", "enter")
			if len(st.got()) != 1 {
				t.Fatalf("the form never reached the store: %q", st.got())
			}
			if d.m.statusKind == statusOK || strings.Contains(d.status(), "Created") {
				t.Fatalf("a failed create shows %q", d.status())
			}
			if !strings.Contains(d.status(), "Couldn't") && !strings.Contains(d.view(), "✗") {
				t.Fatalf("the failure is not reported: %q\n%s", d.status(), d.view())
			}
			if !reflect.DeepEqual(st.groups, before) {
				t.Fatal("the groups changed although the create failed")
			}
		})
	}
}
