package sshd

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"provkeys/model"
	"provkeys/ui"
)

// sshFakeStore is the store behind the SSH tests: a few keys and a record of every export.
// The dashboard's other methods come from the embedded nil Store and would panic if called.
type sshFakeStore struct {
	mu      sync.Mutex
	keys    []model.Key
	secrets map[int64]string
	exports []sshExportCall
	opened  []model.Actor
	// listed counts ListGroups and ListCerts calls, by method name.
	listed map[string]int
}

// sshExportCall is one ExportKey call, with the actor the store was opened as.
type sshExportCall struct {
	actor model.Actor
	id    int64
}

func newSSHFakeStore() *sshFakeStore {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return &sshFakeStore{
		keys: []model.Key{{
			ID: 1, Name: "web-01", Groups: []model.GroupRef{{ID: 1, Name: "Servers"}},
			CertName: "Client", Enabled: true, Exportable: true, Cloud: "api.private.zscaler.com",
			Fingerprint: "SHA256:abc", CreatedAt: now, UpdatedAt: now, CreatedBy: "root",
			UpdatedBy: "root", Version: 1,
		}},
		secrets: map[int64]string{1: "3|api.private.zscaler.com|" + strings.Repeat("QUJD", 96)},
	}
}

func (f *sshFakeStore) session(a model.Actor) *sshFakeSession {
	f.mu.Lock()
	f.opened = append(f.opened, a)
	f.mu.Unlock()
	return &sshFakeSession{f: f, actor: a}
}

// count records one call of method.
func (f *sshFakeStore) count(method string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.listed == nil {
		f.listed = map[string]int{}
	}
	f.listed[method]++
}

// calls is how many times method was called.
func (f *sshFakeStore) calls(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.listed[method]
}

func (f *sshFakeStore) exportCalls() []sshExportCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]sshExportCall(nil), f.exports...)
}

// sshFakeSession is the fake store as one actor; it implements Store and KeyExporter.
type sshFakeSession struct {
	ui.Store
	f     *sshFakeStore
	actor model.Actor
}

func (s *sshFakeSession) ListKeys(context.Context) ([]model.Key, error) {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	return append([]model.Key(nil), s.f.keys...), nil
}

func (s *sshFakeSession) Key(_ context.Context, id int64) (model.Key, error) {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	for _, k := range s.f.keys {
		if k.ID == id {
			return k, nil
		}
	}
	return model.Key{}, model.ErrNotFound
}

func (s *sshFakeSession) KeyByName(_ context.Context, name string) (model.Key, error) {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	for _, k := range s.f.keys {
		if strings.EqualFold(k.Name, name) {
			return k, nil
		}
	}
	return model.Key{}, model.ErrNotFound
}

func (s *sshFakeSession) ExportKey(_ context.Context, id int64) (string, error) {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	s.f.exports = append(s.f.exports, sshExportCall{actor: s.actor, id: id})
	if !s.actor.Role.Can(model.ActionExport) {
		return "", model.ErrForbidden
	}
	secret, ok := s.f.secrets[id]
	if !ok {
		return "", model.ErrNotFound
	}
	return secret, nil
}

func (s *sshFakeSession) RevealKey(ctx context.Context, id int64) (string, error) {
	return s.ExportKey(ctx, id)
}

func (s *sshFakeSession) ReleaseKey(ctx context.Context, id int64, _ model.Action) (string, error) {
	return s.ExportKey(ctx, id)
}

func (s *sshFakeSession) AuditKeyUse(context.Context, int64, model.Action, error) error { return nil }

func (s *sshFakeSession) ListGroups(context.Context) ([]model.Group, error) {
	s.f.count("ListGroups")
	return []model.Group{{ID: 1, Name: "Servers", Enabled: true, KeyCount: 1, Version: 1}}, nil
}

func (s *sshFakeSession) ListCerts(context.Context) ([]model.Cert, error) {
	s.f.count("ListCerts")
	return []model.Cert{{ID: 1, Name: "Client", KeyCount: 1}}, nil
}

// CertCanSign: the one certificate holds its key, as the store's generated CAs do.
func (s *sshFakeSession) CertCanSign(context.Context, string) (bool, error) { return true, nil }

func (s *sshFakeSession) ListAudit(context.Context, int) ([]model.AuditEvent, error) {
	return nil, nil
}

func (s *sshFakeSession) ListFilters(context.Context) ([]model.SavedFilter, error) {
	return nil, nil
}

func (s *sshFakeSession) DataVersion(context.Context) (int64, error) { return 1, nil }

// sshSyncBuffer is a bytes.Buffer safe for a writer goroutine and a reading test.
type sshSyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *sshSyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *sshSyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// sshWaitFor waits until cond holds for the buffer's text, failing with the text otherwise.
func sshWaitFor(t *testing.T, b *sshSyncBuffer, what string, cond func(string) bool) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if s := b.String(); cond(s) {
			return s
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s; got:\n%q", what, b.String())
	return ""
}

// sshTestKey is a client key whose private half the test keeps, to hand OpenSSH a file.
type sshTestKey struct {
	gossh.Signer
	priv ed25519.PrivateKey
}

// sshNewSigner makes a fresh ed25519 client key.
func sshNewSigner(t *testing.T) sshTestKey {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return sshTestKey{Signer: s, priv: priv}
}

// file writes the private key in OpenSSH format (mode 0600) into dir and returns its path.
func (k sshTestKey) file(t *testing.T, dir, name string) string {
	t.Helper()
	block, err := gossh.MarshalPrivateKey(k.priv, name)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// sshAuthorizedLine is an operators-file line for key.
func sshAuthorizedLine(role string, key gossh.PublicKey, name string) string {
	return "role=" + role + " " + strings.TrimSpace(string(gossh.MarshalAuthorizedKey(key))) + " " + name
}

// sshWriteFile writes an operators file (mode 0600) atomically, as an editor would.
func sshWriteFile(t *testing.T, path, text string) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err := os.WriteFile(tmp, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// sshDial connects with public-key authentication using signers.
func sshDial(addr string, signers ...gossh.Signer) (*gossh.Client, error) {
	return gossh.Dial("tcp", addr, &gossh.ClientConfig{
		User:            "operator",
		Auth:            []gossh.AuthMethod{gossh.PublicKeys(signers...)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		Timeout:         5 * time.Second,
	})
}

// sshRun runs cmd in a new session without a PTY and returns stdout, stderr and the exit
// status.
func sshRun(t *testing.T, c *gossh.Client, cmd string) (stdout, stderr string, code int) {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	var out, errb bytes.Buffer
	sess.Stdout, sess.Stderr = &out, &errb
	code = sshExitCode(t, sess.Run(cmd), &out, &errb)
	return out.String(), errb.String(), code
}

func sshExitCode(t *testing.T, err error, out, errb *bytes.Buffer) int {
	t.Helper()
	var exit *gossh.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return exit.ExitStatus()
	}
	t.Fatalf("session: %v (stdout %q, stderr %q)", err, out, errb)
	return -1
}

// sshLocalAddr is the client side of c, which the server sees as the remote address.
func sshLocalAddr(c *gossh.Client) string { return c.LocalAddr().(*net.TCPAddr).String() }

func (s *sshFakeSession) ListKeysHead(ctx context.Context, limit int) ([]model.Key, int, error) {
	return listedFrom{s}.ListKeysHead(ctx, limit)
}

func (s *sshFakeSession) ListKeyTable(ctx context.Context) (*model.KeyTable, error) {
	return listedFrom{s}.ListKeyTable(ctx)
}

// The fake sessions have no saved Keys columns; the dashboard asks once it has keys.
func (s *sshFakeSession) ListMachines(context.Context, int64) ([]model.Machine, error) {
	return nil, nil
}
func (s *sshFakeSession) ActiveMachineCount(context.Context, int64) (int, error) { return 0, nil }
func (s *sshFakeSession) KeyActivity(_ context.Context, _ int64, _ time.Time, days int) (model.KeyActivity, error) {
	return model.KeyActivity{PerDay: make([]int, days)}, nil
}
func (s *sshFakeSession) ActiveMachineCounts(context.Context) (map[int64]int, error) {
	return nil, nil
}
func (s *sshFakeSession) KeyColumns(context.Context) ([]string, error)   { return nil, nil }
func (s *sshFakeSession) SaveKeyColumns(context.Context, []string) error { return nil }
