package postgres

import (
	"time"

	"provkeys/model"
)

// keyRow is the scan target for sqlcore.KeyCols; its dest slice is made once and reused per row.
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
