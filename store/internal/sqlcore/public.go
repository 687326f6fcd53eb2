package sqlcore

import (
	"context"
	"crypto/tls"
)

// Public is what every engine's Store answers alike from its engine, outside any operator's
// session: the data key's path, and the CRL and the enrollment service's TLS certificate,
// which are asked for as the system. An engine's Store embeds it.
type Public struct{ E Engine }

// DataKeyPath is the file holding the data key that seals this store's key material.
func (p Public) DataKeyPath() string { return p.E.DataKeyPath() }

// CRL returns CA caName's certificate revocation list (DER), signed by that CA, with every
// machine certificate it issued that is revoked. It is public, so it needs no actor.
func (p Public) CRL(ctx context.Context, caName string) ([]byte, error) {
	return NewSession(p.E, SystemActor).CRL(ctx, caName)
}

// ServerTLS issues the enrollment service's TLS certificate for names from CA caName
// (normally "Root") and returns it with that CA's PEM, for clients to trust. The issue is
// audited as the system; the CA's key never leaves the store.
func (p Public) ServerTLS(ctx context.Context, caName string, names []string) (tls.Certificate, string, error) {
	return NewSession(p.E, SystemActor).ServerTLS(ctx, caName, names)
}
