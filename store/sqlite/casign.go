package sqlite

import (
	"context"
	"crypto"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"

	"provkeys/model"
	"provkeys/store"
	"provkeys/store/ca"
)

// caCert returns CA id parsed, with its chain up to the root among the stored CAs
// (store.CACache keeps it).
func (s *Store) caCert(ctx context.Context, q querier, id int64) (*store.CAEntry, error) {
	return s.cas.Get(id, func() ([]store.CARow, error) {
		rows, err := q.QueryContext(ctx, "SELECT id, name, pem FROM certs")
		if err != nil {
			return nil, mapErr(err)
		}
		defer rows.Close()
		var out []store.CARow
		for rows.Next() {
			var r store.CARow
			if err := rows.Scan(&r.ID, &r.Name, &r.PEM); err != nil {
				return nil, mapErr(err)
			}
			out = append(out, r)
		}
		return out, mapErr(rows.Err())
	})
}

// caSigner unseals CA id's private key. A CA imported without one is model.ErrCannotSign
// saying "verify only".
func (s *Store) caSigner(ctx context.Context, q querier, id int64, name string) (crypto.Signer, error) {
	var sealed []byte
	if err := q.QueryRowContext(ctx, "SELECT private_key FROM certs WHERE id = ?", id).Scan(&sealed); err != nil {
		return nil, notFound(mapErr(err), "signing certificate", id)
	}
	return s.sealer.OpenCAKey(id, name, sealed)
}

// ImportCertWithKey stores a PEM CA certificate with its PEM private key, which is sealed like
// the generated CAs' keys, so keys signed by it can enroll machines. A key that is not the
// certificate's is a *model.ValidationError; neither the key nor its parse errors are echoed.
func (x *session) ImportCertWithKey(ctx context.Context, name, certPEM, keyPEM string) (model.Cert, error) {
	if err := store.Authorize(x.actor, model.ActionImport); err != nil {
		return model.Cert{}, x.refuse(ctx, model.ActionImport, model.ObjectCert, 0, err)
	}
	in, err := store.CheckCAImport(name, certPEM, keyPEM)
	if err != nil {
		return model.Cert{}, err
	}
	var out model.Cert
	err = x.change(ctx, model.ActionImport, model.ObjectCert, 0, func(w *writeTx) error {
		id, err := w.insertCert(name, in.Canon, in.Cert, in.KeyDER)
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
		signer, err := s.caSigner(ctx, w, id, e.Name)
		if err != nil {
			return err
		}
		if out, err = ca.ServerCert(e.Cert, signer, names, w.now); err != nil {
			return err
		}
		caPEM = ca.EncodeCerts(e.Cert)
		return w.audit(model.ActionIssue, model.ObjectCert, id, e.Name, nil, map[string]any{
			"purpose": "enrollment service TLS", "names": names, "serial": ca.SerialHex(out.Leaf.SerialNumber)})
	})
	return out, caPEM, err
}
