// Package storetest is the behaviour every store engine must show, whatever keeps the data:
// an engine's tests call Run with a function that opens a fresh, empty store of that engine
// (as Teleport's lib/backend/test suite does for its backends). Each behaviour is one t.Run,
// written against the store.Store contract only.
package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"provkeys/model"
	"provkeys/store"
)

// Opener opens a fresh, empty store (its default certificates Root and Client aside) and
// closes it when t ends.
type Opener func(t *testing.T) store.Store

// Run runs every behaviour against stores made by open.
func Run(t *testing.T, open Opener) {
	for _, b := range []struct {
		name string
		test func(*testing.T, Opener)
	}{
		{"CreateAndReadKey", testCreateAndReadKey},
		{"ListKeysSortedWithGroups", testListKeysSortedWithGroups},
		{"ListKeysHeadAndTableAgree", testListKeysHeadAndTableAgree},
		{"ListingsAreOneState", testListingsAreOneState},
		{"NamesUniqueCaseInsensitively", testDuplicateNames},
		{"CreateKeyWithSecret", testCreateKeyWithSecret},
		{"CreateKeyWithGroup", testCreateKeyWithGroup},
		{"OneSecretOneKey", testOneSecretOneKey},
		{"UnknownGroupOrCert", testUnknownGroupOrCert},
		{"UpdateKey", testUpdateKey},
		{"ExportOffErasesMaterial", testExportOffErasesMaterial},
		{"SetKeyEnabledAndDelete", testSetKeyEnabledAndDelete},
		{"RotateKey", testRotateKey},
		{"ImportKeysAllOrNothing", testImportKeysAllOrNothing},
		{"ImportKeyStream", testImportKeyStream},
		{"CreateKeysBulk", testCreateKeysBulk},
		{"OverwriteKeyLandsAndIsAuditedAsOverwrite", testOverwriteKeyLandsAndIsAuditedAsOverwrite},
		{"OverwriteKeyStaleVersionStillConflicts", testOverwriteKeyStaleVersionStillConflicts},
		{"OverwriteKeyViewerForbidden", testOverwriteKeyViewerForbidden},
		{"OverwriteKeyKeepsTheEditRules", testOverwriteKeyKeepsTheEditRules},
		{"OverwriteGroup", testOverwriteGroup},
		{"Groups", testGroups},
		{"KeyNeedsAGroup", testKeyNeedsAGroup},
		{"DefaultCertificates", testDefaultCertificates},
		{"ImportCert", testImportCert},
		{"DeleteCert", testDeleteCert},
		{"InUseNamesCapped", testInUseNamesCapped},
		{"Conflicts", testConflicts},
		{"NotFound", testNotFound},
		{"ViewerForbidden", testViewerForbidden},
		{"ContextPassesThrough", testContextPassesThrough},
		{"SavedFilters", testSavedFilters},
		{"KeyColumnsPerOperator", testKeyColumnsPerOperator},
		{"ListAudit", testListAudit},
		{"ReleaseAuditedAsItsPurpose", testReleaseAuditedAsItsPurpose},
		{"AuditAppendOnly", testAuditAppendOnly},
		{"AuditEvent", testAuditEvent},
		{"DataVersion", testDataVersion},
		{"EnrollIssuesVerifiableCertificate", testEnrollIssuesVerifiableCertificate},
		{"EnrollCertificateCarriesEveryGroup", testEnrollCarriesEveryGroup},
		{"EnrollRefusalsWriteOnlyCounters", testEnrollRefusals},
		{"EnrollUsageLimitUnderConcurrency", testEnrollUsageLimitUnderConcurrency},
		{"Reenroll", testReenroll},
		{"EnrollManyAtOnce", testEnrollManyAtOnce},
		{"KeyLastMachine", testKeyLastMachine},
		{"KeyActivity", testKeyActivity},
		{"EnrollWithErasedMaterial", testEnrollWithErasedMaterial},
		{"ImportedCAsAndVerifyOnly", testImportedCAs},
		{"RevocationAndCRL", testRevocationAndCRL},
		{"ActiveMachineCounts", testActiveMachineCounts},
		{"ServerTLS", testServerTLS},
	} {
		t.Run(b.name, func(t *testing.T) { b.test(t, open) })
	}
}

var (
	admin  = model.Actor{Name: "alice", Role: model.RoleAdmin, Remote: "192.0.2.7:5022"}
	viewer = model.Actor{Name: "victor", Role: model.RoleViewer}
)

// openAsAdmin opens a fresh store for one behaviour and returns it with an admin's session
// and a context that ends with the test: the three things nearly every behaviour starts from.
func openAsAdmin(t *testing.T, open Opener) (store.Store, store.Session, context.Context) {
	return openAs(t, open, admin)
}

// openAs opens a store and returns it with a session of actor a and the test's context.
func openAs(t *testing.T, open Opener, a model.Actor) (store.Store, store.Session, context.Context) {
	s := open(t)
	return s, s.Session(a), testCtx(t)
}

func testCtx(t testing.TB) context.Context { return testCtxFor(t, 30*time.Second) }

// testCtxFor is a context that ends with the test or after d.
func testCtxFor(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// now is a time at the precision stores keep (microseconds).
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// mustGroup creates a machine group.
func mustGroup(t testing.TB, x store.Session, name string) model.Group {
	t.Helper()
	g, err := x.CreateGroup(testCtx(t), model.GroupInput{Name: name, Enabled: true})
	if err != nil {
		t.Fatalf("CreateGroup %q: %v", name, err)
	}
	return g
}

// keyInput is a valid input for a key in group "Servers" signed by Client.
func keyInput(name string) model.KeyInput {
	return model.KeyInput{Name: name, Groups: []string{"Servers"}, Cert: "Client", Enabled: true, Exportable: true}
}

// reenrollableKeyInput is keyInput for a key that lets a machine enroll again.
func reenrollableKeyInput(name string) model.KeyInput {
	in := keyInput(name)
	in.AllowReenroll = true
	return in
}

// mustKey creates a key (and the group "Servers" when missing) and returns it with its secret.
func mustKey(t testing.TB, x store.Session, in model.KeyInput) (model.Key, string) {
	t.Helper()
	ctx := testCtx(t)
	if _, err := x.GroupByName(ctx, "Servers"); errors.Is(err, model.ErrNotFound) {
		mustGroup(t, x, "Servers")
	}
	k, secret, err := x.CreateKey(ctx, in)
	if err != nil {
		t.Fatalf("CreateKey %q: %v", in.Name, err)
	}
	return k, secret
}

// auditEvents is the whole audit trail, newest first.
func auditEvents(t testing.TB, s store.Store) []model.AuditEvent {
	t.Helper()
	all, err := s.Session(admin).ListAudit(testCtx(t), 0)
	if err != nil {
		t.Fatalf("ListAudit: %v", err)
	}
	return all
}

// countAudit counts the audit events that match.
func countAudit(t testing.TB, s store.Store, match func(model.AuditEvent) bool) int {
	t.Helper()
	n := 0
	for _, e := range auditEvents(t, s) {
		if match(e) {
			n++
		}
	}
	return n
}

// auditRows counts successful audit rows for an action on an object.
func auditRows(t testing.TB, s store.Store, typ model.ObjectType, a model.Action, id int64) int {
	t.Helper()
	return countAudit(t, s, func(e model.AuditEvent) bool {
		return e.ObjectType == typ && e.Action == a && e.ObjectID == id && e.Result == "ok"
	})
}

// KeysEqual compares every field of two keys, times with Equal.
func KeysEqual(a, b model.Key) bool {
	return a.ID == b.ID && a.Name == b.Name && slices.Equal(a.Groups, b.Groups) && a.CertID == b.CertID &&
		a.CertName == b.CertName && a.Enabled == b.Enabled && a.AllowReenroll == b.AllowReenroll &&
		a.Exportable == b.Exportable && a.Cloud == b.Cloud && a.Fingerprint == b.Fingerprint &&
		a.Description == b.Description && a.MaxUsage == b.MaxUsage && a.UsageCount == b.UsageCount &&
		a.ExpiresAt.Equal(b.ExpiresAt) && a.CreatedAt.Equal(b.CreatedAt) && a.CreatedBy == b.CreatedBy &&
		a.UpdatedAt.Equal(b.UpdatedAt) && a.UpdatedBy == b.UpdatedBy && a.Version == b.Version
}
