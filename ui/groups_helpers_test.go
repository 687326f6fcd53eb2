package ui

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"provkeys/model"
)

// viewsStore is the Keys view's fake with what the Machine Groups, Certificates and Audit
// views need on top: every group input recorded whole, a real CA check on import (as the
// store does it), in-use refusals that name keys, and an audit trail of the test's own.
type viewsStore struct {
	*fakeStore
	vmu        sync.Mutex
	inputs     []string // "create|update ID VERSION: NAME|DESCRIPTION|ENABLED"
	imported   []string // PEM texts the store was given
	audit      []model.AuditEvent
	limits     []int
	groupUsers map[int64][]string
	certUsers  map[int64][]string
	createErr  error // returned by CreateGroup once, if set
	updateErr  error // returned by UpdateGroup once, if set
	importErr  error // returned by ImportCert once, if set
}

func newViewsStore() *viewsStore {
	f := newFake(testKey(1, "web-01", "Database Servers"))
	f.groups[0].Description = "Postgres primaries in Frankfurt"
	f.groups[0].KeyCount = 2
	f.groups[1].Description = "Staff laptops"
	for i := range f.groups {
		f.groups[i].CreatedAt, f.groups[i].CreatedBy = testNow.Add(-72*time.Hour), "alice"
		f.groups[i].UpdatedAt, f.groups[i].UpdatedBy = testNow.Add(-time.Duration(i+1)*time.Hour), "bob"
	}
	f.certs[0].Issuer, f.certs[0].KeyCount = "CN=Root CA", 1
	f.certs[1].Issuer = "CN=Root CA"
	f.certs[0].CreatedAt, f.certs[0].CreatedBy = testNow.Add(-96*time.Hour), "alice"
	f.certs = append(f.certs, model.Cert{ID: 3, Name: "Old Partner", Subject: "CN=Partner CA,O=Acme", Issuer: "CN=Partner CA,O=Acme",
		NotAfter: testNow.Add(-24 * time.Hour)})
	return &viewsStore{fakeStore: f, audit: sampleAudit(), groupUsers: map[int64][]string{}, certUsers: map[int64][]string{}}
}

// sampleAudit is an audit trail in no particular order.
func sampleAudit() []model.AuditEvent {
	return []model.AuditEvent{
		{ID: 1, At: testNow.Add(-3 * time.Hour), Actor: "alice", Role: model.RoleAdmin, Action: model.ActionCreate,
			ObjectType: model.ObjectGroup, ObjectID: 2, ObjectName: "Laptops",
			New: `{"name":"Laptops","description":"","enabled":true,"version":1}`, Result: "ok"},
		{ID: 3, At: testNow.Add(-1 * time.Hour), Actor: "bob", Role: model.RoleViewer, Remote: "203.0.113.9:52144",
			Action: model.ActionExport, ObjectType: model.ObjectKey, ObjectID: 1, ObjectName: "web-01",
			Result: "not allowed for your role"},
		{ID: 2, At: testNow.Add(-2 * time.Hour), Actor: "alice", Role: model.RoleAdmin, Action: model.ActionUpdate,
			ObjectType: model.ObjectGroup, ObjectID: 2, ObjectName: "Laptops",
			Old: `{"name":"Laptops","description":"","enabled":true,"version":1}`,
			New: `{"name":"Laptops","description":"Staff laptops","enabled":false,"version":2}`, Result: "ok"},
	}
}

func (s *viewsStore) note(list *[]string, format string, args ...any) {
	s.vmu.Lock()
	defer s.vmu.Unlock()
	*list = append(*list, fmt.Sprintf(format, args...))
}

func (s *viewsStore) got() []string {
	s.vmu.Lock()
	defer s.vmu.Unlock()
	return slices.Clone(s.inputs)
}

func (s *viewsStore) CreateGroup(ctx context.Context, in model.GroupInput) (model.Group, error) {
	s.note(&s.inputs, "create: %s|%s|%v", in.Name, in.Description, in.Enabled)
	if err := s.takeErr(&s.createErr); err != nil {
		return model.Group{}, err
	}
	return s.fakeStore.CreateGroup(ctx, in)
}

func (s *viewsStore) UpdateGroup(ctx context.Context, id, version int64, in model.GroupInput) (model.Group, error) {
	s.note(&s.inputs, "update %d %d: %s|%s|%v", id, version, in.Name, in.Description, in.Enabled)
	if err := s.takeErr(&s.updateErr); err != nil {
		return model.Group{}, err
	}
	return s.fakeStore.UpdateGroup(ctx, id, version, in)
}

func (s *viewsStore) takeErr(e *error) error {
	s.vmu.Lock()
	defer s.vmu.Unlock()
	err := *e
	*e = nil
	return err
}

func (s *viewsStore) DeleteGroup(ctx context.Context, id, version int64) error {
	s.vmu.Lock()
	users := s.groupUsers[id]
	s.vmu.Unlock()
	if len(users) > 0 {
		s.record("DeleteGroup %d %d", id, version)
		return &model.InUseError{Object: "machine group " + s.groupName(id), Users: users}
	}
	return s.fakeStore.DeleteGroup(ctx, id, version)
}

func (s *viewsStore) groupName(id int64) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range s.groups {
		if g.ID == id {
			return fmt.Sprintf("%q", g.Name)
		}
	}
	return fmt.Sprintf("#%d", id)
}

// ImportCert refuses what the store refuses: anything but one PEM X.509 CA certificate.
func (s *viewsStore) ImportCert(ctx context.Context, name, pemText string) (model.Cert, error) {
	s.note(&s.imported, "%s", pemText)
	if err := s.takeErr(&s.importErr); err != nil {
		return model.Cert{}, err
	}
	if err := model.ValidateName(model.FieldName, name); err != nil {
		return model.Cert{}, err
	}
	bad := func(msg string) error { return &model.ValidationError{Field: "certificate", Msg: msg} }
	block, _ := pem.Decode([]byte(pemText))
	if block == nil || block.Type != "CERTIFICATE" {
		return model.Cert{}, bad("no PEM block found (want -----BEGIN CERTIFICATE-----)")
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return model.Cert{}, bad("not a valid X.509 certificate: " + err.Error())
	}
	if !c.BasicConstraintsValid || !c.IsCA {
		return model.Cert{}, bad("not a CA certificate (its basic constraints do not say CA:TRUE)")
	}
	out, err := s.fakeStore.ImportCert(ctx, name, pemText)
	if err == nil {
		s.mu.Lock()
		s.certs[len(s.certs)-1].Subject = c.Subject.String()
		s.certs[len(s.certs)-1].NotAfter = c.NotAfter
		out = s.certs[len(s.certs)-1]
		s.mu.Unlock()
	}
	return out, err
}

func (s *viewsStore) DeleteCert(ctx context.Context, id int64) error {
	s.vmu.Lock()
	users := s.certUsers[id]
	s.vmu.Unlock()
	if len(users) > 0 {
		s.record("DeleteCert %d", id)
		return &model.InUseError{Object: fmt.Sprintf("signing certificate #%d", id), Users: users}
	}
	return s.fakeStore.DeleteCert(ctx, id)
}

func (s *viewsStore) ListAudit(_ context.Context, limit int) ([]model.AuditEvent, error) {
	s.vmu.Lock()
	defer s.vmu.Unlock()
	s.limits = append(s.limits, limit)
	return slices.Clone(s.audit), nil
}

// bump makes the next poll see a change, as another process's commit would.
func (s *viewsStore) bump() {
	s.mu.Lock()
	s.version++
	s.mu.Unlock()
}

var viewer = model.Actor{Name: "vic", Role: model.RoleViewer}

// openView starts the dashboard on st and switches to view n (1 groups, 2 certs, 3 audit).
func openView(t *testing.T, st Store, actor model.Actor, n int) *driver {
	t.Helper()
	d := newDriver(t, st, actor, Options{})
	for range n {
		d.press("tab")
	}
	return d
}

func (d *driver) groups() *groupsPage { return d.m.pages[1].(*groupsPage) }
func (d *driver) certs() *certsPage   { return d.m.pages[2].(*certsPage) }
func (d *driver) audit() *auditPage   { return d.m.pages[3].(*auditPage) }

// lineAfter fails unless the screen has a line containing first whose next line contains next.
func (d *driver) lineAfter(first, next string) {
	d.t.Helper()
	lines := strings.Split(d.view(), "\n")
	for i := 0; i+1 < len(lines); i++ {
		if strings.Contains(lines[i], first) && strings.Contains(lines[i+1], next) {
			return
		}
	}
	d.t.Fatalf("no line %q followed by %q:\n%s", first, next, d.view())
}

// requireGolden compares got with testdata/name; `go test ./ui -update` rewrites it (the
// flag is the golden package's, shared with the Keys view's golden tests).
func requireGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./ui -update to create it)", err)
	}
	if string(want) != got {
		t.Fatalf("%s differs; got:\n%s\nwant:\n%s", path, got, want)
	}
}

// writeCert writes a PEM certificate to a temporary file: a self-signed CA, or (ca false) a
// leaf certificate that is not a CA.
func writeCert(t *testing.T, ca bool) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(42), Subject: pkix.Name{CommonName: "Test Corp CA", Organization: []string{"Test Corp"}},
		NotBefore: testNow.Add(-time.Hour), NotAfter: testNow.AddDate(3, 0, 0),
		BasicConstraintsValid: true, IsCA: ca,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	if !ca {
		tmpl.Subject.CommonName, tmpl.KeyUsage = "leaf.example.com", x509.KeyUsageDigitalSignature
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "cert.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// checkFits fails if the screen is taller or wider than w×h.
func checkFits(t *testing.T, where string, d *driver, w, h int) {
	t.Helper()
	lines := strings.Split(d.raw(), "\n")
	if h > 0 && len(lines) > h {
		t.Fatalf("%s at %dx%d: %d lines", where, w, h, len(lines))
	}
	for _, l := range lines {
		if lw := ansi.StringWidth(l); lw > w {
			t.Fatalf("%s at %dx%d: a line %d wide: %q", where, w, h, lw, l)
		}
	}
}

func sendSize(d *driver, w, h int) { d.send(tea.WindowSizeMsg{Width: w, Height: h}) }
