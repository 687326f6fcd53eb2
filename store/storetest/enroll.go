package storetest

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"provkeys/internal/testcert"
	"provkeys/model"
	"provkeys/store"
	"provkeys/store/ca"
)

func enrollReq(secret, machine string, t testing.TB) model.EnrollRequest {
	return model.EnrollRequest{Key: secret, Machine: machine, CSR: testcert.CSR(t, machine), Remote: "198.51.100.4:40000"}
}

// mustEnroll enrolls each machine named, in order, with the key whose secret is given, and
// returns the machines; any refusal fails the test.
func mustEnroll(t testing.TB, s store.Store, secret string, machines ...string) []model.Machine {
	t.Helper()
	out := make([]model.Machine, len(machines))
	for i, m := range machines {
		e, err := s.Enroll(testCtx(t), enrollReq(secret, m, t), 0)
		if err != nil {
			t.Fatalf("enroll %q: %v", m, err)
		}
		out[i] = e.Machine
	}
	return out
}

// writes is what a refused enrollment must leave unchanged: machines, audit rows, uses.
func writes(t testing.TB, s store.Store) string {
	t.Helper()
	x := s.Session(admin)
	ctx := testCtx(t)
	ms, err := x.ListMachines(ctx, 0)
	if err != nil {
		t.Fatalf("ListMachines: %v", err)
	}
	keys, err := x.ListKeys(ctx)
	if err != nil {
		t.Fatalf("ListKeys: %v", err)
	}
	var usage int64
	for _, k := range keys {
		usage += k.UsageCount
	}
	return fmt.Sprintf("machines=%d audit=%d usage=%d", len(ms), len(auditEvents(t, s)), usage)
}

func testEnrollIssuesVerifiableCertificate(t *testing.T, open Opener) {
	s := open(t)
	x := s.Session(admin)
	k, secret := mustKey(t, x, keyInput("fleet"))
	e, err := s.Enroll(testCtx(t), enrollReq(secret, "web-01", t), 30)
	if err != nil {
		t.Fatalf("Enroll: %v", err)
	}
	block, _ := pem.Decode([]byte(e.Certificate))
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	rest := []byte(e.Chain)
	var chain []*x509.Certificate
	for {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		c, _ := x509.ParseCertificate(b.Bytes)
		chain = append(chain, c)
	}
	if len(chain) != 2 || chain[0].Subject.CommonName != "provkeys Client CA" || chain[1].Subject.CommonName != "provkeys Root CA" {
		t.Fatalf("chain has %d certificates", len(chain))
	}
	inter.AddCert(chain[0])
	roots.AddCert(chain[1])
	if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Fatalf("verify: %v", err)
	}
	if cert.Subject.CommonName != "web-01" || strings.Join(cert.Subject.OrganizationalUnit, ",") != "Servers" {
		t.Errorf("subject %v", cert.Subject)
	}
	if d := cert.NotAfter.Sub(e.Machine.EnrolledAt); d > 30*24*time.Hour || d < 30*24*time.Hour-30*time.Second || !cert.NotAfter.Equal(e.Machine.NotAfter) {
		t.Errorf("validity %v (not after %v, stored %v), want 30 days", d, cert.NotAfter, e.Machine.NotAfter)
	}
	m := e.Machine
	if m.Serial != ca.SerialHex(cert.SerialNumber) || m.KeyID != k.ID || !m.UsedUse || m.Remote != "198.51.100.4:40000" {
		t.Errorf("machine %+v", m)
	}
	got, err := x.MachineByName(testCtx(t), "WEB-01")
	if err != nil || got.ID != m.ID || !got.NotAfter.Equal(m.NotAfter) || got.Serial != m.Serial {
		t.Fatalf("MachineByName = %+v, %v", got, err)
	}
	if k2, _ := x.Key(testCtx(t), k.ID); k2.UsageCount != 1 || k2.Version != k.Version {
		t.Errorf("usage %d version %d (want 1, unchanged %d)", k2.UsageCount, k2.Version, k.Version)
	}
	if n := countAudit(t, s, func(e model.AuditEvent) bool {
		return e.Action == model.ActionEnroll && e.Actor == "web-01" && e.Role == model.RoleMachine &&
			e.Remote == "198.51.100.4:40000" && e.ObjectType == model.ObjectMachine && e.ObjectID == m.ID && e.Result == "ok"
	}); n != 1 {
		t.Errorf("%d enroll audit rows", n)
	}
	if n := countAudit(t, s, func(e model.AuditEvent) bool {
		return strings.Contains(e.Old+e.New+e.Result, secret[len(secret)-40:])
	}); n != 0 {
		t.Error("the key appears in the audit trail")
	}
}

// testEnrollCarriesEveryGroup: a machine's certificate and its record name every group of
// its key, sorted case-insensitively, on a first enrollment and on a re-enrollment (when the
// machine's active enrollment is read with them).
func testEnrollCarriesEveryGroup(t *testing.T, open Opener) {
	s := open(t)
	x := s.Session(admin)
	for _, g := range []string{"zeta", "Alpha", "beta"} {
		mustGroup(t, x, g)
	}
	in := reenrollableKeyInput("fleet")
	in.Groups = []string{"zeta", "Servers", "beta", "Alpha"}
	_, secret := mustKey(t, x, in)
	want := "Alpha,beta,Servers,zeta"
	for _, step := range []string{"enrollment", "re-enrollment"} {
		e, err := s.Enroll(testCtx(t), enrollReq(secret, "web-01", t), 0)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		block, _ := pem.Decode([]byte(e.Certificate))
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		// The certificate's OUs are one DER SET, which keeps its own order.
		ous := slices.SortedFunc(slices.Values(cert.Subject.OrganizationalUnit), func(a, b string) int {
			return strings.Compare(strings.ToLower(a), strings.ToLower(b))
		})
		if got := strings.Join(ous, ","); got != want {
			t.Errorf("%s: certificate's groups %q, want %q", step, got, want)
		}
		if got := strings.Join(e.Machine.Groups, ","); got != want {
			t.Errorf("%s: machine's groups %q, want %q", step, got, want)
		}
	}
}

func testEnrollRefusals(t *testing.T, open Opener) {
	s, x, ctx := openAsAdmin(t, open)
	disabled := keyInput("off")
	disabled.Enabled = false
	kOff, secretOff := mustKey(t, x, disabled)
	expired := keyInput("old")
	expired.ExpiresAt = now().Add(-time.Hour)
	kExp, secretExp := mustKey(t, x, expired)
	unknown, _, _ := x.CreateKey(ctx, keyInput("gone"))
	_, secretUnknown := mustKey(t, x, keyInput("gone2"))
	if err := x.DeleteKey(ctx, unknown.ID, unknown.Version); err != nil {
		t.Fatal(err)
	}
	k2, _ := x.KeyByName(ctx, "gone2")
	if err := x.DeleteKey(ctx, k2.ID, k2.Version); err != nil {
		t.Fatal(err)
	}
	_, good := mustKey(t, x, keyInput("good"))
	var messages []string
	for _, tt := range []struct {
		name   string
		req    model.EnrollRequest
		want   error
		field  string
		keyID  int64
		reason string
	}{
		{name: "disabled", req: enrollReq(secretOff, "m1", t), want: model.ErrKeyRefused, keyID: kOff.ID, reason: "disabled"},
		{name: "expired", req: enrollReq(secretExp, "m1", t), want: model.ErrKeyRefused, keyID: kExp.ID, reason: "expired"},
		{name: "unknown", req: enrollReq(secretUnknown, "m1", t), want: model.ErrKeyRefused},
		{name: "not a key", req: model.EnrollRequest{Key: "3|api.example|...", Machine: "m1", CSR: testcert.CSR(t, "m1")}, field: model.FieldKey},
		{name: "bad machine name", req: model.EnrollRequest{Key: good, Machine: "m1/../x", CSR: testcert.CSR(t, "")}, field: model.FieldMachine},
		{name: "CN mismatch", req: model.EnrollRequest{Key: good, Machine: "m1", CSR: testcert.CSR(t, "m2")}, field: model.FieldCSR},
		{name: "no CSR", req: model.EnrollRequest{Key: good, Machine: "m1"}, field: model.FieldCSR},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := writes(t, s)
			_, err := s.Enroll(ctx, tt.req, 0)
			if tt.field != "" {
				var ve *model.ValidationError
				if !errors.As(err, &ve) || ve.Field != tt.field {
					t.Fatalf("err = %v, want a ValidationError on %s", err, tt.field)
				}
			} else if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), tt.req.Key) && tt.req.Key != "" {
				t.Fatal("the error quotes the key")
			}
			if after := writes(t, s); after != before {
				t.Fatalf("a refusal wrote: %s -> %s", before, after)
			}
			if tt.want == model.ErrKeyRefused {
				messages = append(messages, err.Error())
			}
			if tt.keyID != 0 {
				r, err := x.KeyRefusals(ctx, tt.keyID)
				if err != nil || r.Count != 1 || !strings.Contains(r.LastReason, tt.reason) {
					t.Fatalf("refusals = %+v, %v", r, err)
				}
			}
		})
	}
	if len(messages) != 3 || messages[0] != messages[1] || messages[1] != messages[2] {
		t.Fatalf("unknown, disabled and expired keys are told apart: %q", messages)
	}
}

// testEnrollUsageLimitUnderConcurrency: 100 machines race for a key with 25 uses; exactly 25
// get in, and no machine exists without its counted use.
func testEnrollUsageLimitUnderConcurrency(t *testing.T, open Opener) {
	s := open(t)
	x := s.Session(admin)
	in := keyInput("limited")
	in.MaxUsage = 25
	k, secret := mustKey(t, x, in)
	const n = 100
	reqs := make([]model.EnrollRequest, n)
	for i := range reqs {
		reqs[i] = enrollReq(secret, fmt.Sprintf("m-%02d", i), t)
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range reqs {
		wg.Go(func() { _, errs[i] = s.Enroll(testCtx(t), reqs[i], 0) })
	}
	wg.Wait()
	ok, noUses := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, model.ErrNoUsesLeft):
			noUses++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	ms, err := x.ListMachines(testCtx(t), k.ID)
	if err != nil {
		t.Fatal(err)
	}
	machines := 0
	for _, m := range ms {
		if m.UsedUse && m.Active() {
			machines++
		}
	}
	k, err = x.Key(testCtx(t), k.ID)
	if err != nil {
		t.Fatal(err)
	}
	usage := k.UsageCount
	if ok != 25 || noUses != 75 || machines != 25 || len(ms) != 25 || usage != 25 {
		t.Fatalf("ok %d, no uses %d, machines %d of %d, usage %d; want exactly 25", ok, noUses, machines, len(ms), usage)
	}
	if r, _ := x.KeyRefusals(testCtx(t), k.ID); r.Count != 75 {
		t.Fatalf("refusal count %d", r.Count)
	}
}

func testReenroll(t *testing.T, open Opener) {
	s, x, ctx := openAsAdmin(t, open)
	in := keyInput("once")
	in.MaxUsage = 1
	_, secret := mustKey(t, x, in)
	mustEnroll(t, s, secret, "web-01")
	before := writes(t, s)
	if _, err := s.Enroll(ctx, enrollReq(secret, "Web-01", t), 0); !errors.Is(err, model.ErrAlreadyEnrolled) {
		t.Fatalf("re-enrollment without permission: %v", err)
	}
	if writes(t, s) != before {
		t.Fatal("the refused re-enrollment wrote")
	}
	in.AllowReenroll = true
	in.Name = "again"
	kr, secret2 := mustKey(t, x, in)
	a := mustEnroll(t, s, secret2, "db-01")[0]
	b, err := s.Enroll(ctx, enrollReq(secret2, "db-01", t), 0) // max usage 1: no use consumed
	if err != nil {
		t.Fatalf("re-enrollment: %v", err)
	}
	if b.Machine.Serial == a.Serial || b.Machine.UsedUse {
		t.Fatalf("re-enrollment %+v", b.Machine)
	}
	if old, _ := x.Machine(ctx, a.ID); old.Active() {
		t.Fatal("the replaced certificate is not revoked")
	}
	if k, _ := x.Key(ctx, kr.ID); k.UsageCount != 1 {
		t.Fatalf("usage %d after a re-enrollment", k.UsageCount)
	}
	if _, err := s.Enroll(ctx, enrollReq(secret2, "db-02", t), 0); !errors.Is(err, model.ErrNoUsesLeft) {
		t.Fatalf("a second machine on a one-use key: %v", err)
	}
	if n := auditRows(t, s, model.ObjectMachine, model.ActionReenroll, b.Machine.ID); n != 1 {
		t.Fatalf("%d reenroll rows", n)
	}

	// A re-enrollment takes no use, so a key whose max usage was lowered below its count
	// still re-enrolls its machines (and admits no new one).
	in.Name, in.MaxUsage = "lowered", 2
	kl, secret3 := mustKey(t, x, in)
	mustEnroll(t, s, secret3, "app-01", "app-02")
	kl, _ = x.Key(ctx, kl.ID)
	in.MaxUsage = 1
	if _, err := x.UpdateKey(ctx, kl.ID, kl.Version, in); err != nil {
		t.Fatalf("lowering max usage below the count: %v", err)
	}
	if _, err := s.Enroll(ctx, enrollReq(secret3, "app-01", t), 0); err != nil {
		t.Fatalf("re-enrollment on a key over its lowered limit: %v", err)
	}
	if _, err := s.Enroll(ctx, enrollReq(secret3, "app-03", t), 0); !errors.Is(err, model.ErrNoUsesLeft) {
		t.Fatalf("a new machine on a key over its lowered limit: %v", err)
	}
	if k, _ := x.Key(ctx, kl.ID); k.UsageCount != 2 || k.LastMachine != "app-01" {
		t.Fatalf("usage %d, last machine %q after the re-enrollment", k.UsageCount, k.LastMachine)
	}
}

func testEnrollWithErasedMaterial(t *testing.T, open Opener) {
	s := open(t)
	in := keyInput("sealed")
	in.Exportable = false
	_, secret := mustKey(t, s.Session(admin), in)
	if _, err := s.Enroll(testCtx(t), enrollReq(secret, "m", t), 0); err != nil {
		t.Fatalf("a key without material did not enroll: %v", err)
	}
}

// newTestCA is a self-signed P-256 CA and its PEM key.
func newTestCA(t testing.TB, cn string) (certPEM, keyPEM string) {
	der, key := testcert.SelfSign(t, &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0),
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, BasicConstraintsValid: true, IsCA: true})
	return ca.EncodeDER(der), testcert.KeyPEM(t, key)
}

func testImportedCAs(t *testing.T, open Opener) {
	s, x, ctx := openAsAdmin(t, open)
	certA, keyA := newTestCA(t, "Corp CA")
	certB, keyB := newTestCA(t, "Other CA")
	if _, err := x.ImportCertWithKey(ctx, "Corp", certA, keyB); err == nil {
		t.Fatal("a certificate was imported with another CA's key")
	}
	if _, err := x.ImportCertWithKey(ctx, "Corp", certA, keyA); err != nil {
		t.Fatal(err)
	}
	if _, err := x.ImportCert(ctx, "Verify", certB); err != nil {
		t.Fatal(err)
	}
	_ = keyB
	for name, want := range map[string]bool{"Corp": true, "verify": false, "Client": true} {
		if can, err := x.CertCanSign(ctx, name); err != nil || can != want {
			t.Errorf("CertCanSign(%s) = %v, %v", name, can, err)
		}
	}
	corp := keyInput("corp")
	corp.Cert = "Corp"
	_, secret := mustKey(t, x, corp)
	e, err := s.Enroll(ctx, enrollReq(secret, "m", t), 0)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(e.Chain, strings.TrimSpace(certA)) || strings.Count(e.Chain, "BEGIN") != 1 {
		t.Fatalf("chain of a self-signed CA:\n%s", e.Chain)
	}
	vo := keyInput("vo")
	vo.Cert = "Verify"
	kvo, secretVO := mustKey(t, x, vo)
	before := writes(t, s)
	_, err = s.Enroll(ctx, enrollReq(secretVO, "m", t), 0)
	if !errors.Is(err, model.ErrCannotSign) || !strings.Contains(err.Error(), "verify only") {
		t.Fatalf("verify-only CA: %v", err)
	}
	if writes(t, s) != before {
		t.Fatal("the refusal wrote")
	}
	if r, _ := x.KeyRefusals(ctx, kvo.ID); r.Count != 1 || !strings.Contains(r.LastReason, "verify only") {
		t.Fatalf("refusals %+v", r)
	}
}

func testRevocationAndCRL(t *testing.T, open Opener) {
	s, x, ctx := openAsAdmin(t, open)
	k, secret := mustKey(t, x, keyInput("fleet"))
	ms := mustEnroll(t, s, secret, "a", "b", "c")
	if _, err := s.Session(viewer).RevokeMachine(ctx, ms[0].ID); !errors.Is(err, model.ErrForbidden) {
		t.Fatalf("viewer revoked: %v", err)
	}
	if _, err := x.RevokeMachine(ctx, ms[0].ID); err != nil {
		t.Fatal(err)
	}
	var ve *model.ValidationError
	if _, err := x.RevokeMachine(ctx, ms[0].ID); !errors.As(err, &ve) {
		t.Fatalf("revoking twice: %v", err)
	}
	crlSerials := func() map[string]bool {
		der, err := s.CRL(ctx, "client")
		if err != nil {
			t.Fatal(err)
		}
		crl, err := x509.ParseRevocationList(der)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, e := range crl.RevokedCertificateEntries {
			out[ca.SerialHex(e.SerialNumber)] = true
		}
		return out
	}
	if got := crlSerials(); len(got) != 1 || !got[ms[0].Serial] {
		t.Fatalf("CRL %v, want %s", got, ms[0].Serial)
	}
	if n, err := x.ActiveMachineCount(ctx, k.ID); err != nil || n != 2 {
		t.Fatalf("ActiveMachineCount = %d, %v", n, err)
	}
	k, _ = x.Key(ctx, k.ID)
	if err := x.DeleteKey(ctx, k.ID, k.Version); err != nil {
		t.Fatal(err)
	}
	if got := crlSerials(); len(got) != 3 {
		t.Fatalf("after deleting the key the CRL has %d serials", len(got))
	}
	all, err := x.ListMachines(ctx, 0)
	if err != nil || len(all) != 3 {
		t.Fatalf("ListMachines = %d, %v", len(all), err)
	}
	for _, m := range all {
		if m.Active() || m.KeyID != 0 || m.KeyName != "fleet" {
			t.Errorf("machine after key deletion: %+v", m)
		}
	}
	if n := auditRows(t, s, model.ObjectMachine, model.ActionRevoke, ms[2].ID); n != 1 {
		t.Fatalf("%d revoke rows", n)
	}
	if _, err := s.CRL(ctx, "nope"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("CRL of an unknown CA: %v", err)
	}
}

func testServerTLS(t *testing.T, open Opener) {
	s := open(t)
	tc, rootPEM, err := s.ServerTLS(testCtx(t), "Root", []string{"localhost", "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(rootPEM)) {
		t.Fatal("root PEM")
	}
	if _, err := tc.Leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: "127.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	if n := countAudit(t, s, func(e model.AuditEvent) bool { return e.Action == model.ActionIssue && e.Result == "ok" }); n != 1 {
		t.Fatalf("%d issue rows", n)
	}
}

// testEnrollManyAtOnce: enrollments arriving together (the store may commit them in one
// transaction) each get their own machine, id and audit row. 48 new machines and 16
// re-enrollments of machines enrolled before run at once on a key without a usage limit,
// and 24 new machines on a key with max usage 8 next to them: every answer names the
// machine stored under its id, the uses counted are exactly the new machines admitted, and
// each enrollment has one audit row pointing at its machine.
func testEnrollManyAtOnce(t *testing.T, open Opener) {
	s, x, ctx := openAsAdmin(t, open)
	fleet, fleetSecret := mustKey(t, x, reenrollableKeyInput("fleet"))
	limited, limitedSecret := mustKey(t, x, func() model.KeyInput { in := keyInput("few"); in.MaxUsage = 8; return in }())
	for i := range 16 {
		if _, err := s.Enroll(ctx, enrollReq(fleetSecret, fmt.Sprintf("old-%02d", i), t), 0); err != nil {
			t.Fatal(err)
		}
	}
	var reqs []model.EnrollRequest
	for i := range 48 {
		reqs = append(reqs, enrollReq(fleetSecret, fmt.Sprintf("new-%02d", i), t))
	}
	for i := range 16 {
		reqs = append(reqs, enrollReq(fleetSecret, fmt.Sprintf("OLD-%02d", i), t)) // names match case-insensitively
	}
	for i := range 24 {
		reqs = append(reqs, enrollReq(limitedSecret, fmt.Sprintf("few-%02d", i), t))
	}
	got := make([]model.Enrollment, len(reqs))
	errs := make([]error, len(reqs))
	var wg sync.WaitGroup
	for i := range reqs {
		wg.Go(func() { got[i], errs[i] = s.Enroll(testCtx(t), reqs[i], 0) })
	}
	wg.Wait()

	machines, err := x.ListMachines(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[int64]model.Machine{}
	for _, m := range machines {
		byID[m.ID] = m
	}
	audited := map[int64]model.Action{}
	for _, e := range auditEvents(t, s) {
		if e.ObjectType == model.ObjectMachine && e.Result == "ok" {
			if _, twice := audited[e.ObjectID]; twice {
				t.Errorf("machine %d has two audit rows", e.ObjectID)
			}
			audited[e.ObjectID] = e.Action
		}
	}
	limitedOK := 0
	for i, r := range reqs {
		if errs[i] != nil {
			if r.Key == limitedSecret && errors.Is(errs[i], model.ErrNoUsesLeft) {
				continue
			}
			t.Errorf("enroll %s: %v", r.Machine, errs[i])
			continue
		}
		if r.Key == limitedSecret {
			limitedOK++
		}
		m, ok := byID[got[i].Machine.ID]
		if !ok || m.Name != r.Machine || m.Serial != got[i].Machine.Serial || !m.Active() {
			t.Errorf("enroll %s answered machine %d (serial %s); stored under that id: %+v",
				r.Machine, got[i].Machine.ID, got[i].Machine.Serial, m)
		}
		want := model.ActionEnroll
		if r.Machine[:3] == "OLD" {
			want = model.ActionReenroll
		}
		if audited[m.ID] != want {
			t.Errorf("enroll %s: audit action %q for machine %d, want %q", r.Machine, audited[m.ID], m.ID, want)
		}
	}
	if limitedOK != 8 {
		t.Errorf("%d enrollments on the key with max usage 8 succeeded, want 8", limitedOK)
	}
	for _, c := range []struct {
		id   int64
		want int64
	}{{fleet.ID, 16 + 48}, {limited.ID, 8}} {
		k, err := x.Key(ctx, c.id)
		if err != nil {
			t.Fatal(err)
		}
		if k.UsageCount != c.want {
			t.Errorf("key %s: %d uses counted, want %d (re-enrollments take none)", k.Name, k.UsageCount, c.want)
		}
	}
	active := 0
	for _, m := range machines {
		if m.Active() && m.KeyID == fleet.ID {
			active++
		}
	}
	if active != 64 {
		t.Errorf("%d active machines on the fleet key, want 64 (each re-enrollment replaces one)", active)
	}
}
