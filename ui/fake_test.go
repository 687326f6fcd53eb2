package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"provkeys/keyformat"
	"provkeys/model"
)

// testNow is the clock every test runs at; UTC, so golden files don't depend on TZ.
var testNow = time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)

// fakeStore is a small in-memory Store. Every method goes through a func field, so a test
// can replace one behaviour (an error, a recorded call) and keep the rest.
type fakeStore struct {
	mu      sync.Mutex
	keys    []model.Key
	groups  []model.Group
	certs   []model.Cert
	filters []model.SavedFilter
	secrets map[int64]string
	version int64
	nextID  int64
	calls   []string

	createKey  func(in model.KeyInput) (model.Key, string, error)
	updateKey  func(id, version int64, in model.KeyInput) (model.Key, error)
	overwrite  func(id, version int64, in model.KeyInput) (model.Key, error)
	setEnabled func(id, version int64, enabled bool) (model.Key, error)
	deleteKey  func(id, version int64) error
	exportKey  func(id int64) (string, error)
	revealKey  func(id int64) (string, error)
	listKeys   func() ([]model.Key, error)
}

// newFake returns a store with two certificates, three groups and the given keys.
func newFake(keys ...model.Key) *fakeStore {
	f := &fakeStore{secrets: map[int64]string{}, nextID: 1000}
	f.certs = []model.Cert{
		{ID: 1, Name: "Client", Subject: "CN=Client CA", NotAfter: testNow.AddDate(5, 0, 0)},
		{ID: 2, Name: "Root", Subject: "CN=Root CA", NotAfter: testNow.AddDate(10, 0, 0)},
	}
	f.groups = []model.Group{
		{ID: 1, Name: "Database Servers", Enabled: true, Version: 1},
		{ID: 2, Name: "Laptops", Enabled: true, Version: 1},
		{ID: 3, Name: "Web Frontends", Enabled: false, Version: 1},
	}
	for _, k := range keys {
		f.keys = append(f.keys, k)
		f.secrets[k.ID] = secretFor(k)
	}
	f.createKey = f.defaultCreate
	f.updateKey = f.defaultUpdate
	f.overwrite = f.defaultUpdate // the same version-checked change; only the audit differs
	f.setEnabled = f.defaultSetEnabled
	f.deleteKey = f.defaultDelete
	f.exportKey = func(id int64) (string, error) { return f.secret(id, true) }
	f.revealKey = func(id int64) (string, error) { return f.secret(id, true) }
	f.listKeys = func() ([]model.Key, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		return slices.Clone(f.keys), nil
	}
	return f
}

// secretFor is a fixed, recognisable key for k.
func secretFor(k model.Key) string {
	return fmt.Sprintf("3|%s|SECRET-%d-%s", k.Cloud, k.ID, strings.Repeat("A", 20))
}

// testKey builds a key as the store would return it.
func testKey(id int64, name string, groups ...string) model.Key {
	k := model.Key{
		ID: id, Name: name, CertName: "Client", Enabled: true, Exportable: true,
		Cloud: keyformat.DefaultHost, Fingerprint: fmt.Sprintf("SHA256:fp%04dabcdefghijklmnopqrstuvwxyz", id),
		CreatedAt: testNow.Add(-48 * time.Hour), CreatedBy: "alice",
		UpdatedAt: testNow.Add(-time.Duration(id) * time.Hour), UpdatedBy: "bob", Version: 1,
	}
	for i, g := range groups {
		k.Groups = append(k.Groups, model.GroupRef{ID: int64(i + 1), Name: g})
	}
	if len(groups) == 0 {
		k.Groups = []model.GroupRef{{ID: 1, Name: "Database Servers"}}
	}
	return k
}

func (f *fakeStore) record(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
}

// called reports whether a call whose record starts with prefix happened.
func (f *fakeStore) called(prefix string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.ContainsFunc(f.calls, func(c string) bool { return strings.HasPrefix(c, prefix) })
}

func (f *fakeStore) secret(id int64, _ bool) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, k := range f.keys {
		if k.ID == id {
			if !k.Exportable {
				return "", model.ErrNotExportable
			}
			return f.secrets[id], nil
		}
	}
	return "", model.ErrNotFound
}

func (f *fakeStore) defaultCreate(in model.KeyInput) (model.Key, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	k := model.Key{ID: f.nextID, Name: in.Name, CertName: in.Cert, Enabled: in.Enabled, AllowReenroll: in.AllowReenroll,
		Exportable: in.Exportable, Cloud: keyformat.DefaultHost, Description: in.Description, MaxUsage: in.MaxUsage,
		ExpiresAt: in.ExpiresAt, CreatedAt: testNow, UpdatedAt: testNow, CreatedBy: "alice", UpdatedBy: "alice", Version: 1,
		Fingerprint: "SHA256:newkeyfingerprint"}
	for _, g := range in.Groups {
		k.Groups = append(k.Groups, model.GroupRef{Name: g})
	}
	f.keys = append(f.keys, k)
	f.secrets[k.ID] = secretFor(k)
	f.version++
	return k, f.secrets[k.ID], nil
}

func (f *fakeStore) find(id, version int64) (int, error) {
	for i, k := range f.keys {
		if k.ID == id {
			if k.Version != version {
				return -1, &model.ConflictError{Object: fmt.Sprintf("key %q", k.Name), By: "carol", At: testNow}
			}
			return i, nil
		}
	}
	return -1, model.ErrNotFound
}

func (f *fakeStore) defaultUpdate(id, version int64, in model.KeyInput) (model.Key, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	i, err := f.find(id, version)
	if err != nil {
		return model.Key{}, err
	}
	k := &f.keys[i]
	k.Name, k.CertName, k.Enabled, k.AllowReenroll, k.Exportable = in.Name, in.Cert, in.Enabled, in.AllowReenroll, in.Exportable
	k.Description, k.MaxUsage, k.ExpiresAt = in.Description, in.MaxUsage, in.ExpiresAt
	k.Groups = nil
	for _, g := range in.Groups {
		k.Groups = append(k.Groups, model.GroupRef{Name: g})
	}
	k.Version++
	return *k, nil
}

func (f *fakeStore) defaultSetEnabled(id, version int64, enabled bool) (model.Key, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	i, err := f.find(id, version)
	if err != nil {
		return model.Key{}, err
	}
	f.keys[i].Enabled = enabled
	f.keys[i].Version++
	return f.keys[i], nil
}

func (f *fakeStore) defaultDelete(id, version int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	i, err := f.find(id, version)
	if err != nil {
		return err
	}
	f.keys = slices.Delete(f.keys, i, i+1)
	return nil
}

func (f *fakeStore) ListKeys(context.Context) ([]model.Key, error) {
	f.record("ListKeys")
	return f.listKeys()
}

func (f *fakeStore) Key(_ context.Context, id int64) (model.Key, error) {
	f.record("Key %d", id)
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, k := range f.keys {
		if k.ID == id {
			return k, nil
		}
	}
	return model.Key{}, model.ErrNotFound
}

func (f *fakeStore) CreateKey(_ context.Context, in model.KeyInput) (model.Key, string, error) {
	f.record("CreateKey %s", in.Name)
	return f.createKey(in)
}

func (f *fakeStore) UpdateKey(_ context.Context, id, version int64, in model.KeyInput) (model.Key, error) {
	f.record("UpdateKey %d %d", id, version)
	return f.updateKey(id, version, in)
}

func (f *fakeStore) OverwriteKey(_ context.Context, id, version int64, in model.KeyInput) (model.Key, error) {
	f.record("OverwriteKey %d %d", id, version)
	return f.overwrite(id, version, in)
}

func (f *fakeStore) SetKeyEnabled(_ context.Context, id, version int64, enabled bool) (model.Key, error) {
	f.record("SetKeyEnabled %d %d %v", id, version, enabled)
	return f.setEnabled(id, version, enabled)
}

func (f *fakeStore) DeleteKey(_ context.Context, id, version int64) error {
	f.record("DeleteKey %d %d", id, version)
	return f.deleteKey(id, version)
}

func (f *fakeStore) RevealKey(_ context.Context, id int64) (string, error) {
	f.record("RevealKey %d", id)
	return f.revealKey(id)
}

func (f *fakeStore) ExportKey(_ context.Context, id int64) (string, error) {
	f.record("ExportKey %d", id)
	return f.exportKey(id)
}

func (f *fakeStore) ListGroups(context.Context) ([]model.Group, error) {
	f.record("ListGroups")
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.groups), nil
}

func (f *fakeStore) CreateGroup(_ context.Context, in model.GroupInput) (model.Group, error) {
	f.record("CreateGroup %s", in.Name)
	if err := in.Validate(); err != nil {
		return model.Group{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, g := range f.groups {
		if strings.EqualFold(g.Name, in.Name) {
			return model.Group{}, fmt.Errorf("machine group %q: %w", in.Name, model.ErrDuplicate)
		}
	}
	f.nextID++
	g := model.Group{ID: f.nextID, Name: in.Name, Description: in.Description, Enabled: in.Enabled, Version: 1,
		CreatedAt: testNow, UpdatedAt: testNow, CreatedBy: "alice", UpdatedBy: "alice"}
	f.groups = append(f.groups, g)
	return g, nil
}

func (f *fakeStore) UpdateGroup(_ context.Context, id, version int64, in model.GroupInput) (model.Group, error) {
	f.record("UpdateGroup %d %d %s %v", id, version, in.Name, in.Enabled)
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, g := range f.groups {
		if g.ID == id {
			if g.Version != version {
				return model.Group{}, model.ErrConflict
			}
			f.groups[i].Name, f.groups[i].Description, f.groups[i].Enabled = in.Name, in.Description, in.Enabled
			f.groups[i].Version++
			return f.groups[i], nil
		}
	}
	return model.Group{}, model.ErrNotFound
}

func (f *fakeStore) DeleteGroup(_ context.Context, id, version int64) error {
	f.record("DeleteGroup %d %d", id, version)
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, g := range f.groups {
		if g.ID == id {
			if g.KeyCount > 0 {
				return &model.InUseError{Object: fmt.Sprintf("machine group %q", g.Name), Users: []string{"k1"}}
			}
			f.groups = slices.Delete(f.groups, i, i+1)
			return nil
		}
	}
	return model.ErrNotFound
}

func (f *fakeStore) ListCerts(context.Context) ([]model.Cert, error) {
	f.record("ListCerts")
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.certs), nil
}

func (f *fakeStore) ImportCert(_ context.Context, name, pemText string) (model.Cert, error) {
	f.record("ImportCert %s %d", name, len(pemText))
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	c := model.Cert{ID: f.nextID, Name: name, PEM: pemText, Subject: "CN=" + name, NotAfter: testNow.AddDate(1, 0, 0)}
	f.certs = append(f.certs, c)
	return c, nil
}

func (f *fakeStore) DeleteCert(_ context.Context, id int64) error {
	f.record("DeleteCert %d", id)
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, c := range f.certs {
		if c.ID == id {
			f.certs = slices.Delete(f.certs, i, i+1)
			return nil
		}
	}
	return model.ErrNotFound
}

func (f *fakeStore) ListAudit(_ context.Context, limit int) ([]model.AuditEvent, error) {
	f.record("ListAudit %d", limit)
	return []model.AuditEvent{
		{ID: 2, At: testNow.Add(-time.Hour), Actor: "alice", Role: model.RoleAdmin, Action: model.ActionDelete,
			ObjectType: model.ObjectKey, ObjectID: 7, ObjectName: "old-key", Old: `{"name":"old-key"}`, Result: "ok"},
		{ID: 1, At: testNow.Add(-2 * time.Hour), Actor: "bob", Role: model.RoleViewer, Action: model.ActionExport,
			ObjectType: model.ObjectKey, ObjectID: 3, ObjectName: "web-01", Result: "not allowed for your role"},
	}, nil
}

func (f *fakeStore) ListFilters(context.Context) ([]model.SavedFilter, error) {
	f.record("ListFilters")
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.filters), nil
}

func (f *fakeStore) SaveFilter(_ context.Context, name, expr string) (model.SavedFilter, error) {
	f.record("SaveFilter %s=%s", name, expr)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	sf := model.SavedFilter{ID: f.nextID, Name: name, Expr: expr}
	f.filters = append(f.filters, sf)
	return sf, nil
}

func (f *fakeStore) DeleteFilter(_ context.Context, id int64) error {
	f.record("DeleteFilter %d", id)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.filters = slices.DeleteFunc(f.filters, func(s model.SavedFilter) bool { return s.ID == id })
	return nil
}

func (f *fakeStore) DataVersion(context.Context) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.version, nil
}

func (s *fakeStore) ListKeysHead(ctx context.Context, limit int) ([]model.Key, int, error) {
	return listedFrom{s}.ListKeysHead(ctx, limit)
}

func (s *fakeStore) ListKeyTable(ctx context.Context) (*model.KeyTable, error) {
	return listedFrom{s}.ListKeyTable(ctx)
}
