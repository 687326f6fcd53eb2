package sqlite

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"provkeys/keyformat"
	"provkeys/model"
)

// batch inserts size demo keys with prepared statements inside w.
func (d *demoRun) batch(w *writeTx, size int) error {
	insKey, err := w.PrepareContext(w.ctx, `INSERT INTO keys (id, name, name_key, cert_id, enabled,
		allow_reenroll, exportable, cloud, fingerprint, material, description, max_usage,
		usage_count, expires_at, created_at, created_by, updated_at, updated_by, version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`)
	if err != nil {
		return mapErr(err)
	}
	defer insKey.Close()
	insGroup, err := w.PrepareContext(w.ctx, "INSERT INTO key_groups (key_id, group_id) VALUES (?, ?)")
	if err != nil {
		return mapErr(err)
	}
	defer insGroup.Close()
	id, err := w.nextID("keys")
	if err != nil {
		return err
	}
	r, by, now := d.rng, w.x.actor.Name, w.now
	// Each statement run under a cancellable context starts a goroutine to watch it; at
	// millions of statements that is most of the cost, so they run detached and the loop
	// checks the context itself.
	sctx := context.WithoutCancel(w.ctx)
	for i := 0; i < size; i++ {
		if i%256 == 0 && w.ctx.Err() != nil {
			return w.ctx.Err()
		}
		name := d.freeName()
		role := demoRoles[(d.seq-1)/len(demoSites)%len(demoRoles)]
		cloud := keyformat.DefaultHost
		if r.IntN(10) == 0 {
			cloud = "api-f4.prod.zpath.net"
		}
		secret, err := keyformat.Generate(cloud)
		if err != nil {
			return err
		}
		exportable := r.IntN(5) != 0
		var material []byte
		if exportable {
			material = w.x.s.seal("key", id, []byte(secret))
		}
		desc := ""
		if r.IntN(5) < 2 {
			desc = demoDescs[r.IntN(len(demoDescs))]
		}
		var maxUsage, used int64
		if r.IntN(3) == 0 {
			maxUsage = demoUsage[r.IntN(len(demoUsage))]
			used = r.Int64N(maxUsage + 1)
		} else {
			used = r.Int64N(20)
		}
		var expires any
		if r.IntN(4) == 0 {
			expires = micros(now.Add(time.Duration(r.Int64N(490)-90) * 24 * time.Hour))
		}
		created := now.Add(-time.Duration(r.Int64N(540*24)) * time.Hour)
		updated := created.Add(time.Duration(r.Int64N(int64(now.Sub(created)) + 1)))
		cert := d.certs[0]
		if len(d.certs) > 1 && r.IntN(4) == 0 {
			cert = d.certs[1+r.IntN(len(d.certs)-1)]
		}
		_, err = insKey.ExecContext(sctx, id, name, strings.ToLower(name), cert, r.IntN(8) != 0,
			r.IntN(10) < 3, exportable, cloud, keyformat.Fingerprint(secret), material, desc,
			maxUsage, used, expires, micros(created), by, micros(updated), by)
		if errors.Is(mapErr(err), model.ErrDuplicate) {
			i-- // taken since setup looked (another process): try the next name
			continue
		}
		if err != nil {
			return mapErr(err)
		}
		g := d.groupIDs[role.group]
		if _, err := insGroup.ExecContext(sctx, id, g); err != nil {
			return mapErr(err)
		}
		if r.IntN(7) == 0 {
			if g2 := d.groupIDs[r.IntN(len(d.groupIDs))]; g2 != g {
				if _, err := insGroup.ExecContext(sctx, id, g2); err != nil {
					return mapErr(err)
				}
			}
		}
		id++
	}
	return nil
}

// freeName returns the next site-role-number name ("fra-db-0007") that no key had when the
// demo started; the UNIQUE constraint catches one taken since.
func (d *demoRun) freeName() string {
	for {
		i := d.seq
		d.seq++
		site := demoSites[i%len(demoSites)]
		role := demoRoles[i/len(demoSites)%len(demoRoles)].role
		name := fmt.Sprintf("%s-%s-%04d", site, role, i/(len(demoSites)*len(demoRoles))+1)
		if !d.taken[strings.ToLower(name)] {
			return name
		}
	}
}
