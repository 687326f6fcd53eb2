package postgres

import (
	"time"

	"provkeys/model"
)

// keyCols are the columns of model.Key with its certificate's name, never material; they
// read keys k joined to certs c.
const keyCols = `k.id, k.name, k.cert_id, c.name, k.enabled, k.allow_reenroll, k.exportable, k.cloud,
	k.fingerprint, k.description, k.max_usage, k.usage_count, k.expires_at, k.created_at,
	k.created_by, k.updated_at, k.updated_by, k.version, k.last_machine`

// keyFrom is the FROM clause keyCols need.
const keyFrom = ` FROM keys k JOIN certs c ON c.id = k.cert_id `

// keyRow is the scan target for keyCols; its dest slice is made once and reused per row.
type keyRow struct {
	k                model.Key
	expires          *time.Time
	created, updated time.Time
}

func (r *keyRow) dest() []any {
	k := &r.k
	return []any{&k.ID, &k.Name, &k.CertID, &k.CertName, &k.Enabled, &k.AllowReenroll, &k.Exportable,
		&k.Cloud, &k.Fingerprint, &k.Description, &k.MaxUsage, &k.UsageCount, &r.expires, &r.created,
		&k.CreatedBy, &r.updated, &k.UpdatedBy, &k.Version, &k.LastMachine}
}

// key is the scanned row as a Key (without its groups).
func (r *keyRow) key() model.Key {
	k := r.k
	k.ExpiresAt, k.CreatedAt, k.UpdatedAt = utc(r.expires), r.created.UTC(), r.updated.UTC()
	return k
}

// groupOrder sorts a key's groups as ListKeys does: by name case-insensitively, then id.
const groupOrder = ` ORDER BY lower(g.name), g.id`
