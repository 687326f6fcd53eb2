package uitest

import (
	"context"
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
	_ "github.com/charmbracelet/x/exp/golden" // defines -update for RequireGolden

	"provkeys/internal/testcert"
	"provkeys/model"
)

// viewsStore is the Keys view's fake with what the Machine Groups, Certificates and Audit
// views need on top: every group input recorded whole, a real CA check on import (as the
// store does it), in-use refusals that name keys, and an audit trail of the test's own.
type ViewsStore struct {
	*FakeStore
	Vmu          sync.Mutex
	inputs       []string // "create|update ID VERSION: NAME|DESCRIPTION|ENABLED"
	Imported     []string // PEM texts the store was given
	ImportedKeys []string // private keys ImportCertWithKey was given, beside them
	Audit        []model.AuditEvent
	Limits       []int
	GroupUsers   map[int64][]string
	CertUsers    map[int64][]string
	CreateErr    error // returned by CreateGroup once, if set
	UpdateErr    error // returned by UpdateGroup once, if set
	ImportErr    error // returned by ImportCert once, if set
}

func NewViewsStore() *ViewsStore {
	f := NewFake(TestKey(1, "web-01", "Database Servers"))
	f.Groups[0].Description = "Postgres primaries in Frankfurt"
	f.Groups[0].KeyCount = 2
	f.Groups[1].Description = "Staff laptops"
	for i := range f.Groups {
		f.Groups[i].CreatedAt, f.Groups[i].CreatedBy = TestNow.Add(-72*time.Hour), "alice"
		f.Groups[i].UpdatedAt, f.Groups[i].UpdatedBy = TestNow.Add(-time.Duration(i+1)*time.Hour), "bob"
	}
	f.Certs[0].Issuer, f.Certs[0].KeyCount = "CN=Root CA", 1
	f.Certs[1].Issuer = "CN=Root CA"
	f.Certs[0].CreatedAt, f.Certs[0].CreatedBy = TestNow.Add(-96*time.Hour), "alice"
	f.Certs = append(f.Certs, model.Cert{ID: 3, Name: "Old Partner", Subject: "CN=Partner CA,O=Acme", Issuer: "CN=Partner CA,O=Acme",
		NotAfter: TestNow.Add(-24 * time.Hour)})
	return &ViewsStore{FakeStore: f, Audit: sampleAudit(), GroupUsers: map[int64][]string{}, CertUsers: map[int64][]string{}}
}

// sampleAudit is an audit trail in no particular order.
func sampleAudit() []model.AuditEvent {
	return []model.AuditEvent{
		{ID: 1, At: TestNow.Add(-3 * time.Hour), Actor: "alice", Role: model.RoleAdmin, Action: model.ActionCreate,
			ObjectType: model.ObjectGroup, ObjectID: 2, ObjectName: "Laptops",
			New: `{"name":"Laptops","description":"","enabled":true,"version":1}`, Result: "ok"},
		{ID: 3, At: TestNow.Add(-1 * time.Hour), Actor: "bob", Role: model.RoleViewer, Remote: "203.0.113.9:52144",
			Action: model.ActionExport, ObjectType: model.ObjectKey, ObjectID: 1, ObjectName: "web-01",
			Result: "not allowed for your role"},
		{ID: 2, At: TestNow.Add(-2 * time.Hour), Actor: "alice", Role: model.RoleAdmin, Action: model.ActionUpdate,
			ObjectType: model.ObjectGroup, ObjectID: 2, ObjectName: "Laptops",
			Old: `{"name":"Laptops","description":"","enabled":true,"version":1}`,
			New: `{"name":"Laptops","description":"Staff laptops","enabled":false,"version":2}`, Result: "ok"},
	}
}

func (s *ViewsStore) note(list *[]string, format string, args ...any) {
	s.Vmu.Lock()
	defer s.Vmu.Unlock()
	*list = append(*list, fmt.Sprintf(format, args...))
}

func (s *ViewsStore) Got() []string {
	s.Vmu.Lock()
	defer s.Vmu.Unlock()
	return slices.Clone(s.inputs)
}

func (s *ViewsStore) CreateGroup(ctx context.Context, in model.GroupInput) (model.Group, error) {
	s.note(&s.inputs, "create: %s|%s|%v", in.Name, in.Description, in.Enabled)
	if err := s.takeErr(&s.CreateErr); err != nil {
		return model.Group{}, err
	}
	return s.FakeStore.CreateGroup(ctx, in)
}

func (s *ViewsStore) UpdateGroup(ctx context.Context, id, version int64, in model.GroupInput) (model.Group, error) {
	s.note(&s.inputs, "update %d %d: %s|%s|%v", id, version, in.Name, in.Description, in.Enabled)
	if err := s.takeErr(&s.UpdateErr); err != nil {
		return model.Group{}, err
	}
	return s.FakeStore.UpdateGroup(ctx, id, version, in)
}

func (s *ViewsStore) takeErr(e *error) error {
	s.Vmu.Lock()
	defer s.Vmu.Unlock()
	err := *e
	*e = nil
	return err
}

func (s *ViewsStore) DeleteGroup(ctx context.Context, id, version int64) error {
	s.Vmu.Lock()
	users := s.GroupUsers[id]
	s.Vmu.Unlock()
	if len(users) > 0 {
		s.record("DeleteGroup %d %d", id, version)
		return &model.InUseError{Object: "machine group " + s.groupName(id), Users: users}
	}
	return s.FakeStore.DeleteGroup(ctx, id, version)
}

func (s *ViewsStore) groupName(id int64) string {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	for _, g := range s.Groups {
		if g.ID == id {
			return fmt.Sprintf("%q", g.Name)
		}
	}
	return fmt.Sprintf("#%d", id)
}

// ImportCert refuses what the store refuses: anything but one PEM X.509 CA certificate.
func (s *ViewsStore) ImportCert(ctx context.Context, name, pemText string) (model.Cert, error) {
	s.note(&s.Imported, "%s", pemText)
	if err := s.takeErr(&s.ImportErr); err != nil {
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
	out, err := s.FakeStore.ImportCert(ctx, name, pemText)
	if err == nil {
		s.Mu.Lock()
		s.Certs[len(s.Certs)-1].Subject = c.Subject.String()
		s.Certs[len(s.Certs)-1].NotAfter = c.NotAfter
		out = s.Certs[len(s.Certs)-1]
		s.Mu.Unlock()
	}
	return out, err
}

// ImportCertWithKey checks the certificate as ImportCert does and records the key beside it.
func (s *ViewsStore) ImportCertWithKey(ctx context.Context, name, certPEM, keyPEM string) (model.Cert, error) {
	s.record("ImportCertWithKey %s", name)
	s.note(&s.ImportedKeys, "%s", keyPEM)
	return s.ImportCert(ctx, name, certPEM)
}

func (s *ViewsStore) DeleteCert(ctx context.Context, id int64) error {
	s.Vmu.Lock()
	users := s.CertUsers[id]
	s.Vmu.Unlock()
	if len(users) > 0 {
		s.record("DeleteCert %d", id)
		return &model.InUseError{Object: fmt.Sprintf("signing certificate #%d", id), Users: users}
	}
	return s.FakeStore.DeleteCert(ctx, id)
}

func (s *ViewsStore) ListAudit(_ context.Context, limit int) ([]model.AuditEvent, error) {
	s.Vmu.Lock()
	defer s.Vmu.Unlock()
	s.Limits = append(s.Limits, limit)
	return slices.Clone(s.Audit), nil
}

// bump makes the next poll see a change, as another process's commit would.
func (s *ViewsStore) Bump() {
	s.Mu.Lock()
	s.Version++
	s.Mu.Unlock()
}

var Viewer = model.Actor{Name: "vic", Role: model.RoleViewer}

// lineAfter fails unless the screen has a line containing first whose next line contains next.
func (d *Driver) LineAfter(first, next string) {
	d.T.Helper()
	lines := strings.Split(d.View(), "\n")
	for i := 0; i+1 < len(lines); i++ {
		if strings.Contains(lines[i], first) && strings.Contains(lines[i+1], next) {
			return
		}
	}
	d.T.Fatalf("no line %q followed by %q:\n%s", first, next, d.View())
}

// RequireGolden compares got with testdata/name; `go test ./ui/pages/X -update` rewrites it
// (the flag is the golden package's, imported here so every page's tests have it).
func RequireGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Fatalf("%s differs; got:\n%s\nwant:\n%s", path, got, want)
	}
}

// WriteCert writes a PEM certificate to a temporary file: a self-signed CA, or (ca false) a
// leaf certificate that is not a CA.
func WriteCert(t *testing.T, ca bool) string {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(42), Subject: pkix.Name{CommonName: "Test Corp CA", Organization: []string{"Test Corp"}},
		NotBefore: TestNow.Add(-time.Hour), NotAfter: TestNow.AddDate(3, 0, 0),
		BasicConstraintsValid: true, IsCA: ca,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	if !ca {
		tmpl.Subject.CommonName, tmpl.KeyUsage = "leaf.example.com", x509.KeyUsageDigitalSignature
	}
	der, _ := testcert.SelfSign(t, tmpl)
	path := filepath.Join(t.TempDir(), "cert.pem")
	if err := os.WriteFile(path, []byte(testcert.PEM("CERTIFICATE", der)), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// checkFits fails if the screen is taller or wider than w×h.
func CheckFits(t *testing.T, where string, d *Driver, w, h int) {
	t.Helper()
	lines := strings.Split(d.Raw(), "\n")
	if h > 0 && len(lines) > h {
		t.Fatalf("%s at %dx%d: %d lines", where, w, h, len(lines))
	}
	for _, l := range lines {
		if lw := ansi.StringWidth(l); lw > w {
			t.Fatalf("%s at %dx%d: a line %d wide: %q", where, w, h, lw, l)
		}
	}
}

func SendSize(d *Driver, w, h int) { d.Send(tea.WindowSizeMsg{Width: w, Height: h}) }
