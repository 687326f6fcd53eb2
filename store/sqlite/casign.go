package sqlite

import (
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"sync"

	"provkeys/model"
	"provkeys/store"
	"provkeys/store/ca"
)

// caCache keeps parsed CA certificates and their chains by id. A certificate row never
// changes (there is no edit; a re-import gets a new id, and AUTOINCREMENT never reuses one),
// so an entry never goes stale. Private keys are not cached: they are unsealed per signature.
type caCache struct {
	mu    sync.Mutex
	certs map[int64]*caEntry
}

type caEntry struct {
	name  string
	cert  *x509.Certificate
	chain string // PEM: the CA itself up to its root
}

// caCert returns CA id parsed, with its chain up to the root among the stored CAs.
func (s *Store) caCert(ctx context.Context, q querier, id int64) (*caEntry, error) {
	s.cas.mu.Lock()
	e := s.cas.certs[id]
	s.cas.mu.Unlock()
	if e != nil {
		return e, nil
	}
	rows, err := q.QueryContext(ctx, "SELECT id, name, pem FROM certs")
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var pool []*x509.Certificate
	var name string
	var self *x509.Certificate
	for rows.Next() {
		var cid int64
		var n, p string
		if err := rows.Scan(&cid, &n, &p); err != nil {
			return nil, mapErr(err)
		}
		c, _, err := store.ParseCA(p)
		if err != nil {
			continue // stored PEM was checked at import; a damaged row simply joins no chain
		}
		pool = append(pool, c)
		if cid == id {
			name, self = n, c
		}
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err)
	}
	if self == nil {
		return nil, fmt.Errorf("signing certificate %d: %w", id, model.ErrNotFound)
	}
	e = &caEntry{name: name, cert: self, chain: ca.EncodeCerts(ca.Chain(self, pool)...)}
	s.cas.mu.Lock()
	if s.cas.certs == nil {
		s.cas.certs = map[int64]*caEntry{}
	}
	s.cas.certs[id] = e
	s.cas.mu.Unlock()
	return e, nil
}

// caSigner unseals CA id's private key. A CA imported without one is model.ErrCannotSign
// saying "verify only".
func (s *Store) caSigner(ctx context.Context, q querier, id int64, name string) (crypto.Signer, error) {
	var sealed []byte
	if err := q.QueryRowContext(ctx, "SELECT private_key FROM certs WHERE id = ?", id).Scan(&sealed); err != nil {
		return nil, notFound(mapErr(err), "signing certificate", id)
	}
	if sealed == nil {
		return nil, ca.ErrVerifyOnly(name)
	}
	der, err := s.sealer.Unseal("cert", id, sealed)
	if err != nil {
		return nil, fmt.Errorf("signing certificate %q: %w: the data key %s is not the one it was sealed with, or the row was altered", name, err, s.keyPath)
	}
	return ca.ParsePKCS8(der)
}

// ImportCertWithKey stores a PEM CA certificate with its PEM private key, which is sealed like
// the generated CAs' keys, so keys signed by it can enroll machines. A key that is not the
// certificate's is a *model.ValidationError; neither the key nor its parse errors are echoed.
func (x *session) ImportCertWithKey(ctx context.Context, name, certPEM, keyPEM string) (model.Cert, error) {
	if err := store.Authorize(x.actor, model.ActionImport); err != nil {
		return model.Cert{}, x.refuse(ctx, model.ActionImport, model.ObjectCert, 0, err)
	}
	if err := model.ValidateName(model.FieldName, name); err != nil {
		return model.Cert{}, err
	}
	c, canon, err := store.ParseCA(certPEM)
	if err != nil {
		return model.Cert{}, err
	}
	signer, der, err := ca.ParseKeyPEM(keyPEM)
	if err != nil {
		return model.Cert{}, err
	}
	if err := ca.CheckPair(c, signer); err != nil {
		return model.Cert{}, err
	}
	var out model.Cert
	err = x.change(ctx, model.ActionImport, model.ObjectCert, 0, func(w *writeTx) error {
		id, err := w.insertCert(name, canon, c, der)
		if err != nil {
			return err
		}
		if out, err = scanCert(w.QueryRowContext(w.ctx, "SELECT "+certCols+" FROM certs c WHERE c.id = ?", id)); err != nil {
			return err
		}
		return w.audit(model.ActionImport, model.ObjectCert, id, out.Name, nil, store.AuditCert(out))
	})
	if err != nil {
		return model.Cert{}, err
	}
	return out, nil
}

// CertCanSign reports whether CA name holds its private key (false: "verify only").
func (x *session) CertCanSign(ctx context.Context, name string) (bool, error) {
	if err := store.Authorize(x.actor, model.ActionRead); err != nil {
		return false, err
	}
	var has bool
	err := x.s.rdb.QueryRowContext(ctx, "SELECT private_key IS NOT NULL FROM certs WHERE name_key = ?", strings.ToLower(name)).Scan(&has)
	if errors.Is(mapErr(err), model.ErrNotFound) {
		return false, fmt.Errorf("signing certificate %q: %w", name, model.ErrNotFound)
	}
	return has, mapErr(err)
}

// ServerTLS issues the enrollment service's TLS certificate for names from CA caName
// (normally "Root") and returns it with that CA's PEM, for clients to trust. The issue is
// audited as the system; the CA's key never leaves the store.
func (s *Store) ServerTLS(ctx context.Context, caName string, names []string) (tls.Certificate, string, error) {
	x := s.as(systemActor)
	var out tls.Certificate
	var caPEM string
	err := x.change(ctx, model.ActionIssue, model.ObjectCert, 0, func(w *writeTx) error {
		var id int64
		if err := w.QueryRowContext(ctx, "SELECT id FROM certs WHERE name_key = ?", strings.ToLower(caName)).Scan(&id); err != nil {
			return fmt.Errorf("signing certificate %q: %w", caName, mapErr(err))
		}
		e, err := s.caCert(ctx, w, id)
		if err != nil {
			return err
		}
		signer, err := s.caSigner(ctx, w, id, e.name)
		if err != nil {
			return err
		}
		if out, err = ca.ServerCert(e.cert, signer, names, w.now); err != nil {
			return err
		}
		caPEM = ca.EncodeCerts(e.cert)
		return w.audit(model.ActionIssue, model.ObjectCert, id, e.name, nil, map[string]any{
			"purpose": "enrollment service TLS", "names": names, "serial": ca.SerialHex(out.Leaf.SerialNumber)})
	})
	return out, caPEM, err
}
