// Package demo makes realistic sample data for a store: machine groups and keys named
// site-role-number ("fra-db-0007"), with a mix of states, clouds, limits and expiries. It
// lives beside the store contract rather than in an engine because it only drives that
// contract (CreateGroup, CreateKeys), so every engine gets the same demo for free; and not in
// model, which must not depend on the store.
package demo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"provkeys/model"
	"provkeys/store"
)

// batchSize is how many keys one CreateKeys call (one transaction) writes: large enough that
// commits are rare, small enough that another process waits well under a second for the lock.
const batchSize = 10_000

// groups are the machine groups Fill creates when missing.
var groups = []struct{ name, desc string }{
	{"Windows Servers", "Domain controllers and Windows application servers"},
	{"Windows Workstations", "Managed Windows desktops"},
	{"Linux Build Agents", "CI runners and build farm"},
	{"Linux App Servers", "Application tier"},
	{"macOS Laptops", "Engineering and design laptops"},
	{"Database Servers", "Primary and replica databases, caches"},
	{"Web Frontends", "Public web and API servers"},
	{"Kubernetes Nodes", "Worker nodes of the production clusters"},
	{"Edge Gateways", "Branch VPN and edge appliances"},
	{"Kiosks", "Lobby and retail kiosks"},
	{"Point of Sale", "Store checkout terminals"},
	{"VDI Pool", "Virtual desktops"},
}

var (
	sites = []string{"nyc", "sfo", "sea", "chi", "dal", "iad", "yyz", "gru", "lon", "fra", "ams", "par", "mad", "sto", "sin", "tok", "syd", "bom"}
	// roles pairs a host-name role with the index of its machine group in groups.
	roles = []struct {
		role  string
		group int
	}{{"web", 6}, {"api", 6}, {"db", 5}, {"cache", 5}, {"app", 3}, {"mq", 3}, {"build", 2}, {"ci", 2},
		{"k8s", 7}, {"edge", 8}, {"vpn", 8}, {"win", 0}, {"dc", 0}, {"wks", 1}, {"mac", 4}, {"kiosk", 9},
		{"pos", 10}, {"vdi", 11}}
	descs = []string{"Rack B12, row 4", "Hardware refresh 2024", "Owned by the platform team",
		"Staging: not for production", "Spare, keep enabled for failover", "Migrated from the old cloud",
		"Pilot site", "Temporary key for a contractor laptop", "Replaced after a disk failure"}
	usageLimits = []int64{1, 5, 10, 25, 50, 100, 250, 1000}
)

// run is the state of one Fill call.
type run struct {
	rng   *rand.Rand
	certs []string // Client first: most keys use it
	seq   int      // next candidate name
	taken map[string]bool
	now   time.Time
}

// Fill adds n realistic keys to s, creating the demo groups that are missing, and reports
// progress. It writes batches of keys, each one transaction with its own audit row, so a
// failure keeps (and the audit trail shows) the batches already written. Names that exist
// are skipped, so it can run on a store that has keys.
//
// Errors: those of store.Session's CreateGroup and CreateKeys; a *model.ValidationError when
// n is negative or the store has no signing certificate.
func Fill(ctx context.Context, s store.Session, n int, progress func(done, total int)) error {
	if n < 0 {
		return &model.ValidationError{Field: "keys", Msg: "the number of demo keys cannot be negative"}
	}
	if progress == nil {
		progress = func(int, int) {}
	}
	d := &run{rng: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0x9e3779b97f4a7c15)), now: time.Now()}
	if err := d.setup(ctx, s); err != nil {
		return err
	}
	progress(0, n)
	for done := 0; done < n; {
		size := min(batchSize, n-done)
		label := fmt.Sprintf("demo: keys %d-%d of %d", done+1, done+size, n)
		err := s.CreateKeys(ctx, d.batch(size), label)
		for retry := 0; errors.Is(err, model.ErrDuplicate) && retry < 3; retry++ {
			// Another writer took a name since setup looked: look again, make a new batch.
			if err = d.loadTaken(ctx, s); err == nil {
				err = s.CreateKeys(ctx, d.batch(size), label)
			}
		}
		if err != nil {
			return err
		}
		done += size
		progress(done, n)
	}
	return nil
}

// setup creates the demo groups that are missing, finds the certificates and the names in use.
func (d *run) setup(ctx context.Context, s store.Session) error {
	for _, g := range groups {
		_, err := s.GroupByName(ctx, g.name)
		if errors.Is(err, model.ErrNotFound) {
			_, err = s.CreateGroup(ctx, model.GroupInput{Name: g.name, Description: g.desc, Enabled: true})
		}
		if err != nil {
			return err
		}
	}
	certs, err := s.ListCerts(ctx)
	if err != nil {
		return err
	}
	for _, c := range certs {
		if strings.EqualFold(c.Name, "Client") {
			d.certs = append([]string{c.Name}, d.certs...)
		} else {
			d.certs = append(d.certs, c.Name)
		}
	}
	if len(d.certs) == 0 {
		return &model.ValidationError{Field: model.FieldCert, Msg: "the store has no signing certificate; import one first"}
	}
	return d.loadTaken(ctx, s)
}

// loadTaken reads the names in use, so names are picked in memory instead of with a query each.
func (d *run) loadTaken(ctx context.Context, s store.Session) error {
	keys, err := s.ListKeys(ctx)
	if err != nil {
		return err
	}
	d.taken = make(map[string]bool, len(keys))
	for _, k := range keys {
		d.taken[strings.ToLower(k.Name)] = true
	}
	return nil
}
