package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"provkeys/model"
)

// demoBatch is how many keys one demo transaction writes: large enough that commits are
// rare, small enough that another process waits well under busy_timeout for the lock.
const demoBatch = 10_000

// demoGroups are the machine groups Demo creates when missing.
var demoGroups = []struct{ name, desc string }{
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
	demoSites = []string{"nyc", "sfo", "sea", "chi", "dal", "iad", "yyz", "gru", "lon", "fra", "ams", "par", "mad", "sto", "sin", "tok", "syd", "bom"}
	// demoRoles pairs a host-name role with the index of its machine group in demoGroups.
	demoRoles = []struct {
		role  string
		group int
	}{{"web", 6}, {"api", 6}, {"db", 5}, {"cache", 5}, {"app", 3}, {"mq", 3}, {"build", 2}, {"ci", 2},
		{"k8s", 7}, {"edge", 8}, {"vpn", 8}, {"win", 0}, {"dc", 0}, {"wks", 1}, {"mac", 4}, {"kiosk", 9},
		{"pos", 10}, {"vdi", 11}}
	demoDescs = []string{"Rack B12, row 4", "Hardware refresh 2024", "Owned by the platform team",
		"Staging: not for production", "Spare, keep enabled for failover", "Migrated from the old cloud",
		"Pilot site", "Temporary key for a contractor laptop", "Replaced after a disk failure"}
	demoUsage = []int64{1, 5, 10, 25, 50, 100, 250, 1000}
)

// demoRun is the state of one Demo call.
type demoRun struct {
	rng      *rand.Rand
	groupIDs []int64
	certs    []int64 // Client first: most keys use it
	seq      int     // next candidate name
	taken    map[string]bool
	created  []string
}

// Demo fills the store with n realistic keys plus groups, reporting progress. It writes in
// batched transactions and records one audit row for the whole run, not one per key. Names
// that already exist are skipped, so it can run on a store that has keys.
func (x *Session) Demo(ctx context.Context, n int, progress func(done, total int)) error {
	if err := x.authorize(model.ActionCreate); err != nil {
		return x.refuse(ctx, model.ActionCreate, model.ObjectKey, 0, err)
	}
	if n < 0 {
		return &model.ValidationError{Field: "keys", Msg: "the number of demo keys cannot be negative"}
	}
	if progress == nil {
		progress = func(int, int) {}
	}
	d := &demoRun{rng: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0x9e3779b97f4a7c15))}
	progress(0, n)
	done := 0
	for first := true; first || done < n; first = false {
		size := min(demoBatch, n-done)
		err := x.change(ctx, model.ActionCreate, model.ObjectKey, 0, func(w *writeTx) error {
			if first {
				if err := d.setup(w); err != nil {
					return err
				}
			}
			if err := d.batch(w, size); err != nil {
				return err
			}
			if done+size < n {
				return nil
			}
			return w.audit(model.ActionCreate, model.ObjectKey, 0, fmt.Sprintf("demo: %d keys", n), nil,
				map[string]any{"demo_keys": n, "groups_created": d.created})
		})
		if err != nil {
			if done > 0 {
				x.demoFailed(ctx, d, done, n, err)
			}
			return err
		}
		done += size
		progress(done, n)
	}
	return nil
}

// demoFailed records, in its own transaction, how far a failed demo got: the batches already
// committed stay, and the audit trail should say so.
func (x *Session) demoFailed(ctx context.Context, d *demoRun, done, n int, cause error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	_ = x.change(ctx, model.ActionCreate, model.ObjectKey, 0, func(w *writeTx) error {
		return w.auditResult(model.ActionCreate, model.ObjectKey, 0, fmt.Sprintf("demo: %d of %d keys", done, n),
			nil, map[string]any{"demo_keys": done, "groups_created": d.created}, cause.Error())
	})
}

// setup creates the demo groups that are missing and finds the certificates.
func (d *demoRun) setup(w *writeTx) error {
	at, by := micros(w.now), w.x.actor.Name
	for _, g := range demoGroups {
		var id int64
		err := w.QueryRowContext(w.ctx, "SELECT id FROM groups WHERE name_key = ?", strings.ToLower(g.name)).Scan(&id)
		if err == sql.ErrNoRows {
			err = w.QueryRowContext(w.ctx, `INSERT INTO groups (name, name_key, description, enabled,
				created_at, created_by, updated_at, updated_by, version) VALUES (?, ?, ?, 1, ?, ?, ?, ?, 1)
				RETURNING id`, g.name, strings.ToLower(g.name), g.desc, at, by, at, by).Scan(&id)
			d.created = append(d.created, g.name)
		}
		if err != nil {
			return mapErr(err)
		}
		d.groupIDs = append(d.groupIDs, id)
	}
	if err := d.loadTaken(w); err != nil {
		return err
	}
	rows, err := w.QueryContext(w.ctx, "SELECT id FROM certs ORDER BY name_key = 'client' DESC, id")
	if err != nil {
		return mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return mapErr(err)
		}
		d.certs = append(d.certs, id)
	}
	if err := rows.Err(); err != nil {
		return mapErr(err)
	}
	if len(d.certs) == 0 {
		return &model.ValidationError{Field: model.FieldCert, Msg: "the store has no signing certificate; import one first"}
	}
	return nil
}

// loadTaken reads the names in use, so names are picked in memory instead of with a query each.
func (d *demoRun) loadTaken(w *writeTx) error {
	d.taken = map[string]bool{}
	rows, err := w.QueryContext(w.ctx, "SELECT name_key FROM keys")
	if err != nil {
		return mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return mapErr(err)
		}
		d.taken[n] = true
	}
	return mapErr(rows.Err())
}
