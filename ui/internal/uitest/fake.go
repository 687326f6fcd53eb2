package uitest

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
var TestNow = time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)

// fakeStore is a small in-memory Store. Every method goes through a func field, so a test
// can replace one behaviour (an error, a recorded call) and keep the rest.
type FakeStore struct {
	Mu      sync.Mutex
	Keys    []model.Key
	Groups  []model.Group
	Certs   []model.Cert
	Filters []model.SavedFilter
	// Machines are the enrollments, oldest first; VerifyOnly names certificates without a key.
	Machines   []model.Machine
	VerifyOnly []string
	Secrets    map[int64]string
	Version    int64
	NextID     int64
	Calls      []string
	Columns    []string // the operator's saved Keys columns

	OnCreateKey func(in model.KeyInput) (model.Key, string, error)
	OnUpdateKey func(id, version int64, in model.KeyInput) (model.Key, error)
	Overwrite   func(id, version int64, in model.KeyInput) (model.Key, error)
	SetEnabled  func(id, version int64, enabled bool) (model.Key, error)
	OnDeleteKey func(id, version int64) error
	exportKey   func(id int64) (string, error)
	revealKey   func(id int64) (string, error)
	listKeys    func() ([]model.Key, error)
}

// newFake returns a store with two certificates, three groups and the given keys.
func NewFake(keys ...model.Key) *FakeStore {
	f := &FakeStore{Secrets: map[int64]string{}, NextID: 1000}
	f.Certs = []model.Cert{
		{ID: 1, Name: "Client", Subject: "CN=Client CA", NotAfter: TestNow.AddDate(5, 0, 0)},
		{ID: 2, Name: "Root", Subject: "CN=Root CA", NotAfter: TestNow.AddDate(10, 0, 0)},
	}
	f.Groups = []model.Group{
		{ID: 1, Name: "Database Servers", Enabled: true, Version: 1},
		{ID: 2, Name: "Laptops", Enabled: true, Version: 1},
		{ID: 3, Name: "Web Frontends", Enabled: false, Version: 1},
	}
	for _, k := range keys {
		f.Keys = append(f.Keys, k)
		f.Secrets[k.ID] = SecretFor(k)
	}
	f.OnCreateKey = f.defaultCreate
	f.OnUpdateKey = f.defaultUpdate
	f.Overwrite = f.defaultUpdate // the same version-checked change; only the audit differs
	f.SetEnabled = f.defaultSetEnabled
	f.OnDeleteKey = f.defaultDelete
	f.exportKey = func(id int64) (string, error) { return f.secret(id, true) }
	f.revealKey = func(id int64) (string, error) { return f.secret(id, true) }
	f.listKeys = func() ([]model.Key, error) {
		f.Mu.Lock()
		defer f.Mu.Unlock()
		return slices.Clone(f.Keys), nil
	}
	return f
}

// secretFor is a fixed, recognisable key for k.
func SecretFor(k model.Key) string {
	return fmt.Sprintf("3|%s|SECRET-%d-%s", k.Cloud, k.ID, strings.Repeat("A", 20))
}

// testKey builds a key as the store would return it.
func TestKey(id int64, name string, groups ...string) model.Key {
	k := model.Key{
		ID: id, Name: name, CertName: "Client", Enabled: true, Exportable: true,
		Cloud: keyformat.DefaultHost, Fingerprint: fmt.Sprintf("SHA256:fp%04dabcdefghijklmnopqrstuvwxyz", id),
		CreatedAt: TestNow.Add(-48 * time.Hour), CreatedBy: "alice",
		UpdatedAt: TestNow.Add(-time.Duration(id) * time.Hour), UpdatedBy: "bob", Version: 1,
	}
	for i, g := range groups {
		k.Groups = append(k.Groups, model.GroupRef{ID: int64(i + 1), Name: g})
	}
	if len(groups) == 0 {
		k.Groups = []model.GroupRef{{ID: 1, Name: "Database Servers"}}
	}
	return k
}

func (f *FakeStore) record(format string, args ...any) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	f.Calls = append(f.Calls, fmt.Sprintf(format, args...))
}

// called reports whether a call whose record starts with prefix happened.
func (f *FakeStore) Called(prefix string) bool {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	return slices.ContainsFunc(f.Calls, func(c string) bool { return strings.HasPrefix(c, prefix) })
}

func (f *FakeStore) secret(id int64, _ bool) (string, error) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	for _, k := range f.Keys {
		if k.ID == id {
			if !k.Exportable {
				return "", model.ErrNotExportable
			}
			return f.Secrets[id], nil
		}
	}
	return "", model.ErrNotFound
}

func (f *FakeStore) defaultCreate(in model.KeyInput) (model.Key, string, error) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	f.NextID++
	k := model.Key{ID: f.NextID, Name: in.Name, CertName: in.Cert, Enabled: in.Enabled, AllowReenroll: in.AllowReenroll,
		Exportable: in.Exportable, Cloud: keyformat.DefaultHost, Description: in.Description, MaxUsage: in.MaxUsage,
		ExpiresAt: in.ExpiresAt, CreatedAt: TestNow, UpdatedAt: TestNow, CreatedBy: "alice", UpdatedBy: "alice", Version: 1,
		Fingerprint: "SHA256:newkeyfingerprint"}
	for _, g := range in.Groups {
		k.Groups = append(k.Groups, model.GroupRef{Name: g})
	}
	f.Keys = append(f.Keys, k)
	f.Secrets[k.ID] = SecretFor(k)
	f.Version++
	return k, f.Secrets[k.ID], nil
}

func (f *FakeStore) find(id, version int64) (int, error) {
	for i, k := range f.Keys {
		if k.ID == id {
			if k.Version != version {
				return -1, &model.ConflictError{Object: fmt.Sprintf("key %q", k.Name), By: "carol", At: TestNow}
			}
			return i, nil
		}
	}
	return -1, model.ErrNotFound
}

func (f *FakeStore) defaultUpdate(id, version int64, in model.KeyInput) (model.Key, error) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	i, err := f.find(id, version)
	if err != nil {
		return model.Key{}, err
	}
	k := &f.Keys[i]
	k.Name, k.CertName, k.Enabled, k.AllowReenroll, k.Exportable = in.Name, in.Cert, in.Enabled, in.AllowReenroll, in.Exportable
	k.Description, k.MaxUsage, k.ExpiresAt = in.Description, in.MaxUsage, in.ExpiresAt
	k.Groups = nil
	for _, g := range in.Groups {
		k.Groups = append(k.Groups, model.GroupRef{Name: g})
	}
	k.Version++
	return *k, nil
}

func (f *FakeStore) defaultSetEnabled(id, version int64, enabled bool) (model.Key, error) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	i, err := f.find(id, version)
	if err != nil {
		return model.Key{}, err
	}
	f.Keys[i].Enabled = enabled
	f.Keys[i].Version++
	return f.Keys[i], nil
}

func (f *FakeStore) defaultDelete(id, version int64) error {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	i, err := f.find(id, version)
	if err != nil {
		return err
	}
	f.Keys = slices.Delete(f.Keys, i, i+1)
	return nil
}

func (f *FakeStore) ListKeys(context.Context) ([]model.Key, error) {
	f.record("ListKeys")
	return f.listKeys()
}

func (f *FakeStore) Key(_ context.Context, id int64) (model.Key, error) {
	f.record("Key %d", id)
	f.Mu.Lock()
	defer f.Mu.Unlock()
	for _, k := range f.Keys {
		if k.ID == id {
			return k, nil
		}
	}
	return model.Key{}, model.ErrNotFound
}

func (f *FakeStore) CreateKey(_ context.Context, in model.KeyInput) (model.Key, string, error) {
	f.record("CreateKey %s", in.Name)
	return f.OnCreateKey(in)
}

func (f *FakeStore) UpdateKey(_ context.Context, id, version int64, in model.KeyInput) (model.Key, error) {
	f.record("UpdateKey %d %d", id, version)
	return f.OnUpdateKey(id, version, in)
}

func (f *FakeStore) OverwriteKey(_ context.Context, id, version int64, in model.KeyInput) (model.Key, error) {
	f.record("OverwriteKey %d %d", id, version)
	return f.Overwrite(id, version, in)
}

func (f *FakeStore) SetKeyEnabled(_ context.Context, id, version int64, enabled bool) (model.Key, error) {
	f.record("SetKeyEnabled %d %d %v", id, version, enabled)
	return f.SetEnabled(id, version, enabled)
}

func (f *FakeStore) DeleteKey(_ context.Context, id, version int64) error {
	f.record("DeleteKey %d %d", id, version)
	return f.OnDeleteKey(id, version)
}

func (f *FakeStore) RevealKey(_ context.Context, id int64) (string, error) {
	f.record("RevealKey %d", id)
	return f.revealKey(id)
}

func (f *FakeStore) ExportKey(_ context.Context, id int64) (string, error) {
	f.record("ExportKey %d", id)
	return f.exportKey(id)
}

// ReleaseKey records "ReleaseKey ID PURPOSE".
func (f *FakeStore) ReleaseKey(_ context.Context, id int64, purpose model.Action) (string, error) {
	f.record("ReleaseKey %d %s", id, purpose)
	if purpose == model.ActionReveal {
		return f.revealKey(id)
	}
	return f.exportKey(id)
}

// AuditKeyUse records "AuditKeyUse ID PURPOSE ok" or "... failed: SENTENCE".
func (f *FakeStore) AuditKeyUse(_ context.Context, id int64, purpose model.Action, failure error) error {
	if failure != nil {
		f.record("AuditKeyUse %d %s failed: %v", id, purpose, failure)
	} else {
		f.record("AuditKeyUse %d %s ok", id, purpose)
	}
	return nil
}

func (f *FakeStore) ListGroups(context.Context) ([]model.Group, error) {
	f.record("ListGroups")
	f.Mu.Lock()
	defer f.Mu.Unlock()
	return slices.Clone(f.Groups), nil
}

func (f *FakeStore) CreateGroup(_ context.Context, in model.GroupInput) (model.Group, error) {
	f.record("CreateGroup %s", in.Name)
	return f.addGroup(in)
}

// addGroup is CreateGroup without its record.
func (f *FakeStore) addGroup(in model.GroupInput) (model.Group, error) {
	if err := in.Validate(); err != nil {
		return model.Group{}, err
	}
	f.Mu.Lock()
	defer f.Mu.Unlock()
	for _, g := range f.Groups {
		if strings.EqualFold(g.Name, in.Name) {
			return model.Group{}, fmt.Errorf("machine group %q: %w", in.Name, model.ErrDuplicate)
		}
	}
	f.NextID++
	g := model.Group{ID: f.NextID, Name: in.Name, Description: in.Description, Enabled: in.Enabled, Version: 1,
		CreatedAt: TestNow, UpdatedAt: TestNow, CreatedBy: "alice", UpdatedBy: "alice"}
	f.Groups = append(f.Groups, g)
	return g, nil
}

func (f *FakeStore) UpdateGroup(_ context.Context, id, version int64, in model.GroupInput) (model.Group, error) {
	f.record("UpdateGroup %d %d %s %v", id, version, in.Name, in.Enabled)
	return f.editGroup(id, version, in)
}

// OverwriteGroup is UpdateGroup recorded as an overwrite.
func (f *FakeStore) OverwriteGroup(_ context.Context, id, version int64, in model.GroupInput) (model.Group, error) {
	f.record("OverwriteGroup %d %d %s %v", id, version, in.Name, in.Enabled)
	return f.editGroup(id, version, in)
}

func (f *FakeStore) editGroup(id, version int64, in model.GroupInput) (model.Group, error) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	for i, g := range f.Groups {
		if g.ID == id {
			if g.Version != version {
				return model.Group{}, model.ErrConflict
			}
			f.Groups[i].Name, f.Groups[i].Description, f.Groups[i].Enabled = in.Name, in.Description, in.Enabled
			f.Groups[i].Version++
			return f.Groups[i], nil
		}
	}
	return model.Group{}, model.ErrNotFound
}

func (f *FakeStore) DeleteGroup(_ context.Context, id, version int64) error {
	f.record("DeleteGroup %d %d", id, version)
	f.Mu.Lock()
	defer f.Mu.Unlock()
	for i, g := range f.Groups {
		if g.ID == id {
			if g.KeyCount > 0 {
				return &model.InUseError{Object: fmt.Sprintf("machine group %q", g.Name), Users: []string{"k1"}}
			}
			f.Groups = slices.Delete(f.Groups, i, i+1)
			return nil
		}
	}
	return model.ErrNotFound
}

func (f *FakeStore) ListCerts(context.Context) ([]model.Cert, error) {
	f.record("ListCerts")
	f.Mu.Lock()
	defer f.Mu.Unlock()
	out := slices.Clone(f.Certs)
	for i := range out {
		out[i].CanSign = !slices.ContainsFunc(f.VerifyOnly, func(v string) bool { return strings.EqualFold(v, out[i].Name) })
	}
	return out, nil
}

func (f *FakeStore) ImportCert(_ context.Context, name, pemText string) (model.Cert, error) {
	f.record("ImportCert %s %d", name, len(pemText))
	f.Mu.Lock()
	defer f.Mu.Unlock()
	f.NextID++
	c := model.Cert{ID: f.NextID, Name: name, PEM: pemText, Subject: "CN=" + name, NotAfter: TestNow.AddDate(1, 0, 0)}
	f.Certs = append(f.Certs, c)
	return c, nil
}

// ImportCertWithKey is ImportCert; the key's length is recorded, never the key.
func (f *FakeStore) ImportCertWithKey(ctx context.Context, name, certPEM, keyPEM string) (model.Cert, error) {
	f.record("ImportCertWithKey %s %d %d", name, len(certPEM), len(keyPEM))
	return f.ImportCert(ctx, name, certPEM)
}

func (f *FakeStore) DeleteCert(_ context.Context, id int64) error {
	f.record("DeleteCert %d", id)
	f.Mu.Lock()
	defer f.Mu.Unlock()
	for i, c := range f.Certs {
		if c.ID == id {
			f.Certs = slices.Delete(f.Certs, i, i+1)
			return nil
		}
	}
	return model.ErrNotFound
}

func (f *FakeStore) ListAudit(_ context.Context, limit int) ([]model.AuditEvent, error) {
	f.record("ListAudit %d", limit)
	return []model.AuditEvent{
		{ID: 2, At: TestNow.Add(-time.Hour), Actor: "alice", Role: model.RoleAdmin, Action: model.ActionDelete,
			ObjectType: model.ObjectKey, ObjectID: 7, ObjectName: "old-key", Old: `{"name":"old-key"}`, Result: "ok"},
		{ID: 1, At: TestNow.Add(-2 * time.Hour), Actor: "bob", Role: model.RoleViewer, Action: model.ActionExport,
			ObjectType: model.ObjectKey, ObjectID: 3, ObjectName: "web-01", Result: "not allowed for your role"},
	}, nil
}

func (f *FakeStore) ListFilters(context.Context) ([]model.SavedFilter, error) {
	f.record("ListFilters")
	f.Mu.Lock()
	defer f.Mu.Unlock()
	return slices.Clone(f.Filters), nil
}

func (f *FakeStore) SaveFilter(_ context.Context, name, expr string) (model.SavedFilter, error) {
	f.record("SaveFilter %s=%s", name, expr)
	f.Mu.Lock()
	defer f.Mu.Unlock()
	f.NextID++
	sf := model.SavedFilter{ID: f.NextID, Name: name, Expr: expr}
	f.Filters = append(f.Filters, sf)
	return sf, nil
}

func (f *FakeStore) DeleteFilter(_ context.Context, id int64) error {
	f.record("DeleteFilter %d", id)
	f.Mu.Lock()
	defer f.Mu.Unlock()
	f.Filters = slices.DeleteFunc(f.Filters, func(s model.SavedFilter) bool { return s.ID == id })
	return nil
}

func (f *FakeStore) DataVersion(context.Context) (int64, error) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	return f.Version, nil
}

func (s *FakeStore) ListKeysHead(ctx context.Context, limit int) ([]model.Key, int, error) {
	return ListedFrom{s}.ListKeysHead(ctx, limit)
}

func (s *FakeStore) ListKeyTable(ctx context.Context) (*model.KeyTable, error) {
	return ListedFrom{s}.ListKeyTable(ctx)
}

// threeKeys is a small store: names sort alpha < bravo < charlie, groups the other way round.
func ThreeKeys() *FakeStore {
	a := TestKey(1, "alpha", "Web Frontends")
	b := TestKey(2, "bravo", "Laptops")
	c := TestKey(3, "charlie", "Database Servers")
	b.Description = "the build box"
	return NewFake(a, b, c)
}
