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

// resolve turns the group and certificate names of in into ids, case-insensitively. An
// unknown name is a *model.ValidationError naming it.
func (w *writeTx) resolve(in model.KeyInput) (certID int64, groupIDs []int64, err error) {
	seen := map[int64]bool{}
	for _, g := range in.Groups {
		var id int64
		err := w.QueryRowContext(w.ctx, "SELECT id FROM groups WHERE name_key = ?", strings.ToLower(g)).Scan(&id)
		if errors.Is(mapErr(err), model.ErrNotFound) {
			return 0, nil, &model.ValidationError{Field: model.FieldGroups, Msg: fmt.Sprintf("machine group %q does not exist", g)}
		}
		if err != nil {
			return 0, nil, mapErr(err)
		}
		if !seen[id] {
			seen[id] = true
			groupIDs = append(groupIDs, id)
		}
	}
	if len(groupIDs) == 0 {
		return 0, nil, &model.ValidationError{Field: model.FieldGroups, Msg: "a key needs at least one machine group"}
	}
	err = w.QueryRowContext(w.ctx, "SELECT id FROM certs WHERE name_key = ?", strings.ToLower(in.Cert)).Scan(&certID)
	if errors.Is(mapErr(err), model.ErrNotFound) {
		return 0, nil, &model.ValidationError{Field: model.FieldCert, Msg: fmt.Sprintf("signing certificate %q does not exist", in.Cert)}
	}
	return certID, groupIDs, mapErr(err)
}

// setGroups makes key id's groups exactly ids.
func (w *writeTx) setGroups(id int64, ids []int64) error {
	if _, err := w.ExecContext(w.ctx, "DELETE FROM key_groups WHERE key_id = ?", id); err != nil {
		return mapErr(err)
	}
	for _, g := range ids {
		if _, err := w.ExecContext(w.ctx, "INSERT INTO key_groups (key_id, group_id) VALUES (?, ?)", id, g); err != nil {
			return mapErr(err)
		}
	}
	return nil
}

// nextID is the id the next row of an AUTOINCREMENT table gets. Inside a write transaction
// nobody else can take it, and knowing it up front lets material be sealed to its row id in
// the INSERT itself.
func (w *writeTx) nextID(table string) (int64, error) {
	var id int64
	err := w.QueryRowContext(w.ctx,
		"SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = ?), 0) + 1", table).Scan(&id)
	return id, mapErr(err)
}

// keySecret returns the key text to store for in: in.Secret parsed and normalised, else a
// new key for in.Cloud.
func keySecret(in model.KeyInput) (string, error) {
	if in.Secret == "" {
		s, err := keyformat.Generate(in.Cloud)
		if err != nil {
			return "", &model.ValidationError{Field: model.FieldCloud, Msg: err.Error()}
		}
		return s, nil
	}
	p, err := keyformat.Parse(in.Secret)
	if err != nil {
		return "", &model.ValidationError{Field: model.FieldKey, Msg: err.Error()}
	}
	if in.Cloud != "" && !strings.EqualFold(in.Cloud, p.Host) {
		return "", &model.ValidationError{Field: model.FieldCloud, Msg: fmt.Sprintf("the key is for %s, not %s", p.Host, in.Cloud)}
	}
	return keyformat.Format(p), nil
}

// insertKey stores a new key from a validated input and returns it with its secret.
func (w *writeTx) insertKey(in model.KeyInput) (model.Key, string, error) {
	certID, groupIDs, err := w.resolve(in)
	if err != nil {
		return model.Key{}, "", err
	}
	secret, err := keySecret(in)
	if err != nil {
		return model.Key{}, "", err
	}
	p, _ := keyformat.Parse(secret)
	id, err := w.nextID("keys")
	if err != nil {
		return model.Key{}, "", err
	}
	var material []byte
	if in.Exportable {
		material = w.x.s.seal("key", id, []byte(secret))
	}
	at, by := micros(w.now), w.x.actor.Name
	_, err = w.ExecContext(w.ctx, `INSERT INTO keys (id, name, name_key, cert_id, enabled,
		allow_reenroll, exportable, cloud, fingerprint, material, description, max_usage,
		usage_count, expires_at, created_at, created_by, updated_at, updated_by, version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, 1)`,
		id, in.Name, strings.ToLower(in.Name), certID, in.Enabled, in.AllowReenroll, in.Exportable,
		p.Host, keyformat.Fingerprint(secret), material, in.Description, in.MaxUsage,
		nullMicros(in.ExpiresAt), at, by, at, by)
	if err != nil {
		return model.Key{}, "", nameTaken(err, "key", in.Name)
	}
	if err := w.setGroups(id, groupIDs); err != nil {
		return model.Key{}, "", err
	}
	k, err := readKey(w.ctx, w, "k.id = ?", id)
	return k, secret, err
}

// CreateKey validates in, generates the key material (or stores in.Secret) and returns the new
// key and its secret, which the caller shows once.
func (x *Session) CreateKey(ctx context.Context, in model.KeyInput) (model.Key, string, error) {
	if err := x.authorize(model.ActionCreate); err != nil {
		return model.Key{}, "", x.refuse(ctx, model.ActionCreate, model.ObjectKey, 0, err)
	}
	if err := in.Validate(); err != nil {
		return model.Key{}, "", err
	}
	var k model.Key
	var secret string
	err := x.change(ctx, model.ActionCreate, model.ObjectKey, 0, func(w *writeTx) error {
		var err error
		if k, secret, err = w.insertKey(in); err != nil {
			return err
		}
		return w.audit(model.ActionCreate, model.ObjectKey, k.ID, k.Name, nil, auditKey(k))
	})
	if err != nil {
		return model.Key{}, "", err
	}
	return k, secret, nil
}

// ImportKeys creates all keys or none, in one transaction with one audit row (import) per key.
// An error names the input it is about by position and name.
func (x *Session) ImportKeys(ctx context.Context, in []model.KeyInput) ([]model.Key, error) {
	if err := x.authorize(model.ActionImport); err != nil {
		return nil, x.refuse(ctx, model.ActionImport, model.ObjectKey, 0, err)
	}
	for i, ki := range in {
		if err := ki.Validate(); err != nil {
			return nil, fmt.Errorf("key %d (%q): %w", i+1, ki.Name, err)
		}
	}
	out := make([]model.Key, 0, len(in))
	err := x.change(ctx, model.ActionImport, model.ObjectKey, 0, func(w *writeTx) error {
		for i, ki := range in {
			k, _, err := w.insertKey(ki)
			if err == nil {
				err = w.audit(model.ActionImport, model.ObjectKey, k.ID, k.Name, nil, auditKey(k))
			}
			if err != nil {
				return fmt.Errorf("key %d (%q): %w", i+1, ki.Name, err)
			}
			out = append(out, k)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// keyJSON is what the audit trail records of a key: every field but the material.
type keyJSON struct {
	Name          string    `json:"name"`
	Groups        []string  `json:"groups"`
	Cert          string    `json:"signing_certificate"`
	Enabled       bool      `json:"enabled"`
	AllowReenroll bool      `json:"allow_reenrollment"`
	Exportable    bool      `json:"exportable"`
	Cloud         string    `json:"cloud"`
	Fingerprint   string    `json:"fingerprint"`
	Description   string    `json:"description"`
	MaxUsage      int64     `json:"max_usage"`
	UsageCount    int64     `json:"usage_count"`
	ExpiresAt     time.Time `json:"expires_at,omitzero"`
	Version       int64     `json:"version"`
}

func auditKey(k model.Key) keyJSON {
	return keyJSON{Name: k.Name, Groups: k.GroupNames(), Cert: k.CertName, Enabled: k.Enabled,
		AllowReenroll: k.AllowReenroll, Exportable: k.Exportable, Cloud: k.Cloud,
		Fingerprint: k.Fingerprint, Description: k.Description, MaxUsage: k.MaxUsage,
		UsageCount: k.UsageCount, ExpiresAt: k.ExpiresAt, Version: k.Version}
}
