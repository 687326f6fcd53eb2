package sshd

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui"
)

// listingStore is one session's store over shared data: it counts the lists actually read
// and answers DataVersion with the data's version, unless the session may not read.
type listingStore struct {
	ui.Store
	d         *listingData
	forbidden bool
}

type listingData struct {
	mu       sync.Mutex
	version  int64
	groups   []model.Group
	fail     error         // the next ListGroups fails with it
	hold     chan struct{} // when set, ListGroups waits for it to close
	reads    atomic.Int32  // ListGroups calls
	versions atomic.Int32  // DataVersion calls
}

func (s listingStore) DataVersion(context.Context) (int64, error) {
	s.d.versions.Add(1)
	if s.forbidden {
		return 0, model.ErrForbidden
	}
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	return s.d.version, nil
}

func (s listingStore) ListGroups(context.Context) ([]model.Group, error) {
	s.d.reads.Add(1)
	s.d.mu.Lock()
	hold := s.d.hold
	s.d.mu.Unlock()
	if hold != nil {
		<-hold
	}
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	if err := s.d.fail; err != nil {
		s.d.fail = nil
		return nil, err
	}
	if s.forbidden {
		return nil, model.ErrForbidden
	}
	return slices.Clone(s.d.groups), nil
}

func groupNames(gs []model.Group) []string {
	var names []string
	for _, g := range gs {
		names = append(names, g.Name)
	}
	return names
}

func TestSharedListsReadOncePerDataVersion(t *testing.T) {
	ctx := context.Background()
	d := &listingData{version: 1, groups: []model.Group{{ID: 1, Name: "Fleet", KeyCount: 1_000_000}}}
	var lists sharedLists
	alice, bob := lists.share(listingStore{d: d}), lists.share(listingStore{d: d})

	for i, st := range []ui.Store{alice, bob, alice} {
		gs, err := st.ListGroups(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := groupNames(gs); !slices.Equal(got, []string{"Fleet"}) || gs[0].KeyCount != 1_000_000 {
			t.Fatalf("read %d: groups %v (count %d)", i+1, got, gs[0].KeyCount)
		}
	}
	if n := d.reads.Load(); n != 1 {
		t.Fatalf("three sessions' lists at one data version read the store %d times, want once", n)
	}

	// A caller's copy is its own: changing it changes nobody else's.
	gs, _ := alice.ListGroups(ctx)
	gs[0].Name = "changed by alice"
	if gs, _ := bob.ListGroups(ctx); gs[0].Name != "Fleet" {
		t.Fatalf("bob sees %q after alice changed her copy", gs[0].Name)
	}

	// A change moves the data version: the next list is read again, never stale.
	d.mu.Lock()
	d.version++
	d.groups = append(d.groups, model.Group{ID: 2, Name: "Lab"})
	d.mu.Unlock()
	gs, err := bob.ListGroups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := groupNames(gs); !slices.Equal(got, []string{"Fleet", "Lab"}) {
		t.Fatalf("after a change bob sees %v, want [Fleet Lab]", got)
	}
	if n := d.reads.Load(); n != 2 {
		t.Fatalf("store read %d times after one change, want 2", n)
	}
}

func TestSharedListsKeepNoFailure(t *testing.T) {
	ctx := context.Background()
	d := &listingData{version: 1, groups: []model.Group{{ID: 1, Name: "Fleet"}}, fail: errors.New("disk on fire")}
	var lists sharedLists
	st := lists.share(listingStore{d: d})
	if _, err := st.ListGroups(ctx); err == nil || err.Error() != "disk on fire" {
		t.Fatalf("first list: err %v, want the store's error", err)
	}
	gs, err := st.ListGroups(ctx)
	if err != nil || !slices.Equal(groupNames(gs), []string{"Fleet"}) {
		t.Fatalf("after a failed read: %v, %v; want it read again", groupNames(gs), err)
	}
}

// An operator who may not read gets the refusal, not the list another session read.
func TestSharedListsAskEverySession(t *testing.T) {
	ctx := context.Background()
	d := &listingData{version: 1, groups: []model.Group{{ID: 1, Name: "Fleet"}}}
	var lists sharedLists
	if _, err := lists.share(listingStore{d: d}).ListGroups(ctx); err != nil {
		t.Fatal(err)
	}
	gs, err := lists.share(listingStore{d: d, forbidden: true}).ListGroups(ctx)
	if !errors.Is(err, model.ErrForbidden) || gs != nil {
		t.Fatalf("forbidden session got %v, %v; want ErrForbidden and nothing", groupNames(gs), err)
	}
}

// Sessions opening together wait for the one read in progress instead of each reading.
func TestSharedListsConcurrentSessionsReadOnce(t *testing.T) {
	ctx := context.Background()
	hold := make(chan struct{})
	d := &listingData{version: 1, groups: []model.Group{{ID: 1, Name: "Fleet"}}, hold: hold}
	var lists sharedLists
	const sessions = 20
	errs := make(chan error, sessions)
	for range sessions {
		st := lists.share(listingStore{d: d})
		go func() {
			gs, err := st.ListGroups(ctx)
			if err == nil && len(gs) != 1 {
				err = errors.New("wrong groups")
			}
			errs <- err
		}()
	}
	// Every session has asked for the data version, so each is reading, waiting for the
	// read or about to find its result.
	for deadline := time.Now().Add(10 * time.Second); d.versions.Load() < sessions; {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d sessions asked for the data version", d.versions.Load(), sessions)
		}
		time.Sleep(time.Millisecond)
	}
	close(hold)
	for range sessions {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := d.reads.Load(); n != 1 {
		t.Fatalf("%d sessions opening at once read the groups %d times, want once", sessions, n)
	}
}

// The server gives every session's dashboard the shared lists.
func TestServeSSHSessionsShareLists(t *testing.T) {
	stores := make(chan ui.Store, 2)
	ts := startSSHServer(t, func(c *Config) {
		c.newDashboard = func(st ui.Store, a model.Actor, o ui.Options) tea.Model {
			stores <- st
			return newSSHStubModel(st, a, o)
		}
	})
	for _, key := range []sshTestKey{ts.admin, ts.viewer} {
		c, err := sshDial(ts.addr, key)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		sshOpenPTY(t, c, 80, 24)
	}
	ctx := context.Background()
	for i := range 2 {
		select {
		case st := <-stores:
			if _, err := st.ListGroups(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := st.ListCerts(ctx); err != nil {
				t.Fatal(err)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("session %d's dashboard was not made", i+1)
		}
	}
	for _, m := range []string{"ListGroups", "ListCerts"} {
		if n := ts.store.calls(m); n != 1 {
			t.Errorf("two sessions' dashboards called the store's %s %d times, want once", m, n)
		}
	}
}
