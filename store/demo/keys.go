package demo

import (
	"fmt"
	"strings"
	"time"

	"provkeys/keyformat"
	"provkeys/store"
)

// batch makes size demo keys with free names.
func (d *run) batch(size int) []store.NewKey {
	r, now := d.rng, d.now
	out := make([]store.NewKey, size)
	for i := range out {
		name := d.freeName()
		role := roles[(d.seq-1)/len(sites)%len(roles)]
		k := &out[i]
		k.Name, k.Groups = name, []string{groups[role.group].name}
		if r.IntN(7) == 0 {
			if g2 := r.IntN(len(groups)); g2 != role.group {
				k.Groups = append(k.Groups, groups[g2].name)
			}
		}
		k.Cloud = keyformat.DefaultHost
		if r.IntN(10) == 0 {
			k.Cloud = "api-f4.prod.zpath.net"
		}
		k.Exportable = r.IntN(5) != 0
		if r.IntN(5) < 2 {
			k.Description = descs[r.IntN(len(descs))]
		}
		if r.IntN(3) == 0 {
			k.MaxUsage = usageLimits[r.IntN(len(usageLimits))]
			k.UsageCount = r.Int64N(k.MaxUsage + 1)
		} else {
			k.UsageCount = r.Int64N(20)
		}
		if r.IntN(4) == 0 {
			k.ExpiresAt = now.Add(time.Duration(r.Int64N(490)-90) * 24 * time.Hour)
		}
		k.CreatedAt = now.Add(-time.Duration(r.Int64N(540*24)) * time.Hour)
		k.UpdatedAt = k.CreatedAt.Add(time.Duration(r.Int64N(int64(now.Sub(k.CreatedAt)) + 1)))
		k.Cert = d.certs[0]
		if len(d.certs) > 1 && r.IntN(4) == 0 {
			k.Cert = d.certs[1+r.IntN(len(d.certs)-1)]
		}
		k.Enabled, k.AllowReenroll = r.IntN(8) != 0, r.IntN(10) < 3
	}
	return out
}

// freeName returns the next site-role-number name ("fra-db-0007") that no key had when the
// demo started; the store refuses one taken since (ErrDuplicate), and Fill tries a new batch.
func (d *run) freeName() string {
	for {
		i := d.seq
		d.seq++
		site := sites[i%len(sites)]
		role := roles[i/len(sites)%len(roles)].role
		name := fmt.Sprintf("%s-%s-%04d", site, role, i/(len(sites)*len(roles))+1)
		if !d.taken[strings.ToLower(name)] {
			return name
		}
	}
}
